"""What pulling a range of days costs, per metered API, before anything is launched.

The arithmetic of `pipelines.dingtalk.batching` (50 users x 7 days for attendance/list and
listRecord, 31 days for the report APIs, 100 users x 180 days for getleavestatus), applied to
the chunks `sync` runs. Paged and data-dependent calls are estimated: attendance/list pages of
50 rows (about two check points per scheduled day), getupdatedata and getleavetimebynames for
the share of user-days the emulator shows with an approval or a leave.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

from pipelines.dingtalk import batching, endpoints
from pipelines.quota.model import AUTHORITATIVE_SHARE, DAYS, WORK_DAYS

CHECK_POINTS_PER_SCHEDULED_DAY = 2
# The report catalogue: getattcolumns and vacation/type/list, once per sync.
CATALOGUE_CALLS = {endpoints.REPORT_COLUMNS.path: 1, endpoints.VACATION_TYPES.path: 1}


def _user_batches(users: int, size: int) -> list[int]:
    return [min(size, users - start) for start in range(0, users, size)]


def _window_cost(users: int, days: int) -> Counter[str]:
    """Calls of one `sync` chunk (at most 31 days) for `users` employees."""
    cost: Counter[str] = Counter()
    windows = batching.split_days(
        date(2000, 1, 1), date(2000, 1, days), batching.MAX_DAYS_ATTENDANCE
    )
    for batch in _user_batches(users, batching.MAX_USERS_PER_CALL):
        for first, last in windows:
            span = (last - first).days + 1
            rows = batch * span * WORK_DAYS / DAYS * CHECK_POINTS_PER_SCHEDULED_DAY
            pages = max(1, math.ceil(rows / batching.PAGE_SIZE_ATTENDANCE_LIST))
            cost[endpoints.ATTENDANCE_LIST.path] += pages
            cost[endpoints.ATTENDANCE_RECORDS.path] += 1
    cost[endpoints.COLUMN_VALUES.path] += users
    cost[endpoints.LEAVE_STATUS.path] += math.ceil(users / batching.MAX_USERS_LEAVE_STATUS)
    with_leave = max(1, round(users * AUTHORITATIVE_SHARE * days))
    cost[endpoints.LEAVE_TIME_BY_NAMES.path] += min(users, with_leave)
    cost[endpoints.UPDATE_DATA.path] += round(users * days * AUTHORITATIVE_SHARE)
    return cost


def range_cost(users: int, first: date, last: date, chunk_days: int) -> dict[str, int]:
    """Metered calls by API path for a sync of `users` employees over first..last."""
    total: Counter[str] = Counter(CATALOGUE_CALLS)
    day = first
    while day <= last:
        end = min(day + timedelta(days=chunk_days - 1), last)
        total.update(_window_cost(users, (end - day).days + 1))
        day = end + timedelta(days=1)
    return {path: count for path, count in sorted(total.items()) if count}
