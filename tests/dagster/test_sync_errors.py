"""`sync` before and after a failure: the cost of a range before launch (no metered call), and
one line naming the root cause and the log for bad credentials, unknown users and a spent
quota, with no metered call where none was needed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from tests.dagster.test_sync_instance import use_emulator

_register_commands()
runner = CliRunner()
pytestmark = pytest.mark.integration


def _metered(emulator) -> int:
    return sum(httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"].values())


def _sync(emulator, *extra: str):
    first = emulator.config.start
    last = first + timedelta(days=6)
    return runner.invoke(app, ["sync", "--start", str(first), "--end", str(last), *extra])


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and "sync:" not in line]
    assert len(lines) == 1, stderr
    return lines[0]


def test_dry_run_prints_the_cost_per_api_and_spends_nothing(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = _metered(emulator)
    result = _sync(emulator, "--dry-run")
    assert result.exit_code == 0, result.output
    assert _metered(emulator) == before
    assert (
        "/attendance/list" in result.stdout and "/topapi/attendance/getcolumnval" in result.stdout
    )
    assert "of the month's quota of 5000" in result.stdout
    assert not (tmp_path / "parquet" / "attendance_results").exists()


def test_the_dry_run_estimate_is_close_to_what_the_sync_spends(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    estimate = int(_sync(emulator, "--dry-run").stdout.split("about ")[1].split()[0])
    before = _metered(emulator)
    assert _sync(emulator).exit_code == 0
    spent = _metered(emulator) - before
    assert abs(estimate - spent) <= max(3, 0.3 * spent), (estimate, spent)


def test_unknown_users_are_refused_before_any_metered_call(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = _metered(emulator)
    result = _sync(emulator, "--users", "nosuchuser")
    assert result.exit_code == 2
    assert "unknown userid(s) nosuchuser" in _one_line(result.stderr)
    assert _metered(emulator) == before


def test_bad_credentials_end_in_one_line_naming_the_variables(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "wrong-secret")
    before = _metered(emulator)
    result = _sync(emulator)
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "DINGTALK_CLIENT_SECRET" in line and "Traceback" not in result.output
    log = Path(line.split("full log: ")[1].rstrip(")"))
    assert log.is_file() and "Stack Trace" in log.read_text()
    assert _metered(emulator) == before


def test_a_spent_quota_ends_in_one_line_saying_so(tmp_path, monkeypatch):
    with EmulatorServer(EmulatorConfig(employees=5, days=7, monthly_quota=3)) as emulator:
        use_emulator(monkeypatch, emulator, tmp_path)
        result = _sync(emulator)
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "monthly metered-call quota" in line and "full log: " in line
