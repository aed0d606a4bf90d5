"""The budget governor: how many polls the month's remaining calls allow, and when to make them.

Polls are paid from what is left after the fixed pulls (daily close, leave status) and a reserve
for settlement and month close that is never spent on polls. They go where the punches are: a
day's polls sit where they give the least p95 staleness for the punch-time density inside work
hours (`placement`), which crowds them at shift starts and ends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pipelines.days import SHANGHAI
from pipelines.quota import placement

WORK_START, WORK_END = time(8), time(20)
WORK_MINUTES = 12 * 60
# Punch-time density by hour 08-19, measured on the emulator's org (bench/month.py); used until
# the warehouse has punches of its own.
DEFAULT_DENSITY = (0.30, 0.14, 0.02, 0.01, 0.02, 0.01, 0.01, 0.02, 0.03, 0.14, 0.20, 0.10)
# Fine enough to see a shift start's half hour of punches, coarse enough that four weeks of a
# 50-person org are not noise (bench/month.py: 5-minute bins overfit at 50 employees).
LEARNED_BIN_MINUTES = 15
MIN_LEARNED = 10_000  # fewer (four weeks of under about 250 people) overfit: bench/month.py
# Polls are placed to cover more than the 95 % the goal names: the weekend's punches (never
# polled) and week-to-week drift eat the margin; covering exactly 95 % of last month's punches
# gave a measured p95 1.3-2.5x the planned one (bench/month.py, 50 and 1,000 employees).
PLACEMENT_COVER = 0.96
# A learned density is sharp: the placement trusts it and leaves its sparse hours unpolled, so
# the punches it leaves out wait hours, not minutes. With the weekend's punches (about 2 % on the
# emulator's org, never polled) those uncovered 4 % put p95 in the long waits: 5,000
# professional measured p95 19.5 min against 12.5 planned at 0.96, 14.8 against 14.5 at 0.98
# (25 polls either way); 1,000 professional 13.3 at 0.96 (78 polls), 4.0 at 0.98 (89 polls).
LEARNED_PLACEMENT_COVER = 0.98


@dataclass(frozen=True)
class Budget:
    """The month's calls as the governor sees them."""

    remaining: int  # calls left this month (quota minus the ledger's month to date)
    reserve: int  # kept for settlement and month close, never polled away
    fixed_per_day: int  # daily close and leave status, paid every remaining day
    per_poll: int  # ceil(N/50) listRecord calls
    work_days_left: int

    def polls_per_day(self) -> int:
        """Polls a work day can afford from here to the month's end (0 when none)."""
        spendable = self.remaining - self.reserve - self.fixed_per_day * self.work_days_left
        if spendable <= 0 or self.work_days_left <= 0:
            return 0
        return spendable // (self.per_poll * self.work_days_left)


def density_from_punches(times: Sequence[time]) -> tuple[float, ...]:
    """The density of punch times inside work hours in LEARNED_BIN_MINUTES bins, from the
    warehouse's punches of recent weeks (DEFAULT_DENSITY with fewer than MIN_LEARNED)."""
    counts = [0] * (WORK_MINUTES // LEARNED_BIN_MINUTES)
    for moment in times:
        if WORK_START <= moment < WORK_END:
            minute = (moment.hour - WORK_START.hour) * 60 + moment.minute
            counts[minute // LEARNED_BIN_MINUTES] += 1
    total = sum(counts)
    if total < MIN_LEARNED:  # too few to beat the measured default
        return DEFAULT_DENSITY
    return tuple(count / total for count in counts)


def poll_minutes(polls: int, density: Sequence[float] = DEFAULT_DENSITY) -> list[float]:
    """Minutes after 08:00 of a day's polls: the placement with the least staleness at the
    `placement_cover` percentile for punches spread by `density` (`placement`): polls crowd where
    punches cluster."""
    if polls <= 0:
        return []
    weights = placement.minute_weights(density)
    return [float(m) for m in placement.optimal_polls(polls, weights, placement_cover(density))[1]]


def placement_cover(density: Sequence[float]) -> float:
    """The share of a day's punches the placement covers: more under a learned density."""
    return PLACEMENT_COVER if tuple(density) == DEFAULT_DENSITY else LEARNED_PLACEMENT_COVER


def poll_times(day: date, polls: int, density: Sequence[float] = DEFAULT_DENSITY) -> list[datetime]:
    """The day's poll moments (Asia/Shanghai)."""
    start = datetime.combine(day, WORK_START, tzinfo=SHANGHAI)
    return [start + timedelta(minutes=m) for m in poll_minutes(polls, density)]


def staleness_percentile(
    polls: int, density: Sequence[float] = DEFAULT_DENSITY, percentile: float = 0.95
) -> float:
    """Minutes from a work-hour punch to the poll (or, after the last poll, the daily close)
    that sees it, at `percentile` of punches spread by `density`, minute by minute."""
    if polls <= 0:
        return math.inf
    weights = placement.minute_weights(density)
    marks = [round(m) for m in poll_minutes(polls, density)]
    ranked = sorted(zip(placement.waits(marks), weights, strict=True))
    seen = 0.0
    for waiting, weight in ranked:
        seen += weight
        if seen >= percentile - 1e-9:
            return waiting
    return ranked[-1][0]
