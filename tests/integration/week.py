"""Driver of the property test over a week: the emulator's own timeline fed to the inbox (with
drops, duplicates, reorderings and connection gaps), the sensor and real runs, the nightly sweep
and the settlement, and a full backfill of the same days to compare with.

The pipeline judges settlement by its clock (`pipelines.days.pipeline_now`); here that clock is
the emulator's, as it is DingTalk's in production.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from pipelines import days as pipeline_days
from pipelines.definitions import CATALOGUE_ASSETS, defs
from pipelines.emulator.calendar import epoch_ms
from pipelines.emulator.model import ScheduledEvent
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.resources import resources_for_data_dir
from pipelines.stream import inbox as inbox_module
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI, NewEvent
from pipelines.warehouse.views import scratch_connection
from tests.dagster.conftest import materialize_range, resources_for
from tests.sensors.pipeline import EventPipeline

# A Tuesday to Monday week, the emulator's whole window: the nightly sweep of 11-10 (D-3..D-7)
# and the settlement (D-1, D-2) cover it exactly.
FIRST = date(2026, 11, 3)
DAYS = 7
LAST = FIRST + timedelta(days=DAYS - 1)
EVENTS_UNTIL = datetime(2026, 11, 9, 23, 59, 59, tzinfo=SHANGHAI)  # a gap ends inside the week
SWEEP_AT = datetime(2026, 11, 10, 3, 0, tzinfo=SHANGHAI)
SETTLEMENT_AT = datetime(2026, 11, 10, 6, 30, tzinfo=SHANGHAI)
UNPARTITIONED = CATALOGUE_ASSETS
# Columns that say when a row was pulled, not what DingTalk shows.
PULL_TIMES = {"pulled_at"}


def week_config(clock: datetime) -> EmulatorConfig:
    return EmulatorConfig(start=FIRST, days=DAYS, clock_start=clock)


@contextmanager
def pipeline_clock(monkeypatch: pytest.MonkeyPatch, server: EmulatorServer) -> Iterator[None]:
    """The pipeline's present (pulled_at, settled, the listener journal) is the emulator's."""
    assert server.state is not None
    state = server.state
    monkeypatch.setattr(pipeline_days, "pipeline_now", state.now)
    monkeypatch.setattr(inbox_module, "_now_ms", lambda: epoch_ms(state.now()))
    yield


@dataclass(frozen=True)
class Fate:
    """What happens to the events of one batch on their way to the inbox."""

    seed: int
    drop: float  # share of events lost (settlement and sweep must recover them)
    duplicate: float  # share delivered twice: the same eventId, or again from the failed-push list
    shuffle: bool  # delivered in another order than they were born
    gap: bool  # the listener was disconnected for the batch's second half


@dataclass
class WeekRun:
    """The event path of one drawn week, into its own data directory."""

    pipeline: EventPipeline
    connection: int = 0
    dropped: int = 0
    delivered: int = 0
    pumped_until: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=SHANGHAI))

    @classmethod
    def start(cls, pipeline: EventPipeline) -> WeekRun:
        assert pipeline.server.state is not None
        run = cls(pipeline, pumped_until=pipeline.server.state.now())
        run.connect()
        return run

    @property
    def server(self) -> EmulatorServer:
        return self.pipeline.server

    def connect(self) -> None:
        """A listener connects (staleness is not judged: the clock jumps hours at a time)."""
        with Inbox.in_data_dir(self.pipeline.data_dir) as inbox:
            connection = inbox.record_connection("week", 1, gap_threshold_s=60, stale_after_s=1e9)
        self.connection = connection.id

    def deliver_until(self, moment: datetime, fate: Fate) -> None:
        """Move the clock to `moment`, feed what became due (as `fate` says), run what it asks."""
        assert self.server.state is not None
        due = self.server.state.org.events_between(self.pumped_until, moment)
        self.pumped_until = moment
        draw = random.Random(fate.seed)
        lost: list[ScheduledEvent] = []
        if fate.gap and len(due) > 1:
            due, lost = due[: len(due) // 2], due[len(due) // 2 :]
            self._disconnected_for(lost)
        self.pipeline.advance_to(_local(moment))
        if lost:
            self.connect()  # the journal records the gap since the disconnection
        self._feed(due, fate, draw)
        self.pipeline.settle(max_ticks=20)

    def _disconnected_for(self, lost: list[ScheduledEvent]) -> None:
        """Events born while no listener was connected are lost (not even in the failed list)."""
        self.pipeline.advance_to(_local(lost[0].at))
        with Inbox.in_data_dir(self.pipeline.data_dir) as inbox:
            inbox.record_disconnection(self.connection, "test: disconnected")
        self.dropped += len(lost)

    def _feed(self, due: list[ScheduledEvent], fate: Fate, draw: random.Random) -> None:
        events: list[NewEvent] = []
        for event in due:
            if draw.random() < fate.drop:
                self.dropped += 1
                continue
            events.append(self._stream_event(event))
            if draw.random() < fate.duplicate:
                events.append(self._copy(event, draw.random() < 0.5))
        if fate.shuffle:
            draw.shuffle(events)
        self.delivered += len(events)
        with Inbox.in_data_dir(self.pipeline.data_dir) as inbox:
            inbox.add(events)

    def _stream_event(self, event: ScheduledEvent) -> NewEvent:
        assert self.server.state is not None
        event_id = self.server.state.event_id(event)
        return NewEvent(event_id, event.event_type, event.at, dict(event.data))

    def _copy(self, event: ScheduledEvent, from_failed_list: bool) -> NewEvent:
        first = self._stream_event(event)
        if not from_failed_list:
            return first  # the inbox stores an eventId once
        event_id = f"failed_push:{first.event_id}"
        return NewEvent(event_id, first.event_type, first.born_at, first.payload, "failed_push")

    def run_schedule(self, name: str, at: datetime) -> None:
        """Evaluate a schedule at `at` (emulator time) and execute what it launches."""
        self.pipeline.advance_to(_local(at))
        self.pumped_until = max(self.pumped_until, at)
        schedule = defs.resolve_schedule_def(name)
        context = dg.build_schedule_context(
            instance=self.pipeline.instance,
            scheduled_execution_time=at,
            resources=resources_for_data_dir(self.pipeline.data_dir),
        )
        for run in schedule.evaluate_tick(context).run_requests or []:
            self.pipeline.execute(run)


def _local(moment: datetime) -> str:
    """The emulator clock's input: local time without an offset."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")


def backfill(server: EmulatorServer, data_dir: Path) -> None:
    """Every table of FIRST..LAST from one full range run, as `sync` loads them."""
    resources = resources_for(server, data_dir)
    dg.materialize(UNPARTITIONED, resources=resources)
    assert materialize_range(resources, FIRST, LAST).success


def table_rows(data_dir: Path, table: str, key: tuple[str, ...]) -> dict[tuple, dict]:
    """The rows of one warehouse table, without pull times, keyed by `key`."""
    cursor = scratch_connection(data_dir).execute(f"SELECT * FROM {table}")  # noqa: S608
    names = [column[0] for column in cursor.description]
    rows = {}
    for values in cursor.fetchall():
        row = {n: v for n, v in zip(names, values, strict=True) if n not in PULL_TIMES}
        rows[tuple(str(row[k]) for k in key)] = row
    return rows
