"""The optional leave balances against the emulator on loopback: off by default means no call at
all (the asset is skipped, the schedule launches nothing); on, the table holds the emulator's
balances, and one pull costs what `plan` counts."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.catalogue import Asset
from pipelines.definitions import ATTENDANCE_ASSETS, OPTIONAL_ASSETS
from pipelines.emulator.api_vacation import QUOTA_PATH
from pipelines.emulator.balances import balance
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.quota.leave_cost import LeaveBalanceCost
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.views import scratch_connection
from sensors.leave_balances import leave_balances_schedule

pytestmark = pytest.mark.integration

EMPLOYEES = 60  # two batches of 50
UNPARTITIONED = [a for a in ATTENDANCE_ASSETS if a.partitions_def is None]


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorConfig(employees=EMPLOYEES, days=3)) as server:
        yield server


def _resources(server: EmulatorServer, data_dir, **overrides) -> dict:
    settings = load_settings(
        dingtalk_client_id=server.client_id,
        dingtalk_client_secret=server.client_secret,
        dingtalk_api_base_url=server.api_base_url,
        dingtalk_oapi_base_url=server.oapi_base_url,
        attendance_data_dir=str(data_dir),
        **overrides,
    )
    return resources_from_settings(settings)


@pytest.fixture(scope="module")
def catalogue_dir(emulator, tmp_path_factory):
    """The roster and the leave types, which the balances read."""
    data_dir = tmp_path_factory.mktemp("leave")
    assert dg.materialize(UNPARTITIONED, resources=_resources(emulator, data_dir)).success
    return data_dir


def _calls(server: EmulatorServer) -> int:
    return sum(server.state.meter.calls.values())


def test_off_by_default_the_asset_is_skipped_without_a_call(emulator, catalogue_dir, monkeypatch):
    monkeypatch.delenv("ATTENDANCE_LEAVE_BALANCES", raising=False)
    before = _calls(emulator)
    result = dg.materialize(OPTIONAL_ASSETS, resources=_resources(emulator, catalogue_dir))
    assert result.success
    assert result.asset_materializations_for_node(Asset.LEAVE_BALANCES) == []
    assert _calls(emulator) == before
    assert not ParquetStore(catalogue_dir).file_path(Asset.LEAVE_BALANCES).exists()


def test_off_by_default_the_schedule_launches_nothing(emulator, catalogue_dir, monkeypatch):
    monkeypatch.delenv("ATTENDANCE_LEAVE_BALANCES", raising=False)
    resources = _resources(emulator, catalogue_dir)
    with dg.build_schedule_context(resources={"dingtalk": resources["dingtalk"]}) as context:
        assert isinstance(leave_balances_schedule(context), dg.SkipReason)
    on = _resources(emulator, catalogue_dir, attendance_leave_balances=True)
    with dg.build_schedule_context(resources={"dingtalk": on["dingtalk"]}) as context:
        assert isinstance(leave_balances_schedule(context), dg.RunRequest)


def test_on_the_table_holds_the_emulators_balances(emulator, catalogue_dir):
    resources = _resources(emulator, catalogue_dir, attendance_leave_balances=True)
    key = f"old:{QUOTA_PATH}"
    before = emulator.state.meter.metered[key]
    assert dg.materialize(OPTIONAL_ASSETS, resources=resources).success
    org, now = emulator.state.org, emulator.state.now()
    expected = {
        (e.userid, lt.leave_code): balance(org, e, lt, now)
        for e in org.employees
        for lt in org.leave_types
    }
    with scratch_connection(catalogue_dir) as connection:
        rows = connection.execute(
            "SELECT userid, leave_code, leave_name, unit, quota, used, remaining, quota_cycle "
            "FROM leave_balances"
        ).fetchall()
    assert len(rows) == len(expected)
    for userid, code, name, unit, quota, used, remaining, cycle in rows:
        truth = expected[(userid, code)]
        assert (name, unit, cycle) == (
            truth.leave.leave_name,
            "hour" if truth.by_hour else "day",
            str(truth.cycle),
        )
        assert (quota, used) == (truth.granted, truth.used)
        assert remaining == pytest.approx(truth.granted - truth.used)
    assert any(row[5] > 0 for row in rows)  # some leave was taken
    spent = emulator.state.meter.metered[key] - before
    assert spent == LeaveBalanceCost(EMPLOYEES, len(org.leave_types)).calls_per_pull == 10
