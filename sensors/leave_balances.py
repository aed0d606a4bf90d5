"""The daily pull of leave balances, when ATTENDANCE_LEAVE_BALANCES is on.

Balances move only when a leave is approved or a quota is granted: once a day, before the
working day, is fresh enough for HR and costs a call per leave type per 50 employees. Off, the
tick is skipped with its reason, so no run is launched at all.
"""

from __future__ import annotations

import dagster as dg

from pipelines.catalogue import Schedule
from pipelines.jobs import leave_balances_job
from pipelines.partitions import TIMEZONE
from pipelines.resources import DingTalkResource

# Once a day: pipelines/quota/leave_cost.py (what `plan` states) counts on this frequency.
LEAVE_BALANCES_CRON = "30 6 * * *"


@dg.schedule(
    name=Schedule.LEAVE_BALANCES,
    job=leave_balances_job,
    cron_schedule=LEAVE_BALANCES_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 06:30: pull the leave balances (if ATTENDANCE_LEAVE_BALANCES).",
)
def leave_balances_schedule(context: dg.ScheduleEvaluationContext, dingtalk: DingTalkResource):
    if not dingtalk.leave_balances_enabled():
        return dg.SkipReason("leave balances are off: set ATTENDANCE_LEAVE_BALANCES=true")
    return dg.RunRequest(run_key=None)
