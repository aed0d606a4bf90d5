"""Settings: defaults, and one clear sentence naming the variable when a value is bad."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.settings import ConfigError, load_settings


def test_defaults_match_the_public_contract(monkeypatch):
    monkeypatch.delenv("DINGTALK_API_BASE_URL")
    monkeypatch.delenv("DINGTALK_OAPI_BASE_URL")
    monkeypatch.delenv("ATTENDANCE_DATA_DIR")
    settings = load_settings()
    assert settings.dingtalk_api_base_url == "https://api.dingtalk.com"
    assert settings.dingtalk_oapi_base_url == "https://oapi.dingtalk.com"
    assert str(settings.attendance_data_dir) == "data"
    assert settings.dingtalk_qps_per_api == 20
    assert settings.dingtalk_monthly_api_quota == 5000


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DINGTALK_QPS_PER_API", "fast"),
        ("DINGTALK_QPS_PER_API", "0"),
        ("DINGTALK_MONTHLY_API_QUOTA", "-3"),
        ("DINGTALK_API_BASE_URL", "api.dingtalk.com"),
    ],
)
def test_malformed_setting_names_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings()


def test_missing_credentials_name_the_variable():
    with pytest.raises(ConfigError, match="DINGTALK_CLIENT_ID"):
        load_settings().require_credentials()


def test_secret_is_not_in_the_error_message(monkeypatch):
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "app")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("DINGTALK_QPS_PER_API", "x")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "s3cr3t-value" not in str(error.value)
    assert "s3cr3t-value" not in repr(load_settings.__doc__)


def test_cli_reports_bad_configuration_in_one_line_without_traceback(monkeypatch):
    monkeypatch.setenv("DINGTALK_QPS_PER_API", "fast")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines", "config"], capture_output=True, text=True
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DINGTALK_QPS_PER_API" in lines[0]
    assert "Traceback" not in result.stderr
