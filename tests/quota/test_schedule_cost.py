"""What the schedules spend on one settled day at 200 employees on the standard profile,
through the real path (bench/month_real.py: emulator server, listener, schedules, runs): no
more than the simulation's daily close (listRecord and listbyusers per 50 users, getleavestatus
per 100, attendance/list for the untrusted user-days) plus that day's approvals."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, time

import pytest

from bench import month_real
from pipelines.days import SHANGHAI

pytestmark = pytest.mark.integration

EMPLOYEES = 200
FIRST = date(2026, 11, 3)  # Tuesday: the night of Nov 4 settles it (no weekly report re-pull)
SCHEDULED = ("settlement", "sweep", "report_settlement")
APPROVAL_APIS = ("/topapi/attendance/getupdatedata", "/v1.0/attendance/approvals/query")


def scheduled_calls(month: month_real.RealMonth) -> Counter[str]:
    found: Counter[str] = Counter()
    for (purpose, api), count in month.measured.calls.items():
        if purpose in SCHEDULED:
            found[api] += count
    return found


@pytest.fixture(scope="module")
def one_night() -> tuple[Counter[str], Counter[str]]:
    with month_real.real_month(EMPLOYEES, "standard", 15, days=1, first=FIRST) as month:
        # The first night settles days never loaded before; the second is a steady one.
        month_real.drive(month, datetime.combine(date(2026, 11, 4), time(), SHANGHAI), False)
        before = scheduled_calls(month)
        month_real.drive(month, datetime.combine(date(2026, 11, 4), time(7, 30), SHANGHAI), False)
        return scheduled_calls(month) - before, Counter(month.measured.runs)


def test_a_settled_day_costs_the_daily_close_plus_its_approvals(one_night):
    calls, _ = one_night
    batches = math.ceil(EMPLOYEES / 50)
    close = {
        "/attendance/listRecord": batches,
        "/topapi/attendance/schedule/listbyusers": batches,
        "/topapi/attendance/getleavestatus": math.ceil(EMPLOYEES / 100),
    }
    # One batch more: D-2 again for the users with an overnight shift (its OffDuty punch came
    # after the 06:30 settlement of D-1); without it their check points differ from DingTalk's.
    for api, most in close.items():
        assert calls[api] <= most + 1, (api, calls)
    others = set(calls) - set(close) - set(APPROVAL_APIS) - {"/attendance/list"}
    assert not others, calls
    # Measured on the emulator's org (seed of bench/month_real.py): Nov 3 settled in one
    # whole-organisation run (its leaves read once, kept for the approvals: 4 + 4 + 2), Nov 2
    # re-pulled for its overnight-shift users only (1 + 1 + 1), no sweep, no weekly report
    # re-pull. Before: settlement 21 and sweep 28 calls a night.
    assert dict(calls) == {
        "/attendance/listRecord": 5,
        "/topapi/attendance/schedule/listbyusers": 5,
        "/topapi/attendance/getleavestatus": 3,
        "/attendance/list": 1,  # the untrusted user-day
        "/topapi/attendance/getupdatedata": 1,  # the day's approval that is not a leave
        "/v1.0/attendance/approvals/query": 5,  # the days' overtime, 50 users a call
    }
