"""In-process call counters, so that a caller can tell what a block of work spent.

The ledger is the durable, cross-process record; these counters answer "how many metered calls
did this asset run spend, per endpoint, and for which work dates" for one client without reading
the ledger back. The dates come from `covering`: the endpoint methods wrap each window's calls
in it, so that a range run can tell each daily partition what its days cost.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta

# The same outcomes as `pipelines.dingtalk.ledger._UNBILLED`: not billed by DingTalk.
UNBILLED_OUTCOMES = frozenset({"throttled", "unreachable", "retried"})
DaySpan = tuple[date, date]  # inclusive work dates a call asked about
_Key = tuple[str, bool, str, DaySpan | None]  # (endpoint, metered, outcome, days covered)
# A context variable, not an argument: it is set where the window is known (the endpoint
# methods) and read where the call is counted, and each thread of a pull has its own value.
_COVERING: ContextVar[DaySpan | None] = ContextVar("dingtalk_calls_covering", default=None)


@contextmanager
def covering(first: date, last: date) -> Generator[None, None, None]:
    """Calls counted inside the block asked about the work dates first..last."""
    token = _COVERING.set((first, last))
    try:
        yield
    finally:
        _COVERING.reset(token)


@dataclass(frozen=True)
class CallMark:
    """A snapshot of the counters; pass it to `CallCounter.since`."""

    counts: Counter[_Key] = field(default_factory=Counter[_Key])


@dataclass
class CallTally:
    """What a block spent: billed metered calls per endpoint, and every call per outcome."""

    metered: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[tuple[str, str], int] = field(default_factory=dict)
    # Billed metered calls by the work dates they covered (None: the call named no dates).
    metered_by_days: dict[DaySpan | None, int] = field(default_factory=dict)

    @property
    def metered_total(self) -> int:
        """Billed metered calls in the block, all endpoints together."""
        return sum(self.metered.values())


class CallCounter:
    """Thread-safe counts per (endpoint, metered, outcome) for one client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[_Key] = Counter()

    def add(self, endpoint: str, metered: bool, outcome: str) -> None:
        """Count one call (with the days of the enclosing `covering` block, if any)."""
        with self._lock:
            self._counts[(endpoint, metered, outcome, _COVERING.get())] += 1

    def mark(self) -> CallMark:
        """Snapshot the counters now."""
        with self._lock:
            return CallMark(Counter(self._counts))

    def since(self, mark: CallMark) -> CallTally:
        """The calls counted after `mark` was taken."""
        with self._lock:
            delta = self._counts - mark.counts
        metered: Counter[str] = Counter()
        by_outcome: Counter[tuple[str, str]] = Counter()
        by_days: Counter[DaySpan | None] = Counter()
        for (endpoint, is_metered, outcome, days), count in delta.items():
            by_outcome[(endpoint, outcome)] += count
            if is_metered and outcome not in UNBILLED_OUTCOMES:
                metered[endpoint] += count
                by_days[days] += count
        return CallTally(
            dict(sorted(metered.items())), dict(sorted(by_outcome.items())), dict(by_days)
        )

    @contextmanager
    def track(self) -> Generator[CallTally, None, None]:
        """Yield a CallTally that holds the block's calls once the block exits."""
        mark = self.mark()
        tally = CallTally()
        try:
            yield tally
        finally:
            spent = self.since(mark)
            tally.metered, tally.by_outcome = spent.metered, spent.by_outcome
            tally.metered_by_days = spent.metered_by_days


def calls_per_day(by_days: Mapping[DaySpan | None, int], days: Sequence[date]) -> dict[date, float]:
    """The calls of a run attributed to its `days`; the shares add up to the calls.

    Each call is split evenly over the run's days it covered (a 7-day `attendance/list` call
    gives each of its days 1/7; a `getupdatedata` of one day gives that day 1). A call that
    named no dates, or only dates outside the run, is split evenly over all the run's days.
    """
    shares = dict.fromkeys(days, 0.0)
    for span, calls in by_days.items():
        covered = [day for day in _days_of(span) if day in shares] or list(days)
        for day in covered:
            shares[day] += calls / len(covered)
    return shares


def _days_of(span: DaySpan | None) -> list[date]:
    if span is None:
        return []
    first, last = span
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
