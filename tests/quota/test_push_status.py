"""The push quota status line: ok, a warning at 80 % of the quota projected, a failure once the
quota is spent."""

from __future__ import annotations

from datetime import datetime

from pipelines.days import SHANGHAI
from pipelines.quota.pushes import is_billed, push_status, push_usage
from pipelines.state.push_ledger import SqlitePushLedger

MID_MONTH = datetime(2026, 11, 16, 0, 0, tzinfo=SHANGHAI)  # half of November gone


def status_after(tmp_path, pushes: int) -> tuple[str, str]:
    with SqlitePushLedger.in_data_dir(tmp_path) as ledger:
        for _ in range(pushes):
            ledger.record("attendance_check_record", datetime(2026, 11, 3, 9, tzinfo=SHANGHAI))
        return push_status(push_usage(ledger, 3_000, MID_MONTH))


def test_a_projection_under_80_percent_is_ok(tmp_path):
    severity, line = status_after(tmp_path, 1_100)  # projected 2,200 = 73 %
    assert severity == "ok" and "1,100 of 3,000" in line and "2,200" in line


def test_a_projection_at_80_percent_warns(tmp_path):
    severity, line = status_after(tmp_path, 1_200)  # projected 2,400 = 80 %
    assert severity == "warn" and "80%" in line


def test_a_spent_quota_fails(tmp_path):
    severity, line = status_after(tmp_path, 3_000)
    assert severity == "fail" and "poll instead" in line


def test_contacts_events_are_free():
    assert not is_billed("user_leave_org") and is_billed("attend_bossCheck_change")
