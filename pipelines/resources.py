"""Dagster resources: the one door through which configuration reaches Dagster code.

Every field defaults to what `Settings` (or `RefreshSettings`) defaults it to, and a field left
at its default yields to the environment: a resource builds its settings through `load_settings`
or `load_refresh_settings`, passing on only the fields that differ from their default (Dagster
itself keeps only those when it rebuilds a resource for a run). So a daemon started with nothing
but the credentials and URLs runs with the README's defaults, `ATTENDANCE_DATA_DIR` or
`DINGTALK_QPS_PER_API` take effect when a tick or a run starts (never at import), and the CLI
and tests pass concrete values. `dg.EnvVar` binds the credentials only: they are secrets, and
Dagster hides them in the UI.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path

import dagster as dg

from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.ledger import CallLedger
from pipelines.extract.strategies.plans import PlanCache
from pipelines.refresh.config import RefreshSettings, load_refresh_settings
from pipelines.refresh.failed_push import FailedPushPageStore
from pipelines.refresh.requests import RefreshRequestStore
from pipelines.settings import Settings, load_settings
from pipelines.state.factory import StateLocation
from pipelines.stream.protocol import EventInbox
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.factory import open_store

SECRET_VARIABLE = "DINGTALK_CLIENT_SECRET"
DEFAULT_DATA_DIR = str(Settings.model_fields["attendance_data_dir"].default)


def _overrides(
    resource: dg.ConfigurableResource, names: Mapping[str, str], fields: Iterable[str]
) -> dict[str, object]:
    """Settings keyword arguments (renamed by `names`) of the `fields` not at their default."""
    declared = type(resource).model_fields
    return {
        names.get(name, name): value
        for name in fields
        if (value := getattr(resource, name)) != declared[name].default
    }


# DingTalkResource field -> Settings field (the environment variable, upper-cased).
SETTINGS_NAMES = {
    "client_id": "dingtalk_client_id",
    "client_secret": "dingtalk_client_secret",
    "api_base_url": "dingtalk_api_base_url",
    "oapi_base_url": "dingtalk_oapi_base_url",
    "qps_per_api": "dingtalk_qps_per_api",
    "monthly_api_quota": "dingtalk_monthly_api_quota",
    "data_dir": "attendance_data_dir",
    "pull_leave_balances": "attendance_leave_balances",
}


class _InDataDir(dg.ConfigurableResource):
    """A resource that only needs the data directory."""

    data_dir: str = DEFAULT_DATA_DIR

    @property
    def path(self) -> Path:
        """`data_dir` when given, else ATTENDANCE_DATA_DIR, else `data`."""
        overrides = _overrides(self, SETTINGS_NAMES, ["data_dir"])
        return Path(load_settings(**overrides).attendance_data_dir)

    def settings(self) -> Settings:
        """The Settings of the environment with this data dir; credentials are not required."""
        return load_settings(**_overrides(self, SETTINGS_NAMES, ["data_dir"]))

    def state(self) -> StateLocation:
        """Where the inbox, queues, ledger and limiter live: `ATTENDANCE_STATE_URL` (read when
        the run or tick starts, like the other settings) or SQLite files in the data dir."""
        overrides = _overrides(self, SETTINGS_NAMES, ["data_dir"])
        return StateLocation.from_settings(load_settings(**overrides))


class DingTalkResource(dg.ConfigurableResource):
    """The DingTalk app's credentials and endpoints (or the emulator's): hands out clients."""

    client_id: str = ""
    client_secret: str = ""
    api_base_url: str = Settings.model_fields["dingtalk_api_base_url"].default
    oapi_base_url: str = Settings.model_fields["dingtalk_oapi_base_url"].default
    qps_per_api: float = Settings.model_fields["dingtalk_qps_per_api"].default
    monthly_api_quota: int = Settings.model_fields["dingtalk_monthly_api_quota"].default
    data_dir: str = DEFAULT_DATA_DIR
    pull_leave_balances: bool = Settings.model_fields["attendance_leave_balances"].default

    def leave_balances_enabled(self) -> bool:
        """ATTENDANCE_LEAVE_BALANCES, read when the run or tick starts; needs no credentials."""
        overrides = _overrides(self, SETTINGS_NAMES, ["pull_leave_balances"])
        return load_settings(**overrides).attendance_leave_balances

    def settings(self) -> Settings:
        """The values as `Settings`, validated (ConfigError names the variable to fix)."""
        settings = load_settings(**_overrides(self, SETTINGS_NAMES, SETTINGS_NAMES))
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


class WarehouseResource(_InDataDir):
    """Where the warehouse lives: `<data_dir>/parquet/...` and `<data_dir>/warehouse.duckdb`,
    or `ATTENDANCE_WAREHOUSE_URI` on object storage (read when the run starts)."""

    def store(self) -> ParquetStore:
        """The Parquet store (atomic partition writes, targeted user replacement)."""
        return open_store(load_settings(**_overrides(self, SETTINGS_NAMES, ["data_dir"])))


class DataDirResource(_InDataDir):
    """The event stores of the data directory: the inbox, the refresh queue, failed-push pages.

    Each method returns the store as a context manager that closes it.
    """

    def inbox(self) -> closing[EventInbox]:
        return closing(self.state().inbox())

    def refresh_requests(self) -> closing[RefreshRequestStore]:
        return closing(self.state().refresh_requests())

    def failed_push_pages(self) -> closing[FailedPushPageStore]:
        return closing(self.state().failed_push_pages())

    def ledger(self) -> closing[CallLedger]:
        return closing(self.state().ledger())

    def plan_cache(self) -> closing[PlanCache]:
        return closing(self.state().plan_cache())


_REFRESH = RefreshSettings.model_fields


class RefreshResource(dg.ConfigurableResource):
    """The tunables of the event refresh (docs/events.md) and the quota it budgets against."""

    coalesce_seconds: float = _REFRESH["coalesce_seconds"].default
    sensor_batch: int = _REFRESH["sensor_batch"].default
    overnight_cutoff_hour: int = _REFRESH["overnight_cutoff_hour"].default
    gap_max_days: int = _REFRESH["gap_max_days"].default
    settlement_days: list[int] = _REFRESH["settlement_days"].default
    sweep_days: int = _REFRESH["sweep_days"].default
    report_settlement_weekday: int = _REFRESH["report_settlement_weekday"].default
    report_settlement_month_day: int = _REFRESH["report_settlement_month_day"].default
    failed_push_max_interval_seconds: float = _REFRESH["failed_push_max_interval_seconds"].default
    failed_push_settle_seconds: float = _REFRESH["failed_push_settle_seconds"].default
    discretionary_quota_share: float = _REFRESH["discretionary_quota_share"].default
    failed_push_max_pages: int = _REFRESH["failed_push_max_pages"].default
    monthly_api_quota: int = Settings.model_fields["dingtalk_monthly_api_quota"].default

    def settings(self) -> RefreshSettings:
        """The values as `RefreshSettings`, validated (ConfigError names the variable)."""
        return load_refresh_settings(**_overrides(self, {}, _REFRESH))

    def quota(self) -> int:
        """Metered calls a month for the whole organisation (DINGTALK_MONTHLY_API_QUOTA)."""
        overrides = _overrides(self, SETTINGS_NAMES, ["monthly_api_quota"])
        return load_settings(**overrides).dingtalk_monthly_api_quota


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location: credentials bound to the environment (resolved when
    a run launches), everything else at its default, read from the environment when used."""
    return {
        "dingtalk": DingTalkResource(
            client_id=dg.EnvVar("DINGTALK_CLIENT_ID"),
            client_secret=dg.EnvVar("DINGTALK_CLIENT_SECRET"),
        ),
        "warehouse": WarehouseResource(),
        "data_dir": DataDirResource(),
        "refresh": RefreshResource(),
    }


def resources_from_settings(
    settings: Settings, refresh: RefreshSettings | None = None
) -> dict[str, dg.ConfigurableResource]:
    """The resources bound to concrete values (the command line, tests and benchmarks);
    without `refresh`, the refresh tunables come from the environment when used.

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
            qps_per_api=settings.dingtalk_qps_per_api,
            monthly_api_quota=settings.dingtalk_monthly_api_quota,
            data_dir=data_dir,
            pull_leave_balances=settings.attendance_leave_balances,
        ),
        "warehouse": WarehouseResource(data_dir=data_dir),
        "data_dir": DataDirResource(data_dir=data_dir),
        "refresh": RefreshResource(
            **(refresh.model_dump() if refresh else {}),
            monthly_api_quota=settings.dingtalk_monthly_api_quota,
        ),
    }


def resources_for_data_dir(data_dir: Path | str) -> dict[str, dg.ConfigurableResource]:
    """The resources a sensor or schedule tick needs, on one data directory (tests, benchmarks)."""
    return {
        "warehouse": WarehouseResource(data_dir=str(data_dir)),
        "data_dir": DataDirResource(data_dir=str(data_dir)),
        "refresh": RefreshResource(),
    }
