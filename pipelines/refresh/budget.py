"""Discretionary pulls yield to the monthly quota.

The nightly sweep and the weekly report re-pull only catch what events, settlement and the
failed-push list missed; events and settlement are what keep the numbers right. So the
discretionary pulls run only while this month's metered calls, projected linearly to the month's
end, stay under a share of the quota: a month that starts with a large backfill, or an
organisation too large for its edition, keeps its calls for the pulls that matter, and the
sweep resumes by itself once the pace falls back under the line.
"""

from __future__ import annotations

from datetime import datetime

from pipelines.dingtalk.ledger import CallLedger
from pipelines.dingtalk.usage import usage_report


def discretionary_skip_reason(
    ledger: CallLedger, quota: int, share: float, now: datetime, what: str
) -> str | None:
    """None when `what` may spend calls now; otherwise the one-line reason it is skipped."""
    report = usage_report(ledger, quota, now)
    if report.projected <= share * quota:
        return None
    return (
        f"{what} skipped: {report.used:,} metered calls so far this month project to "
        f"{report.projected:,} of the {quota:,} quota ({report.projected_share:.0%}), above the "
        f"{share:.0%} that discretionary pulls may use (ATTENDANCE_DISCRETIONARY_QUOTA_SHARE)"
    )
