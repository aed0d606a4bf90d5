"""The real-path month bench (bench/month_real.py) on a short morning of a few employees: its
call count is the call ledger's and the emulator's, every call is charged to a run, and its
staleness is the time of the first run that covered each punch's day, recomputed here from
the runs it logged and the emulator's truth; and its monthly rows say they are not final while
the day is open (the pipeline runs on the emulator's clock, the monthly marts follow polls)."""

from __future__ import annotations

import statistics
from datetime import date, datetime, time

import pytest

from bench import month_real
from pipelines.days import SHANGHAI
from pipelines.quota import governor

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 3)  # a Tuesday: the polling sensor polls
UNTIL = datetime.combine(DAY, time(11), SHANGHAI)


@pytest.fixture(scope="module")
def morning():
    with month_real.real_month(4, "standard", 15, days=1, first=DAY) as month:
        month_real.drive(month, UNTIL, polls=True)
        found = month_real.measure(month)
        days = month_real.truth(month)
        runs = list(month.measured.run_log)
    return found, days, runs


def test_the_measured_calls_are_the_call_ledgers_and_the_emulators(morning):
    found, _, _ = morning
    assert found["calls_by_purpose"]["poll"] > 0, found["calls_by_purpose"]
    # Every metered call was made inside a run the bench charged it to.
    assert month_real.OUTSIDE_RUNS not in found["calls_by_purpose"]
    assert found["calls_in_runs"] == found["call_ledger_total"] == found["emulator_metered_total"]
    assert sum(found["calls_by_api"].values()) == found["calls_total"]


def test_staleness_is_the_first_run_that_covered_each_punch(morning):
    found, days, runs = morning
    waits, after_last_run = [], 0
    for day in days:
        covering = sorted(at for at, run_days in runs if DAY in run_days)
        for punch in day["punches"]:
            at = datetime.fromisoformat(punch["user_check_time"]).replace(tzinfo=SHANGHAI)
            if not governor.WORK_START <= at.time() < governor.WORK_END:
                continue
            later = [moment for moment in covering if moment >= at]
            if later:
                waits.append((later[0] - at).total_seconds() / 60)
            else:
                after_last_run += 1
    waits.sort()
    assert waits and all(wait >= 0 for wait in waits)
    assert found["punches_in_work_hours"] == len(waits) + after_last_run
    assert found["punches_never_written"] == after_last_run
    assert found["staleness_p50_minutes"] == round(statistics.median(waits), 1)
    assert found["staleness_p95_minutes"] == round(month_real.percentile(waits, 0.95) or 0, 1)


def test_every_monthly_row_says_it_is_not_final_while_today_is_open(morning):
    found, _, _ = morning
    # At 11:00 every employee's month holds today (polled, not settled by the emulator's clock):
    # no row may read final. On the machine's clock every row read settled, and without a
    # rebuild after the polls the month left today out and read final.
    assert found["monthly_rows_not_final"] == 4, found
    assert found["monthly_rows_equal"] == found["monthly_rows"] == 0
