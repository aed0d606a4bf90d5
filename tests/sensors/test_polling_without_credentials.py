"""Without DingTalk credentials the polling sensor skips every tick with one line naming the
variables to set, instead of failing the tick (its runs could not call DingTalk anyway)."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from pipelines.days import SHANGHAI
from pipelines.definitions import defs
from pipelines.quota.profile import write_profile
from pipelines.resources import resources_from_environment
from sensors.polling import build_polling_sensor

WORK_HOUR = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)  # a Tuesday morning


def test_a_tick_without_credentials_is_a_skip_naming_both_variables(tmp_path, monkeypatch):
    # tests/conftest.py removes both credentials from the environment and the `.env` lookup.
    write_profile(tmp_path / "profile.json", {"profile": "poll", "calls_quota": 200_000})
    monkeypatch.setenv("ATTENDANCE_PROFILE", str(tmp_path / "profile.json"))
    sensor = build_polling_sensor(clock=lambda: WORK_HOUR)

    # As the daemon does (dagster/_grpc/impl.py): only the resources the sensor requires are
    # built, so an unset EnvVar of a resource it does not use cannot fail the tick.
    required = sensor.required_resource_keys
    resources = {k: v for k, v in resources_from_environment().items() if k in required}
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, definitions=defs, resources=resources)
        result = sensor.evaluate_tick(context)

    assert result.run_requests == []
    reason = result.skip_message or ""
    assert "\n" not in reason
    assert "DINGTALK_CLIENT_ID" in reason and "DINGTALK_CLIENT_SECRET" in reason, reason
