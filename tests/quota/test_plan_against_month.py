"""`plan`'s figures agree with the simulated month (bench/month.py): at 50 employees with the
default density, and at 400, where the four weeks before the month hold enough punches for the
density to be learned (as `plan` and the polling sensor learn it from the warehouse)."""

from __future__ import annotations

import pytest

from bench.month import Month, simulate
from pipelines.quota import governor
from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan

pytestmark = pytest.mark.integration


def assert_within_ten_percent(planned, measured: dict) -> None:
    assert abs(measured["calls_total"] - planned.total_calls) <= 0.10 * planned.total_calls
    assert measured["staleness_p95_minutes"] <= 1.10 * planned.p95_minutes
    assert measured["polls_per_day"] == planned.polls_per_day
    # Every check point but the emulator's two administrator edits equals attendance/list.
    assert measured["check_points"] - measured["check_points_equal"] <= 2


def test_plan_is_within_ten_percent_of_the_simulated_month():
    planned = make_plan(50, edition("standard"), 15).chosen
    measured = simulate(50, "standard", 15)
    assert not measured["density_learned"]
    assert_within_ten_percent(planned, measured)


def test_plan_with_the_learned_density_is_within_ten_percent_of_the_simulated_month():
    density = Month(400).learned_density()
    assert density != governor.DEFAULT_DENSITY  # 400 people's four weeks: enough to learn
    planned = make_plan(400, edition("standard"), 15, density).chosen
    measured = simulate(400, "standard", 15)
    assert measured["density_learned"]
    assert_within_ten_percent(planned, measured)
    # The same polls placed by the learned density: the default's promise is pessimistic.
    default = make_plan(400, edition("standard"), 15).chosen
    assert planned.p95_minutes < 0.9 * default.p95_minutes
