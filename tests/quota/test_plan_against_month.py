"""`plan`'s figures agree with the simulated month (bench/month.py) on a small case."""

from __future__ import annotations

import pytest

from bench.month import simulate
from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan

pytestmark = pytest.mark.integration


def test_plan_is_within_ten_percent_of_the_simulated_month():
    planned = make_plan(50, edition("standard"), 15).chosen
    measured = simulate(50, "standard", 15)
    assert abs(measured["calls_total"] - planned.total_calls) <= 0.10 * planned.total_calls
    assert measured["staleness_p95_minutes"] <= 1.10 * planned.p95_minutes
    assert measured["polls_per_day"] == planned.polls_per_day
    # Every check point but the emulator's two administrator edits equals attendance/list.
    assert measured["check_points"] - measured["check_points_equal"] <= 2
