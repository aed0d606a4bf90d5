"""Settings: defaults, one clear sentence naming the variable when a value is bad, and one `.env`
read the same way by every settings class."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.dingtalk import DingTalkClient
from pipelines.dingtalk.throttle import DEFAULT_HEADROOM
from pipelines.settings import ENV_FILE, ConfigError, Settings, load_settings


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
    assert settings.dingtalk_limiter_headroom == DEFAULT_HEADROOM
    assert settings.attendance_celery_queue == "dagster"


def test_the_headroom_setting_spaces_the_clients_calls(monkeypatch, tmp_path):
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "id")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("DINGTALK_QPS_PER_API", "20")
    monkeypatch.setenv("DINGTALK_LIMITER_HEADROOM", "0.5")
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ATTENDANCE_STATE_URL", raising=False)
    with DingTalkClient.from_settings(load_settings()) as client:
        assert client.limiter.interval == pytest.approx(0.1)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DINGTALK_QPS_PER_API", "fast"),
        ("DINGTALK_QPS_PER_API", "0"),
        ("DINGTALK_LIMITER_HEADROOM", "1.5"),
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


@pytest.mark.integration
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


def test_every_settings_class_reads_the_same_env_file(tmp_path, monkeypatch):
    from pipelines.refresh.config import RefreshSettings
    from pipelines.stream.config import ListenerConfig

    for name in ("DINGTALK_QPS_PER_API", "ATTENDANCE_COALESCE_SECONDS", "LISTENER_WATCHDOG_S"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "DINGTALK_QPS_PER_API=7\nATTENDANCE_COALESCE_SECONDS=42\nLISTENER_WATCHDOG_S=33\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    assert Settings().dingtalk_qps_per_api == 7
    assert RefreshSettings().coalesce_seconds == 42
    assert ListenerConfig().watchdog_s == 33
    monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "5")  # the environment wins, as in Settings
    assert RefreshSettings().coalesce_seconds == 5


def test_no_settings_class_configures_its_own_env_reading():
    from pydantic_settings import BaseSettings

    import pipelines.refresh.config
    import pipelines.stream.config  # noqa: F401  (importing defines the classes)

    classes = [
        cls for cls in BaseSettings.__subclasses__() if cls.__module__.startswith("pipelines")
    ]
    assert len(classes) >= 3
    shown = {
        cls.__name__: (cls.model_config.get("env_file"), cls.model_config.get("env_file_encoding"))
        for cls in classes
    }
    assert set(shown.values()) == {(ENV_FILE, "utf-8")}, shown
