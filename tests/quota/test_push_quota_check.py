"""The `push_quota_projection` asset check passes under 80 % of the profile's push quota and
warns (naming the figures) once the push ledger reaches it."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.reconciliation import failed_push_reconciliation
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.quota.profile import write_profile
from pipelines.state.push_ledger import SqlitePushLedger
from tests.dagster.conftest import resources_for

pytestmark = pytest.mark.integration


def evaluation(server, data_dir) -> dg.AssetCheckEvaluation:
    result = dg.materialize([failed_push_reconciliation], resources=resources_for(server, data_dir))
    [found] = result.get_asset_check_evaluations()
    return found


def test_the_check_warns_at_80_percent_of_the_push_quota(tmp_path):
    write_profile(tmp_path / "profile.json", {"profile": "poll", "pushes_quota": 40})
    with EmulatorServer(EmulatorConfig(employees=5, days=2)) as server:
        assert evaluation(server, tmp_path).passed
        with SqlitePushLedger.in_data_dir(tmp_path) as ledger:
            for _ in range(40):
                ledger.record("attendance_approve_status_change")
        warned = evaluation(server, tmp_path)
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert "40 of 40 Stream pushes" in warned.description
