"""The inbox behaves the same on SQLite and PostgreSQL: the SQLite inbox's own tests, unchanged,
run on both backends, and concurrent writers on PostgreSQL never let a cursor skip an event."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from pipelines.stream.models import SHANGHAI, NewEvent
from tests.stream.test_inbox import (  # noqa: F401 - collected here, on both backends
    BORN,
    event,
    test_a_short_disconnection_records_no_gap,
    test_add_stores_each_event_id_once_and_counts_duplicates,
    test_events_born_at_finds_events_by_type_born_time_and_source,
    test_mark_consumed_moves_the_cursor_forward_only_and_drives_pending,
    test_no_gap_while_a_listener_stays_connected,
    test_quarantine_keeps_raw_and_reason_once_per_distinct_input,
    test_read_after_pages_in_seq_order,
    test_stats_reports_last_event_time,
    test_stored_events_round_trip_every_field,
)


def test_listener_coverage_counts_open_connections_and_the_last_disconnection(inbox):
    assert inbox.listener_coverage().open_connections == 0
    assert inbox.listener_coverage().last_disconnected_at is None
    first = inbox.record_connection("a", 1, gap_threshold_s=60)
    inbox.record_connection("b", 2, gap_threshold_s=60)
    assert inbox.listener_coverage().open_connections == 2
    before = datetime.now(tz=SHANGHAI) - timedelta(seconds=5)
    inbox.record_disconnection(first.id, "network")
    coverage = inbox.listener_coverage()
    assert coverage.open_connections == 1
    assert coverage.last_disconnected_at is not None and coverage.last_disconnected_at > before


def test_a_failed_batch_leaves_nothing_behind(inbox):
    bad = NewEvent(event_id="bad", event_type="t", born_at=BORN, payload={}, source="nope")  # type: ignore[arg-type]
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):
        inbox.add([event("ok"), bad])
    assert inbox.read_after(0) == []
    assert inbox.add([event("ok")]).inserted == 1


def _age(url: str, column: str, minutes: int) -> int:
    past = int((datetime.now(tz=SHANGHAI) - timedelta(minutes=minutes)).timestamp() * 1000)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(
            sql.SQL("UPDATE connections SET {} = %s").format(sql.Identifier(column)), (past,)
        )
    return past


def test_a_long_disconnection_records_one_gap_on_postgres(postgres_url, postgres_state):
    inbox = postgres_state.inbox()
    connection = inbox.record_connection("a", 1, gap_threshold_s=60)
    inbox.record_disconnection(connection.id, "network")
    _age(postgres_url, "disconnected_at_ms", 5)
    again = inbox.record_connection("a", 1, gap_threshold_s=60)
    assert again.gap is not None
    assert 299 <= (again.gap.end - again.gap.start).total_seconds() <= 330
    assert inbox.gaps_after(0) == [again.gap] and inbox.gaps_after(again.gap.id) == []
    assert inbox.stats().gaps == (again.gap,)


def test_a_dead_listener_is_closed_at_its_last_heartbeat_on_postgres(postgres_url, postgres_state):
    inbox = postgres_state.inbox()
    inbox.record_connection("killed", 1, gap_threshold_s=60)
    past = _age(postgres_url, "last_seen_ms", 10)
    restarted = inbox.record_connection("killed", 2, gap_threshold_s=60, stale_after_s=30)
    assert restarted.gap is not None and restarted.gap.start.timestamp() * 1000 == past
    assert inbox.stats().open_connections == 1


def test_concurrent_writers_never_let_a_cursor_skip_an_event(postgres_url, postgres_state):
    """A consumer draining while four threads insert sees every event exactly once."""
    writers, batches, size = 4, 25, 8
    seen: list[str] = []
    done = threading.Event()

    def write(prefix: str) -> None:
        inbox = postgres_state.inbox()
        for batch in range(batches):
            inbox.add([event(f"{prefix}-{batch}-{i}") for i in range(size)] + [event("dup")])

    def consume() -> None:
        inbox, cursor = postgres_state.inbox(), 0
        while True:
            finished = done.is_set()  # read before draining: the last drain sees everything
            for stored in inbox.read_after(cursor, limit=50):
                seen.append(stored.event_id)
                cursor = stored.seq
            inbox.mark_consumed(cursor)
            if finished and not inbox.read_after(cursor):
                return

    threads = [threading.Thread(target=write, args=(f"w{n}",)) for n in range(writers)]
    consumer = threading.Thread(target=consume)
    consumer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    consumer.join(timeout=120)
    assert len(seen) == len(set(seen)) == writers * batches * size + 1
    stats = postgres_state.inbox().stats()
    assert stats.duplicates == writers * batches - 1 and stats.pending == 0
