"""The SQLite inbox stores each event id once, counts duplicates, quarantines and journals."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from pipelines.stream.inbox import Inbox, _dumps
from pipelines.stream.models import SHANGHAI, NewEvent

BORN = datetime(2026, 11, 27, 9, 1, tzinfo=SHANGHAI)


def event(event_id: str, event_type: str = "attendance_check_record", **payload) -> NewEvent:
    return NewEvent(
        event_id=event_id,
        event_type=event_type,
        born_at=BORN,
        payload=payload or {"dataList": [{"userId": "u1", "checkTime": 1}]},
        corp_id="dingcorp",
        message_id=f"m-{event_id}",
        headers={"eventId": event_id},
    )


@pytest.fixture
def inbox(tmp_path):
    with Inbox.in_data_dir(tmp_path / "data") as opened:
        yield opened


def test_the_inbox_is_a_wal_database_in_the_data_dir(inbox, tmp_path):
    assert inbox.path == tmp_path / "data" / "inbox.sqlite"
    mode = sqlite3.connect(inbox.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_add_stores_each_event_id_once_and_counts_duplicates(inbox):
    first = inbox.add([event("a"), event("b")])
    again = inbox.add([event("b"), event("c"), event("c")])
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (again.inserted, again.duplicates, again.duplicate_ids) == (1, 2, ("b", "c"))
    stored = inbox.read_after(0)
    assert [e.event_id for e in stored] == ["a", "b", "c"]
    assert inbox.stats().duplicates == 2
    assert inbox.stats().received == 3


def test_stored_events_round_trip_every_field(inbox):
    inbox.add([event("x", "attend_user_daily_summary_refresh", workDate="2026-11-27", userId="u")])
    (stored,) = inbox.read_after(0)
    assert stored.seq >= 1
    assert stored.event_type == "attend_user_daily_summary_refresh"
    assert stored.born_at == BORN and stored.born_at.tzinfo is not None
    assert stored.payload == {"workDate": "2026-11-27", "userId": "u"}
    assert (stored.source, stored.corp_id, stored.message_id) == ("stream", "dingcorp", "m-x")
    assert stored.headers == {"eventId": "x"}
    assert stored.received_at.tzinfo is not None


def test_read_after_pages_in_seq_order(inbox):
    inbox.add([event(f"e{i}") for i in range(10)])
    page = inbox.read_after(0, limit=4)
    rest = inbox.read_after(page[-1].seq, limit=100)
    seqs = [e.seq for e in page + rest]
    assert seqs == sorted(seqs) and len(set(seqs)) == 10


def test_mark_consumed_moves_the_cursor_forward_only_and_drives_pending(inbox):
    inbox.add([event(f"e{i}") for i in range(5)])
    seqs = [e.seq for e in inbox.read_after(0)]
    inbox.mark_consumed(seqs[2])
    inbox.mark_consumed(seqs[0])
    assert inbox.consumed_seq() == seqs[2]
    assert inbox.stats().pending == 2
    assert inbox.stats(consumer="other").pending == 5


def test_failed_writes_leave_nothing_behind(inbox):
    bad = NewEvent(event_id="bad", event_type="t", born_at=BORN, payload={}, source="nope")
    with pytest.raises(sqlite3.IntegrityError):
        inbox.add([event("ok"), bad])
    assert inbox.read_after(0) == []


def test_quarantine_keeps_raw_and_reason_once_per_distinct_input(inbox):
    assert inbox.quarantine("not json", "frame is not JSON") is True
    assert inbox.quarantine("not json", "frame is not JSON") is False
    assert inbox.quarantine("\ud800 lone surrogate", "bad text") is True
    rows = inbox.quarantined()
    assert rows[1]["raw"] == "not json" and rows[1]["count"] == 2
    assert rows[1]["reason"] == "frame is not JSON"
    assert inbox.stats().quarantined == 2


def test_no_gap_while_a_listener_stays_connected(inbox):
    first = inbox.record_connection("a", 1, gap_threshold_s=0)
    second = inbox.record_connection("b", 2, gap_threshold_s=0)
    inbox.record_disconnection(first.id, "server disconnect")
    third = inbox.record_connection("a", 1, gap_threshold_s=0)
    assert (first.gap, second.gap, third.gap) == (None, None, None)
    assert inbox.stats().open_connections == 2


def test_a_long_disconnection_records_a_gap(inbox):
    connection = inbox.record_connection("a", 1, gap_threshold_s=60)
    inbox.record_disconnection(connection.id, "network")
    past = int((datetime.now(tz=SHANGHAI) - timedelta(minutes=5)).timestamp() * 1000)
    with sqlite3.connect(inbox.path) as db:
        db.execute("UPDATE connections SET disconnected_at_ms = ?", (past,))
    again = inbox.record_connection("a", 1, gap_threshold_s=60)
    assert again.gap is not None
    assert 299 <= (again.gap.end - again.gap.start).total_seconds() <= 330
    assert inbox.gaps_after(0) == [again.gap]
    assert inbox.gaps_after(again.gap.id) == []
    assert inbox.stats().gaps == (again.gap,)


def test_a_short_disconnection_records_no_gap(inbox):
    connection = inbox.record_connection("a", 1, gap_threshold_s=60)
    inbox.record_disconnection(connection.id, "network")
    assert inbox.record_connection("a", 1, gap_threshold_s=60).gap is None


def test_a_dead_process_is_closed_at_its_last_heartbeat(inbox):
    inbox.record_connection("killed", 1, gap_threshold_s=60)
    past = int((datetime.now(tz=SHANGHAI) - timedelta(minutes=10)).timestamp() * 1000)
    with sqlite3.connect(inbox.path) as db:
        db.execute("UPDATE connections SET last_seen_ms = ?", (past,))
    restarted = inbox.record_connection("killed", 2, gap_threshold_s=60, stale_after_s=30)
    assert restarted.gap is not None and restarted.gap.start.timestamp() * 1000 == past
    assert inbox.stats().open_connections == 1


def test_stats_reports_last_event_time(inbox):
    assert inbox.stats().last_event_at is None
    inbox.add([event("a")])
    assert inbox.stats().last_event_at == BORN
    assert inbox.stats().to_dict()["last_event_at"] == BORN.isoformat()


def test_invalid_synchronous_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        Inbox(tmp_path / "x.sqlite", synchronous="SOMETIMES")


def _write_many(path: str, prefix: str, count: int) -> None:
    with Inbox(path, busy_timeout_ms=20_000) as inbox:
        for start in range(0, count, 10):
            inbox.add([event(f"{prefix}{i % 150}") for i in range(start, start + 10)])


def test_several_processes_write_one_inbox_safely(tmp_path):
    path = str(tmp_path / "inbox.sqlite")
    Inbox(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(path, "shared-", 300)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert all(worker.exitcode == 0 for worker in workers)
    with Inbox(path) as inbox:
        stats = inbox.stats()
    assert stats.received == 150
    assert stats.duplicates == 3 * 300 - 150


@pytest.mark.parametrize(
    "value",
    [
        {"userId": "张三", "n": [1, 2.5, None, True, False], "nested": {"a": {}}},
        {"workDate": date(2026, 11, 27)},  # unknown types become str, as before
        {"nan": float("nan"), "big": 2**70},
        ['x\n"y"', "\u2028"],
        "text",
        None,
    ],
)
def test_prebuilt_encoder_writes_what_json_dumps_wrote(value):
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    assert _dumps(value) == expected


def test_events_born_at_finds_events_by_type_born_time_and_source(inbox):
    later = BORN + timedelta(milliseconds=1)
    inbox.add(
        [
            event("a"),
            event("b", "bpms_instance_change", processInstanceId="p1"),
            NewEvent("c", "attendance_check_record", later, {"dataList": []}),
            NewEvent("d", "attendance_check_record", BORN, {"x": 1}, source="failed_push"),
        ]
    )
    found = inbox.events_born_at("attendance_check_record", BORN)
    assert [e.event_id for e in found] == ["a", "d"]
    streamed = inbox.events_born_at("attendance_check_record", BORN, source="stream")
    assert [(e.event_id, e.payload) for e in streamed] == [("a", found[0].payload)]
    assert inbox.events_born_at("attendance_check_record", BORN - timedelta(seconds=1)) == []


def test_listener_coverage_counts_open_connections_and_the_last_disconnection(inbox):
    assert (
        inbox.listener_coverage().open_connections,
        inbox.listener_coverage().last_disconnected_at,
    ) == (0, None)
    first = inbox.record_connection("a", 1, gap_threshold_s=60)
    inbox.record_connection("b", 2, gap_threshold_s=60)
    assert inbox.listener_coverage().open_connections == 2
    inbox.record_disconnection(first.id, "network")
    coverage = inbox.listener_coverage()
    assert coverage.open_connections == 1
    ended = (
        sqlite3.connect(inbox.path)
        .execute("SELECT disconnected_at_ms FROM connections WHERE id = ?", (first.id,))
        .fetchone()[0]
    )
    assert coverage.last_disconnected_at is not None
    assert round(coverage.last_disconnected_at.timestamp() * 1000) == ended
