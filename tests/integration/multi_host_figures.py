"""What the multi-host test reads back: who called an API in which of the emulator's one-second
QPS windows (its call log), and where and when the runs' steps ran (the Dagster event log)."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class ApiFigures:
    """One API's calls as the emulator counted them, by caller."""

    by_caller: dict[str, int]
    windows: int  # one-second windows from the first call to the last
    peak: int  # the most calls in one window, all callers together
    at_limit: int  # windows whose calls reached the limit
    shared: int  # windows at the limit with calls from two callers or more

    def line(self, api: str, limit: float) -> str:
        callers = ", ".join(f"{name} {n}" for name, n in sorted(self.by_caller.items()))
        total = sum(self.by_caller.values())
        return (
            f"{api}: {total} calls in {self.windows} s ({total / max(self.windows, 1):.2f}/s, "
            f"limit {limit:g}/s; {callers}), at most {self.peak} in a second, "
            f"{self.at_limit} seconds at the limit, {self.shared} of them shared by two callers"
        )


def api_figures(
    log: list[tuple[int, str, str]], api: str, names: dict[str, str], limit: float
) -> ApiFigures:
    """`log` is the emulator's (window, client address, API) list; `names` names the addresses."""
    calls = [(window, names.get(client, client)) for window, client, called in log if called == api]
    per_window: dict[int, Counter[str]] = defaultdict(Counter)
    for window, caller in calls:
        per_window[window][caller] += 1
    full = [w for w, c in per_window.items() if c.total() >= limit]
    return ApiFigures(
        by_caller=dict(Counter(caller for _, caller in calls)),
        windows=(max(per_window) - min(per_window) + 1) if per_window else 0,
        peak=max((c.total() for c in per_window.values()), default=0),
        at_limit=len(full),
        shared=sum(len(per_window[w]) >= 2 for w in full),
    )


def caller_span(log: list[tuple[int, str, str]], client: str) -> tuple[int, int]:
    """The first and last window of `client`'s calls."""
    windows = [window for window, seen, _ in log if seen == client]
    return min(windows), max(windows)


@dataclass(frozen=True)
class StepRun:
    run_id: str
    step: str
    worker: str  # the Celery worker's name, "" if the step ran in the run's own process
    start: float
    end: float


def step_runs(instance: dg.DagsterInstance, run_ids: list[str]) -> list[StepRun]:
    """Every step of the runs that started and ended, with the Celery worker that ran it."""
    found: list[StepRun] = []
    for run_id in run_ids:
        starts: dict[str, float] = {}
        ends: dict[str, float] = {}
        workers: dict[str, str] = {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            ):
                ends[event.step_key] = record.timestamp
            elif event.event_type == dg.DagsterEventType.ENGINE_EVENT:
                metadata = event.engine_event_data.metadata or {}
                if "Celery worker" in metadata:
                    workers[event.step_key] = str(metadata["Celery worker"].value)
        for step, start in starts.items():
            if step in ends:
                found.append(StepRun(run_id, step, workers.get(step, ""), start, ends[step]))
    return found


def overlaps(steps: list[StepRun]) -> int:
    """How many steps started before the previous one (in start order) had ended."""
    ordered = sorted(steps, key=lambda s: s.start)
    return sum(later.start < earlier.end for earlier, later in itertools.pairwise(ordered))
