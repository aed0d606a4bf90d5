"""Environment variables that point the listener and Dagster at a data dir and a DingTalk."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pipelines.emulator.server import EmulatorServer


def emulator_variables(server: EmulatorServer) -> dict[str, str]:
    """DINGTALK_* values for a running emulator (the emulator is just another base URL)."""
    return {
        "DINGTALK_CLIENT_ID": server.client_id,
        "DINGTALK_CLIENT_SECRET": server.client_secret,
        "DINGTALK_API_BASE_URL": server.api_base_url,
        "DINGTALK_OAPI_BASE_URL": server.oapi_base_url,
    }


def child_environment(data_dir: Path, dagster_home: Path, **extra: str) -> dict[str, str]:
    """This process's environment plus the absolute data dir and Dagster home."""
    return {
        **os.environ,
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
