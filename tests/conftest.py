"""Shared fixtures: every test gets its own data directory and never sees real credentials."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "data"))
    for name in ("DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", "http://127.0.0.1:9")
