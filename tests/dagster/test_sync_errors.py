"""`sync` before and after a failure: the cost of a range before launch (no metered call), and
one line naming the root cause and the log for bad credentials, unknown users, a missing
permission (the one to grant) and a spent quota, with no metered call where none was needed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pipelines.emulator.config import Faults
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from tests.dagster.test_sync_instance import metered_calls, sync_days, use_emulator

pytestmark = pytest.mark.integration


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and "sync:" not in line]
    assert len(lines) == 1, stderr
    return lines[0]


def test_dry_run_prints_the_cost_per_api_and_spends_nothing(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = metered_calls(emulator)
    result = sync_days(emulator, 7, "--dry-run")
    assert result.exit_code == 0, result.output
    assert metered_calls(emulator) == before
    assert (
        "/attendance/list" in result.stdout and "/topapi/attendance/getcolumnval" in result.stdout
    )
    assert "of the month's quota of 5000" in result.stdout
    assert not (tmp_path / "parquet" / "attendance_results").exists()


def test_the_dry_run_estimate_is_close_to_what_the_sync_spends(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    estimate = int(sync_days(emulator, 7, "--dry-run").stdout.split("about ")[1].split()[0])
    before = metered_calls(emulator)
    assert sync_days(emulator, 7).exit_code == 0
    spent = metered_calls(emulator) - before
    assert abs(estimate - spent) <= max(3, 0.3 * spent), (estimate, spent)


def test_unknown_users_are_refused_before_any_metered_call(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = metered_calls(emulator)
    result = sync_days(emulator, 7, "--users", "nosuchuser")
    assert result.exit_code == 2
    assert "unknown userid(s) nosuchuser" in _one_line(result.stderr)
    assert metered_calls(emulator) == before


def test_bad_credentials_end_in_one_line_naming_the_variables(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "wrong-secret")
    before = metered_calls(emulator)
    result = sync_days(emulator, 7)
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "DINGTALK_CLIENT_SECRET" in line and "Traceback" not in result.output
    log = Path(line.split("full log: ")[1].rstrip(")"))
    assert log.is_file() and "Stack Trace" in log.read_text()
    assert metered_calls(emulator) == before


def test_a_spent_quota_ends_in_one_line_saying_so(tmp_path, monkeypatch):
    with EmulatorServer(EmulatorConfig(employees=5, days=7, monthly_quota=3)) as emulator:
        use_emulator(monkeypatch, emulator, tmp_path)
        result = sync_days(emulator, 7)
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "monthly metered-call quota" in line and "full log: " in line


@pytest.mark.parametrize(
    ("denied", "permission"),
    [
        ("/topapi/v2/user/list", "qyapi_get_member"),  # the roster: unmetered, the first run
        ("/topapi/attendance/getattcolumns", "qyapi_base"),  # metered, before any day is pulled
    ],
)
def test_a_missing_permission_ends_in_one_line_naming_it(tmp_path, monkeypatch, denied, permission):
    config = EmulatorConfig(employees=5, days=7, faults=Faults(denied_paths=[denied]))
    with EmulatorServer(config) as emulator:
        use_emulator(monkeypatch, emulator, tmp_path)
        result = sync_days(emulator, 7)
        stats = httpx.get(f"{emulator.control_url}/stats").json()
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "missing permission" in line and permission in line and denied in line, line
    assert "Traceback" not in result.output and "full log: " in line
    assert stats["rejected"] == {"permission": 1}  # refused once, not retried
    assert stats["metered_calls_total"] == 0  # the refused call is not billed, nothing ran after
