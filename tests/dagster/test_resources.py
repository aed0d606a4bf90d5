"""The resources are the one configuration door: their defaults are the Settings defaults, a
field left at its default yields to the environment when used, an explicit value wins, and only
the credentials are bound with `dg.EnvVar`."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest
from pydantic import SecretStr

from pipelines.refresh.config import RefreshSettings
from pipelines.resources import (
    SETTINGS_NAMES,
    DataDirResource,
    DingTalkResource,
    RefreshResource,
    WarehouseResource,
    resources_from_environment,
    resources_from_settings,
)
from pipelines.settings import ConfigError, Settings, load_settings


def _default(model: type, name: str) -> object:
    """The settings default as a resource field holds it (Dagster config has no Path, no secret)."""
    value = model.model_fields[name].default
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value) if isinstance(value, Path) else value


def test_dingtalk_fields_default_to_the_settings_defaults():
    fields = DingTalkResource.model_fields
    assert set(fields) == set(SETTINGS_NAMES)
    for name, field in fields.items():
        assert field.default == _default(Settings, SETTINGS_NAMES[name]), name


@pytest.mark.parametrize("resource", [WarehouseResource, DataDirResource])
def test_data_dir_defaults_to_the_settings_default(resource):
    assert set(resource.model_fields) == {"data_dir"}
    assert resource.model_fields["data_dir"].default == _default(Settings, "attendance_data_dir")


def test_refresh_fields_default_to_the_refresh_settings_defaults():
    fields = dict(RefreshResource.model_fields)
    quota = fields.pop("monthly_api_quota")
    assert quota.default == _default(Settings, "dingtalk_monthly_api_quota")
    assert set(fields) == set(RefreshSettings.model_fields)
    for name, field in fields.items():
        assert field.default == _default(RefreshSettings, name), name


def test_unset_variables_give_the_readme_defaults(monkeypatch):
    for name in ("ATTENDANCE_DATA_DIR", "DINGTALK_API_BASE_URL", "DINGTALK_OAPI_BASE_URL"):
        monkeypatch.delenv(name)
    settings = DingTalkResource(client_id="app", client_secret="secret").settings()
    assert (settings.dingtalk_api_base_url, settings.dingtalk_qps_per_api) == (
        "https://api.dingtalk.com",
        20,
    )
    assert WarehouseResource().path == DataDirResource().path == Path("data")
    assert RefreshResource().settings() == RefreshSettings()
    assert RefreshResource().quota() == 5000


def test_fields_at_their_default_read_the_environment_when_used(monkeypatch):
    warehouse, refresh = WarehouseResource(), RefreshResource()
    dingtalk = DingTalkResource(client_id="app", client_secret="secret")
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", "/srv/attendance")
    monkeypatch.setenv("DINGTALK_QPS_PER_API", "40")
    monkeypatch.setenv("DINGTALK_MONTHLY_API_QUOTA", "9000")
    monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "5")
    assert warehouse.path == Path("/srv/attendance")
    assert dingtalk.settings().dingtalk_qps_per_api == 40
    assert str(dingtalk.settings().attendance_data_dir) == "/srv/attendance"
    assert refresh.settings().coalesce_seconds == 5
    assert refresh.quota() == 9000


def test_explicit_values_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", "/srv/attendance")
    monkeypatch.setenv("ATTENDANCE_SWEEP_DAYS", "3")
    monkeypatch.setenv("DINGTALK_QPS_PER_API", "40")
    assert DataDirResource(data_dir="/elsewhere").path == Path("/elsewhere")
    assert RefreshResource(sweep_days=5).settings().sweep_days == 5
    dingtalk = DingTalkResource(client_id="app", client_secret="secret", qps_per_api=60)
    assert dingtalk.settings().dingtalk_qps_per_api == 60


def test_a_bad_variable_is_named_when_the_resource_is_used(monkeypatch):
    refresh = RefreshResource()
    monkeypatch.setenv("ATTENDANCE_SWEEP_DAYS", "many")
    with pytest.raises(ConfigError, match="ATTENDANCE_SWEEP_DAYS"):
        refresh.settings()


def test_only_the_credentials_are_bound_to_environment_variables():
    bound = {
        (key, name): value.env_var_name
        for key, resource in resources_from_environment().items()
        for name in type(resource).model_fields
        if isinstance(value := getattr(resource, name), dg.EnvVar)
    }
    assert bound == {
        ("dingtalk", "client_id"): "DINGTALK_CLIENT_ID",
        ("dingtalk", "client_secret"): "DINGTALK_CLIENT_SECRET",
    }


def test_resources_from_settings_carry_every_value(tmp_path):
    settings = load_settings(
        dingtalk_client_id="app",
        dingtalk_client_secret="secret",
        dingtalk_qps_per_api=40,
        dingtalk_monthly_api_quota=9000,
        attendance_data_dir=tmp_path,
    )
    resources = resources_from_settings(settings, RefreshSettings(sweep_days=2))
    dingtalk = resources["dingtalk"]
    # The secret travels as an EnvVar resolved at run start (never a literal in run snapshots).
    assert isinstance(dingtalk.client_secret, dg.EnvVar)
    assert os.environ[dingtalk.client_secret.env_var_name] == "secret"
    resolved = dingtalk.settings().model_dump(exclude={"dingtalk_client_secret"})
    assert resolved == settings.model_dump(exclude={"dingtalk_client_secret"})
    assert resources["warehouse"].path == resources["data_dir"].path == tmp_path
    assert resources["refresh"].settings().sweep_days == 2
    assert resources["refresh"].quota() == 9000
