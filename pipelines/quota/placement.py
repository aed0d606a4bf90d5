"""Where a day's polls go so that the 95th percentile of punch staleness is smallest.

A poll at minute p sees every punch made before it; a punch's staleness is the time to the
next poll, or to the next daily close when no poll follows it. So a p95 of at most T minutes
needs polls whose windows [p - T, p) hold 95 % of the day's punches: a covering problem. For a
window T, `_best_cover` finds the n windows holding the most punch weight exactly (dynamic
programming over a minute grid: the optimum never needs overlapping windows); the smallest T
whose best cover reaches the percentile is the optimal p95, found by bisection since cover
grows with T. Punch weight comes from the density (learned from the warehouse's own punches
of recent weeks, see `governor.density_from_punches`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

GRID = 12 * 60  # minutes of work time, 08:00-20:00
CLOSE_AFTER_WORK = 8 * 60 + 30  # the daily close at 04:30 ends the wait of unpolled punches


def minute_weights(density: Sequence[float]) -> tuple[float, ...]:
    """The density (equal bins over work hours) spread over the minute grid, summing to 1."""
    if not density or GRID % len(density) or sum(density) <= 0:
        raise ValueError(f"a density needs a positive weight in bins dividing {GRID} minutes")
    width, total = GRID // len(density), sum(density)
    return tuple(density[minute // width] / (total * width) for minute in range(GRID))


def _best_cover(prefix: Sequence[float], polls: int, window: int) -> tuple[float, list[int]]:
    """(weight covered, poll minutes) of the best `polls` windows of `window` minutes.

    best[j] is the most weight k windows can cover among minutes < j with every poll <= j;
    a poll at j either is not there (best[j - 1]) or covers [j - window, j) after k - 1
    windows ending by j - window.
    """
    best = [0.0] * (GRID + 1)
    chosen: list[list[bool]] = []
    for _ in range(polls):
        row, took = [0.0] * (GRID + 1), [False] * (GRID + 1)
        for j in range(1, GRID + 1):
            start = max(j - window, 0)
            with_poll = best[start] + prefix[j] - prefix[start]
            row[j], took[j] = (with_poll, True) if with_poll > row[j - 1] else (row[j - 1], False)
        best = row
        chosen.append(took)
    marks: list[int] = []
    j = GRID
    for took in reversed(chosen):
        while j > 0 and not took[j]:
            j -= 1
        if j == 0:
            break
        marks.append(j)
        j = max(j - window, 0)
    return best[GRID], sorted(marks)


@lru_cache(maxsize=64)
def optimal_polls(
    polls: int, weights: tuple[float, ...], percentile: float = 0.95
) -> tuple[int, list[int]]:
    """(the least p95 in whole minutes, the poll minutes after 08:00 achieving it)."""
    prefix = [0.0]
    for weight in weights:
        prefix.append(prefix[-1] + weight)
    wanted = percentile * prefix[-1] - 1e-9
    low, high = 1, GRID  # one poll at 20:00 covers the whole day
    while low < high:
        middle = (low + high) // 2
        if _best_cover(prefix, polls, middle)[0] >= wanted:
            high = middle
        else:
            low = middle + 1
    return low, _fill(_best_cover(prefix, polls, low)[1], polls)


def _fill(marks: list[int], polls: int) -> list[int]:
    """Polls the cover left unused split the longest gaps (fresher tails, same p95)."""
    marks = sorted(set(marks))
    while len(marks) < min(polls, GRID):
        edges = [0, *marks]
        gaps = [(edges[i + 1] - edges[i], i) for i in range(len(marks))]
        tail = GRID - marks[-1] if marks else GRID
        if not marks or tail >= max(gaps)[0]:
            marks.append(GRID)
        else:
            _, i = max(gaps)
            marks.append((edges[i] + edges[i + 1]) // 2)
        marks = sorted(set(marks))
    return marks


def waits(marks: Sequence[int]) -> list[float]:
    """Minutes from a punch in the middle of each grid minute to the poll or close seeing it."""
    found: list[float] = []
    following = iter(sorted(marks))
    upcoming = next(following, None)
    for minute in range(GRID):
        while upcoming is not None and upcoming < minute + 1:
            upcoming = next(following, None)
        seen_at = upcoming if upcoming is not None else GRID + CLOSE_AFTER_WORK
        found.append(seen_at - (minute + 0.5))
    return found
