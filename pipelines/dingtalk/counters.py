"""In-process call counters, so that a caller can tell what a block of work spent.

The ledger is the durable, cross-process record; these counters answer "how many metered calls
did this asset run spend, per endpoint" for one client without reading the ledger back.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field

# The same outcomes as `pipelines.dingtalk.ledger._UNBILLED`: not billed by DingTalk.
UNBILLED_OUTCOMES = frozenset({"throttled", "unreachable", "retried"})
_Key = tuple[str, bool, str]  # (endpoint, metered, outcome)


@dataclass(frozen=True)
class CallMark:
    """A snapshot of the counters; pass it to `CallCounter.since`."""

    counts: Counter[_Key] = field(default_factory=Counter[_Key])


@dataclass
class CallTally:
    """What a block spent: billed metered calls per endpoint, and every call per outcome."""

    metered: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[tuple[str, str], int] = field(default_factory=dict)

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
        """Count one call."""
        with self._lock:
            self._counts[(endpoint, metered, outcome)] += 1

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
        for (endpoint, is_metered, outcome), count in delta.items():
            by_outcome[(endpoint, outcome)] += count
            if is_metered and outcome not in UNBILLED_OUTCOMES:
                metered[endpoint] += count
        return CallTally(dict(sorted(metered.items())), dict(sorted(by_outcome.items())))

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
