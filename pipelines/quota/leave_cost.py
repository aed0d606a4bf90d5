"""What the optional leave balances (ATTENDANCE_LEAVE_BALANCES) cost a month, for `plan`.

vacation/quota/list answers one leave type for at most 50 employees a call, 50 quotas a page
(pipelines/dingtalk/api_attendance.py): a pull is one call per leave type per 50 employees while
an employee holds one quota of a type per cycle; several cycles (调休 granted per overtime) add
pages. The schedule pulls once a day (sensors/leave_balances.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipelines.dingtalk.batching import MAX_USERS_PER_CALL
from pipelines.quota.model import DAYS

PULLS_PER_MONTH = DAYS  # once a day
# Leave types an org has enabled: the emulator has 5; a new DingTalk org starts with about ten
# built-in ones (事假, 病假, 年假, 调休, 婚假, 产假, 陪产假, ...) [I]: `--leave-types` sets it.
DEFAULT_LEAVE_TYPES = 10


@dataclass(frozen=True)
class LeaveBalanceCost:
    employees: int
    leave_types: int

    @property
    def calls_per_pull(self) -> int:
        return self.leave_types * math.ceil(self.employees / MAX_USERS_PER_CALL)

    @property
    def calls_per_month(self) -> int:
        return self.calls_per_pull * PULLS_PER_MONTH

    def line(self, enabled: bool) -> str:
        state = "on" if enabled else "off (ATTENDANCE_LEAVE_BALANCES=true turns it on)"
        return (
            f"leave balances (假期余额), {state}: {self.calls_per_month:,} calls a month "
            f"({self.calls_per_pull:,} a daily pull: {self.leave_types} leave types x "
            f"{math.ceil(self.employees / MAX_USERS_PER_CALL)} batches of 50), "
            "not counted above"
        )
