"""Every DingTalk endpoint the client calls, its API family, and whether DingTalk meters it.

Token endpoints, the contacts APIs and 智能人事 `queryonjob` are exempt from the monthly quota;
every attendance, workflow and failed-push call is metered (reference sections 1b, 2, 2.11).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Endpoint:
    """One API path: `family` picks base URL and token placement; `metered` the quota."""

    path: str
    family: Literal["oapi", "api"]
    method: Literal["GET", "POST"] = "POST"
    metered: bool = True


TOKEN_NEW = Endpoint("/v1.0/oauth2/accessToken", "api", metered=False)
TOKEN_OLD = Endpoint("/gettoken", "oapi", "GET", metered=False)
UPDATE_DATA = Endpoint("/topapi/attendance/getupdatedata", "oapi")
ATTENDANCE_LIST = Endpoint("/attendance/list", "oapi")
ATTENDANCE_RECORDS = Endpoint("/attendance/listRecord", "oapi")
REPORT_COLUMNS = Endpoint("/topapi/attendance/getattcolumns", "oapi")
COLUMN_VALUES = Endpoint("/topapi/attendance/getcolumnval", "oapi")
LEAVE_TIME_BY_NAMES = Endpoint("/topapi/attendance/getleavetimebynames", "oapi")
LEAVE_STATUS = Endpoint("/topapi/attendance/getleavestatus", "oapi")
VACATION_TYPES = Endpoint("/topapi/attendance/vacation/type/list", "oapi")
VACATION_QUOTAS = Endpoint("/topapi/attendance/vacation/quota/list", "oapi")
SCHEDULES_BY_USERS = Endpoint("/topapi/attendance/schedule/listbyusers", "oapi")
DEPARTMENTS = Endpoint("/topapi/v2/department/listsub", "oapi", metered=False)
DEPARTMENT = Endpoint("/topapi/v2/department/get", "oapi", metered=False)
DEPARTMENT_USER_IDS = Endpoint("/topapi/user/listid", "oapi", metered=False)
USER = Endpoint("/topapi/v2/user/get", "oapi", metered=False)
DEPARTMENT_USERS = Endpoint("/topapi/v2/user/list", "oapi", metered=False)
ON_JOB = Endpoint("/topapi/smartwork/hrm/employee/queryonjob", "oapi", metered=False)
PROCESS_INSTANCE = Endpoint("/v1.0/workflow/processInstances", "api", "GET")
# Whether DingTalk bills its own usage query is undocumented [I]: count it, to be safe.
METER_USAGE = Endpoint("/v1.0/meter/resources/useInfos/query", "api")
# ListApproveByUsers [C3 SDK only]; its limits are undocumented (50 users, 31 days assumed).
APPROVALS_BY_USERS = Endpoint("/v1.0/attendance/approvals/query", "api")
LIST_SCHEDULE = Endpoint("/topapi/attendance/listschedule", "oapi")
FAILED_PUSH = Endpoint("/call_back/get_call_back_failed_result", "oapi", "GET")

ALL_ENDPOINTS = tuple(value for value in list(globals().values()) if isinstance(value, Endpoint))
