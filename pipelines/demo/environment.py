"""Environment variables that point the listener and Dagster at a data dir and a DingTalk."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pipelines.emulator.server import EmulatorServer
from pipelines.settings import Settings


def emulator_variables(server: EmulatorServer) -> dict[str, str]:
    """DINGTALK_* values for a running emulator (the emulator is just another base URL)."""
    return {
        "DINGTALK_CLIENT_ID": server.client_id,
        "DINGTALK_CLIENT_SECRET": server.client_secret,
        "DINGTALK_API_BASE_URL": server.api_base_url,
        "DINGTALK_OAPI_BASE_URL": server.oapi_base_url,
    }


def settings_variables(settings: Settings) -> dict[str, str]:
    """Every setting as an environment variable, defaults and `.env` values included.

    Dagster's `EnvVar` reads only the process environment (not `.env`, not Settings defaults),
    so children get each value spelled out.
    """
    return {
        "DINGTALK_CLIENT_ID": settings.dingtalk_client_id,
        "DINGTALK_CLIENT_SECRET": settings.dingtalk_client_secret.get_secret_value(),
        "DINGTALK_API_BASE_URL": settings.dingtalk_api_base_url,
        "DINGTALK_OAPI_BASE_URL": settings.dingtalk_oapi_base_url,
        "DINGTALK_QPS_PER_API": f"{settings.dingtalk_qps_per_api:g}",
        "DINGTALK_MONTHLY_API_QUOTA": str(settings.dingtalk_monthly_api_quota),
    }


def child_environment(
    settings: Settings, data_dir: Path, dagster_home: Path, **extra: str
) -> dict[str, str]:
    """This process's environment, every setting, the absolute data dir and the Dagster home."""
    return {
        **os.environ,
        **settings_variables(settings),
        "ATTENDANCE_DATA_DIR": str(data_dir.resolve()),
        "DAGSTER_HOME": str(dagster_home),
        **extra,
    }


def venv_executable(name: str) -> str:
    """A console script next to this interpreter (works without an activated venv)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run `make install`")
    return found
