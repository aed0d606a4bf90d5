"""The budget governor: how many polls the month's remaining calls allow, and when to make them.

Polls are paid from what is left after the fixed pulls (daily close, leave status) and a reserve
for settlement and month close that is never spent on polls. They go where the punches are: the
k-th poll of a day sits at the k/n quantile of the punch-time distribution inside work hours;
polls crowd the morning and evening peaks (spacing follows the square root of the density).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pipelines.days import SHANGHAI

WORK_START, WORK_END = time(8), time(20)
WORK_MINUTES = 12 * 60
# Punch-time density by hour 08-19, measured on the emulator's org (bench/month.py); used until
# the warehouse has punches of its own.
DEFAULT_DENSITY = (0.30, 0.14, 0.02, 0.01, 0.02, 0.01, 0.01, 0.02, 0.03, 0.14, 0.20, 0.10)


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
    """The hourly density of punch times inside work hours (DEFAULT_DENSITY without data)."""
    counts = [0] * 12
    for moment in times:
        if WORK_START <= moment < WORK_END:
            counts[moment.hour - WORK_START.hour] += 1
    total = sum(counts)
    if total < 50:  # too few to beat the measured default
        return DEFAULT_DENSITY
    return tuple(count / total for count in counts)


def _cdf_minute(density: Sequence[float], share: float) -> float:
    """The minute after 08:00 where `share` of the day's work-hour punches have happened."""
    total, done = sum(density), 0.0
    for hour, weight in enumerate(density):
        part = weight / total
        if done + part >= share and part > 0:
            return 60 * (hour + (share - done) / part)
        done += part
    return float(WORK_MINUTES)


def poll_minutes(polls: int, density: Sequence[float] = DEFAULT_DENSITY) -> list[float]:
    """Minutes after 08:00 of a day's polls: the k/n quantiles of the square root of the
    density (the spacing that minimises the mean wait: dense where punches cluster, never
    leaving a quiet hour unpolled), the last one at 20:00."""
    if polls <= 0:
        return []
    spread = [math.sqrt(weight) for weight in density]
    return [_cdf_minute(spread, k / polls) for k in range(1, polls + 1)]


def poll_times(day: date, polls: int, density: Sequence[float] = DEFAULT_DENSITY) -> list[datetime]:
    """The day's poll moments (Asia/Shanghai)."""
    start = datetime.combine(day, WORK_START, tzinfo=SHANGHAI)
    return [start + timedelta(minutes=m) for m in poll_minutes(polls, density)]


def staleness_percentile(
    polls: int, density: Sequence[float] = DEFAULT_DENSITY, percentile: float = 0.95
) -> float:
    """Minutes from a work-hour punch to the poll that sees it, at `percentile` of punches,
    for punches spread by `density` within each hour (numerically, minute by minute)."""
    if polls <= 0:
        return math.inf
    marks = poll_minutes(polls, density)
    weights: list[tuple[float, float]] = []
    for minute in range(WORK_MINUTES):
        waiting = next((m for m in marks if m >= minute + 0.5), marks[-1]) - (minute + 0.5)
        weights.append((max(waiting, 0.0), density[minute // 60] / 60))
    weights.sort()
    total, seen = sum(w for _, w in weights), 0.0
    for waiting, weight in weights:
        seen += weight
        if seen >= percentile * total:
            return waiting
    return weights[-1][0]
