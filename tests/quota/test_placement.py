"""Poll placement: the least p95 staleness for the punch density, checked against brute force."""

from __future__ import annotations

import itertools
from datetime import time

from pipelines.quota import governor, placement


def p95(marks: list[int], weights: tuple[float, ...]) -> float:
    ranked = sorted(zip(placement.waits(marks), weights, strict=True))
    seen = 0.0
    for waiting, weight in ranked:
        seen += weight
        if seen >= 0.95 - 1e-9:
            return waiting
    return ranked[-1][0]


def test_no_placement_on_a_coarse_grid_beats_the_optimum():
    # Two shift peaks and a quiet middle, hourly.
    density = (0.25, 0.2, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.06, 0.3, 0.1)
    weights = placement.minute_weights(density)
    for polls in (2, 3):
        bound, marks = placement.optimal_polls(polls, weights)
        assert len(marks) == polls and p95(marks, weights) <= bound
        grid = range(20, placement.GRID + 1, 20)
        brute = min(p95(list(c), weights) for c in itertools.combinations(grid, polls))
        assert bound - 0.5 <= brute  # the grid search cannot do better than the optimum


def test_punches_after_the_last_poll_wait_for_the_daily_close():
    waits = placement.waits([60])
    assert waits[0] == 59.5
    assert waits[60] == placement.GRID + placement.CLOSE_AFTER_WORK - 60.5


def test_optimal_placement_beats_even_spacing_where_punches_cluster():
    density = governor.DEFAULT_DENSITY
    weights = placement.minute_weights(density)
    even = [60 * k for k in range(1, 13)]
    assert governor.staleness_percentile(12, density) < p95(even, weights)


def test_the_density_is_learned_in_quarter_hours_from_enough_punches():
    assert governor.density_from_punches([time(8, 50)] * 10) == governor.DEFAULT_DENSITY
    learned = governor.density_from_punches([time(8, 50)] * 5_000 + [time(18, 3)] * 5_000)
    assert len(learned) == 48 and learned[3] == learned[40] == 0.5
    # Two sharp peaks: a poll at the end of each quarter hour.
    assert governor.poll_minutes(2, learned) == [60.0, 615.0]
    assert governor.staleness_percentile(2, learned) < 15


def test_a_learned_density_keeps_its_quiet_hours_polled():
    # Learned from a large org's weeks (15-minute bins): shift starts and ends dense, 4 % of
    # punches between 10:00 and 16:00. Weekend punches, about 2 % more, are polled by no weekday
    # poll; so the weekday placement must leave less than 3 % waiting hours for p95 to hold.
    bins = governor.WORK_MINUTES // governor.LEARNED_BIN_MINUTES
    quiet = range(8, 32)  # 10:00 to 16:00
    peak = [b for b in range(bins) if b not in quiet]
    density = tuple(0.04 / len(quiet) if b in quiet else 0.96 / len(peak) for b in range(bins))
    assert governor.placement_cover(density) > governor.PLACEMENT_COVER
    weights = placement.minute_weights(density)
    marks = [round(m) for m in governor.poll_minutes(25, density)]
    waiting_hours = sum(
        w for wait, w in zip(placement.waits(marks), weights, strict=True) if wait > 60
    )
    assert waiting_hours < 0.03
    assert governor.placement_cover(governor.DEFAULT_DENSITY) == governor.PLACEMENT_COVER
