"""`state migrate --to URL` copies the SQLite state into PostgreSQL with every id kept, so
cursors stay valid and new rows continue after the copied ones; a non-empty target is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from datetime import date, datetime

import pytest

from pipelines.days import SHANGHAI
from pipelines.refresh.requests import RefreshRequest
from pipelines.state.factory import StateLocation, close_databases
from tests.services import postgres_database
from tests.stream.test_inbox import event


def fill_sqlite_state(state: StateLocation) -> None:
    inbox = state.inbox()
    inbox.add([event("a"), event("b"), event("b")])
    inbox.quarantine("not json", "frame is not JSON")
    connection = inbox.record_connection("host-1", 11, gap_threshold_s=60)
    inbox.record_disconnection(connection.id, "network")
    inbox.mark_consumed(inbox.read_after(0)[0].seq, consumer="sensor")
    inbox.close()
    with state.refresh_requests() as queue:
        queue.add([RefreshRequest(date(2026, 11, 2), frozenset({"u1"}), "approval p1")])
    with state.failed_push_pages() as pages:
        done = pages.save({"errcode": 0, "failed_list": [], "note": "张三"})
        pages.mark_processed(done)
        pages.save({"errcode": 0, "failed_list": [], "has_more": False})
    with state.ledger() as ledger:
        ledger.record("/attendance/list", True, "ok", datetime(2026, 11, 3, tzinfo=SHANGHAI))
        ledger.record("/gettoken", False, "ok", datetime(2026, 11, 3, tzinfo=SHANGHAI))


def run_migrate(data_dir, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ATTENDANCE_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "pipelines", "state", "migrate", "--to", url, *extra]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


@pytest.mark.integration
def test_the_sqlite_state_lands_in_postgres_with_its_ids(tmp_path, postgres_url):
    sqlite_state = StateLocation(tmp_path / "data")
    fill_sqlite_state(sqlite_state)
    result = run_migrate(tmp_path / "data", postgres_url)
    assert result.returncode == 0, result.stderr
    assert "events                      2 rows" in result.stdout

    target = StateLocation(tmp_path / "data", postgres_url)
    before, after = sqlite_state.inbox(), target.inbox()
    assert after.read_after(0) == before.read_after(0)
    expected = before.stats(consumer="sensor")
    assert after.stats(consumer="sensor").to_dict() == expected.to_dict()
    assert after.quarantined() == before.quarantined()
    assert after.add([event("c")]).inserted == 1
    assert after.read_after(0)[-1].seq == before.read_after(0)[-1].seq + 1
    with sqlite_state.refresh_requests() as old, target.refresh_requests() as new:
        assert new.read_after(0) == old.read_after(0)
    with sqlite_state.failed_push_pages() as old, target.failed_push_pages() as new:
        assert new.unprocessed() == old.unprocessed() and len(new.unprocessed()) == 1
        assert new.last_fetch_ms() == old.last_fetch_ms()
    november = (date(2026, 11, 1), date(2026, 11, 30))
    with sqlite_state.ledger() as old, target.ledger() as new:
        assert new.outcomes(*november) == old.outcomes(*november)
        assert new.month_to_date(datetime(2026, 11, 30, tzinfo=SHANGHAI)) == {"/attendance/list": 1}


@pytest.mark.integration
def test_a_target_with_state_is_refused_and_left_as_it_was(tmp_path, postgres_url):
    fill_sqlite_state(StateLocation(tmp_path / "data"))
    with StateLocation(tmp_path, postgres_url).refresh_requests() as queue:
        queue.add([RefreshRequest(date(2026, 11, 9), None, "already here")])
    result = run_migrate(tmp_path / "data", postgres_url)
    assert result.returncode == 1
    assert result.stderr.startswith("nothing copied to") and "refresh_requests" in result.stderr
    assert StateLocation(tmp_path, postgres_url).inbox().read_after(0) == []


@pytest.mark.integration
def test_the_push_ledger_is_copied_and_a_second_run_changes_nothing(tmp_path):
    sqlite_state = StateLocation(tmp_path / "data")
    fill_sqlite_state(sqlite_state)
    evening = datetime(2026, 11, 3, 18, 5, tzinfo=SHANGHAI)
    with closing(sqlite_state.push_ledger()) as ledger:
        for kind in ("attendance_check_record", "attendance_check_record", "user_leave_org"):
            ledger.record(kind, evening)
        ledger.set_starved(evening)
    with postgres_database() as url:  # a database of its own, created and dropped here
        first, second = run_migrate(tmp_path / "data", url), run_migrate(tmp_path / "data", url)

        assert first.returncode == 0, first.stderr
        assert "pushes                      2 rows" in first.stdout
        assert second.returncode == 1 and second.stderr.startswith("nothing copied to")
        end_of_month = datetime(2026, 11, 30, tzinfo=SHANGHAI)
        target = StateLocation(tmp_path / "data", url)
        with closing(sqlite_state.push_ledger()) as old, closing(target.push_ledger()) as new:
            assert new.month_to_date(end_of_month) == old.month_to_date(end_of_month)
            assert new.month_to_date(end_of_month)  # billed pushes made it across
            assert new.last_push_at() == old.last_push_at() == evening.replace(microsecond=0)
            assert new.starved_since() == old.starved_since() == evening
        close_databases()  # the pooled connections must go before the database is dropped


@pytest.mark.integration
def test_json_lists_the_rows_copied_per_table(tmp_path, postgres_url):
    fill_sqlite_state(StateLocation(tmp_path / "data"))
    result = run_migrate(tmp_path / "data", postgres_url, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["copied"]["events"] == 2 and summary["copied"]["refresh_requests"] == 1
    assert summary["source"] == str(tmp_path / "data") and summary["target"].startswith(
        "postgresql"
    )
