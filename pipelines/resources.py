"""Dagster resources: configuration only, bound to environment variables with `dg.EnvVar`.

`dg.EnvVar` values resolve when a run launches (and are hidden in the UI), never at import time.
The resources hand out the objects the libraries need: a `DingTalkClient` with the quota ledger
in the data directory, and the Parquet store of the warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.dingtalk.client import DingTalkClient
from pipelines.settings import Settings, load_settings
from pipelines.warehouse import ParquetStore

SECRET_VARIABLE = "DINGTALK_CLIENT_SECRET"


class DingTalkResource(dg.ConfigurableResource):
    """The DingTalk app's credentials and endpoints (or the emulator's): hands out clients."""

    client_id: str
    client_secret: str
    api_base_url: str
    oapi_base_url: str
    # A string because `dg.EnvVar` only resolves into string (or int) fields; parsed below.
    qps_per_api: str = "20"
    data_dir: str

    def settings(self) -> Settings:
        """The values as `Settings`, validated (ConfigError names the variable to fix)."""
        settings = load_settings(
            dingtalk_client_id=self.client_id,
            dingtalk_client_secret=self.client_secret,
            dingtalk_api_base_url=self.api_base_url,
            dingtalk_oapi_base_url=self.oapi_base_url,
            dingtalk_qps_per_api=self.qps_per_api,
            attendance_data_dir=self.data_dir,
        )
        settings.require_credentials()
        return settings

    @contextmanager
    def client(self) -> Iterator[DingTalkClient]:
        """A client counting every call in `<data_dir>/quota_ledger.sqlite`; closed on exit."""
        client = DingTalkClient.from_settings(self.settings())
        try:
            yield client
        finally:
            client.close()
            if client.ledger is not None:
                client.ledger.close()


class WarehouseResource(dg.ConfigurableResource):
    """Where the warehouse lives: `<data_dir>/parquet/...` and `<data_dir>/warehouse.duckdb`."""

    data_dir: str

    @property
    def path(self) -> Path:
        return Path(self.data_dir)

    def store(self) -> ParquetStore:
        """The Parquet store (atomic partition writes, targeted user replacement)."""
        return ParquetStore(self.path)


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    """The resources bound to the environment variables (read when a run launches)."""
    return {
        "dingtalk": DingTalkResource(
            client_id=dg.EnvVar("DINGTALK_CLIENT_ID"),
            client_secret=dg.EnvVar("DINGTALK_CLIENT_SECRET"),
            api_base_url=dg.EnvVar("DINGTALK_API_BASE_URL"),
            oapi_base_url=dg.EnvVar("DINGTALK_OAPI_BASE_URL"),
            qps_per_api=dg.EnvVar("DINGTALK_QPS_PER_API"),
            data_dir=dg.EnvVar("ATTENDANCE_DATA_DIR"),
        ),
        "warehouse": WarehouseResource(data_dir=dg.EnvVar("ATTENDANCE_DATA_DIR")),
    }


def resources_from_settings(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources bound to concrete values (the command line, tests and benchmarks).

    The client secret is the exception: it goes into this process's environment and reaches
    the resource as `dg.EnvVar`, resolved when the run starts, so the instance's run snapshots
    and event logs hold only the variable's name, never the secret.
    """
    data_dir = str(settings.attendance_data_dir)
    os.environ[SECRET_VARIABLE] = settings.dingtalk_client_secret.get_secret_value()
    return {
        "dingtalk": DingTalkResource(
            client_id=settings.dingtalk_client_id,
            client_secret=dg.EnvVar(SECRET_VARIABLE),
            api_base_url=settings.dingtalk_api_base_url,
            oapi_base_url=settings.dingtalk_oapi_base_url,
            qps_per_api=str(settings.dingtalk_qps_per_api),
            data_dir=data_dir,
        ),
        "warehouse": WarehouseResource(data_dir=data_dir),
    }
