"""Attendance endpoint methods of `DingTalkClient` (mixed in; `self._caller` sends)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from pipelines.days import SHANGHAI
from pipelines.dingtalk import endpoints as ep
from pipelines.dingtalk.batching import (
    MAX_DAYS_ATTENDANCE,
    MAX_DAYS_REPORT,
    MAX_NAMES_PER_CALL,
    MAX_SPAN_LEAVE_STATUS,
    MAX_USERS_LEAVE_STATUS,
    MAX_USERS_PER_CALL,
    PAGE_SIZE_ATTENDANCE_LIST,
    PAGE_SIZE_LEAVE_STATUS,
    PAGE_SIZE_VACATION_QUOTAS,
    Page,
    chunked,
    iter_offset_pages,
    split_days,
    split_span,
)
from pipelines.dingtalk.counters import covering
from pipelines.dingtalk.errors import DingTalkError
from pipelines.dingtalk.models import (
    ApprovalSummary,
    AttendanceResult,
    ColumnValues,
    LeaveQuota,
    LeaveStatus,
    LeaveTimeValues,
    PunchRecord,
    ReportColumn,
    UpdateData,
    UserSchedule,
    VacationType,
)

if TYPE_CHECKING:
    from pipelines.dingtalk.http import ApiCaller

M = TypeVar("M", bound=BaseModel)


def parse_rows(model: type[M], rows: Iterable[Any], endpoint: str) -> list[M]:
    """Validate wire rows into `model`, turning a malformed row into a one-line DingTalkError."""
    try:
        return [model.model_validate(row) for row in rows]
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DingTalkError(
            f"{endpoint}: unexpected answer shape for {model.__name__} at {where}: {first['msg']}",
            endpoint=endpoint,
        ) from None


def day_start(day: date) -> str:
    """`yyyy-MM-dd 00:00:00`, the string form DingTalk takes for a whole day."""
    return f"{day.isoformat()} 00:00:00"


def epoch_ms(moment: datetime) -> int:
    """Aware (or Asia/Shanghai naive) datetime -> epoch milliseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return int(moment.timestamp() * 1000)


def local_midnight(day: date) -> datetime:
    """Midnight of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


class AttendanceApi:
    """Attendance queries; every method splits and paginates as DingTalk requires."""

    _caller: ApiCaller

    def list_attendance_results(
        self, user_ids: Sequence[str], date_from: date, date_to: date
    ) -> list[AttendanceResult]:
        """Check-point results (`attendance/list`) of users over inclusive work dates."""
        return [
            row
            for found in self.iter_attendance_results(user_ids, date_from, date_to)
            for row in found
        ]

    def iter_attendance_results(
        self, user_ids: Sequence[str], date_from: date, date_to: date
    ) -> Iterator[list[AttendanceResult]]:
        """`list_attendance_results`, one list per 50 users x 7 days as its pages come in, so a
        caller can convert and drop them instead of holding the range's models."""
        for users in chunked(user_ids, MAX_USERS_PER_CALL):
            for start, end in split_days(date_from, date_to, MAX_DAYS_ATTENDANCE):
                window = {"workDateFrom": day_start(start), "workDateTo": day_start(end)}
                with covering(start, end):
                    found = self._attendance_list_window(users, window)
                yield found

    def _attendance_list_window(self, users: list[str], window: dict) -> list[AttendanceResult]:
        def fetch(offset: int, limit: int) -> Page:
            body = {**window, "userIdList": users, "offset": offset, "limit": limit}
            data = self._caller.call(ep.ATTENDANCE_LIST, body=body)
            return Page(data.get("recordresult") or [], bool(data.get("hasMore")))

        rows: list[AttendanceResult] = []
        for page in iter_offset_pages(fetch, PAGE_SIZE_ATTENDANCE_LIST):
            rows.extend(parse_rows(AttendanceResult, page, ep.ATTENDANCE_LIST.path))
        return rows

    def list_punch_records(
        self, user_ids: Sequence[str], date_from: date, date_to: date
    ) -> list[PunchRecord]:
        """Raw punches (`attendance/listRecord`) whose punch time falls in the inclusive days."""
        return [
            row for found in self.iter_punch_records(user_ids, date_from, date_to) for row in found
        ]

    def iter_punch_records(
        self, user_ids: Sequence[str], date_from: date, date_to: date
    ) -> Iterator[list[PunchRecord]]:
        """`list_punch_records`, one list per call (50 users x 7 days) as it returns, so a caller
        can convert and drop them instead of holding the range's models."""
        for users in chunked(user_ids, MAX_USERS_PER_CALL):
            for start, end in split_days(date_from, date_to, MAX_DAYS_ATTENDANCE):
                body = {
                    "userIds": users,
                    "checkDateFrom": day_start(start),
                    "checkDateTo": f"{end.isoformat()} 23:59:59",
                }
                with covering(start, end):
                    data = self._caller.call(ep.ATTENDANCE_RECORDS, body=body)
                yield parse_rows(
                    PunchRecord, data.get("recordresult") or [], ep.ATTENDANCE_RECORDS.path
                )

    def get_update_data(self, userid: str, work_date: date) -> UpdateData:
        """Everything about one user's day (`getupdatedata`: results, punches, approvals)."""
        with covering(work_date, work_date):
            data = self._caller.call(
                ep.UPDATE_DATA, body={"userid": userid, "work_date": work_date.isoformat()}
            )
        return parse_rows(UpdateData, [data.get("result") or {}], ep.UPDATE_DATA.path)[0]

    def get_report_columns(self) -> list[ReportColumn]:
        """The attendance report's columns (`getattcolumns`); leave types are not among them."""
        data = self._caller.call(ep.REPORT_COLUMNS, body={})
        columns = (data.get("result") or {}).get("columns") or []
        return parse_rows(ReportColumn, columns, ep.REPORT_COLUMNS.path)

    def get_column_values(
        self, userid: str, column_ids: Sequence[int], date_from: date, date_to: date
    ) -> list[ColumnValues]:
        """Report column values (`getcolumnval`) for one user, one series per column."""
        series: dict[Any, ColumnValues] = {}
        ids = [str(column) for column in column_ids]
        for result in self._report_results(
            ep.COLUMN_VALUES, "column_id_list", ids, userid, date_from, date_to
        ):
            rows = result.get("column_vals") or []
            for item in parse_rows(ColumnValues, rows, ep.COLUMN_VALUES.path):
                _merge_series(series, item.column.id, item)
        return list(series.values())

    def get_leave_time_by_names(
        self, userid: str, leave_names: Sequence[str], date_from: date, date_to: date
    ) -> list[LeaveTimeValues]:
        """Daily leave durations by leave name (`getleavetimebynames`) for one user."""
        series: dict[Any, LeaveTimeValues] = {}
        for result in self._report_results(
            ep.LEAVE_TIME_BY_NAMES, "leave_names", list(leave_names), userid, date_from, date_to
        ):
            rows = result.get("columns") or []
            for item in parse_rows(LeaveTimeValues, rows, ep.LEAVE_TIME_BY_NAMES.path):
                _merge_series(series, item.column.name, item)
        return list(series.values())

    def _report_results(
        self,
        endpoint: ep.Endpoint,
        list_key: str,
        names: list[str],
        userid: str,
        date_from: date,
        date_to: date,
    ) -> Iterator[dict[str, Any]]:
        """The `result` of each report call for one user: 20 names x 31 days a call."""
        for batch in chunked(names, MAX_NAMES_PER_CALL):
            for start, end in split_days(date_from, date_to, MAX_DAYS_REPORT):
                body = {
                    "userid": userid,
                    list_key: ",".join(batch),
                    "from_date": day_start(start),
                    "to_date": day_start(end),
                }
                with covering(start, end):
                    answer = self._caller.call(endpoint, body=body)
                yield answer.get("result") or {}

    def get_leave_status(
        self, user_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[LeaveStatus]:
        """Leave periods (`getleavestatus`) overlapping [start, end] for the users."""
        found: list[LeaveStatus] = []
        for users in chunked(user_ids, MAX_USERS_LEAVE_STATUS):
            for begin, stop in split_span(start, end, MAX_SPAN_LEAVE_STATUS):
                window = {
                    "userid_list": ",".join(users),
                    "start_time": epoch_ms(begin),
                    "end_time": epoch_ms(stop),
                }
                # The window ends at the next day's midnight: its last day is the day before.
                last = (stop - timedelta(milliseconds=1)).astimezone(SHANGHAI).date()
                with covering(begin.astimezone(SHANGHAI).date(), last):
                    found.extend(self._leave_status_window(window))
        # A leave that crosses a window boundary is answered by both windows.
        unique = {(x.userid, x.start_time, x.end_time, x.leave_code): x for x in found}
        return list(unique.values())

    def _leave_status_window(self, window: dict) -> list[LeaveStatus]:
        def fetch(offset: int, size: int) -> Page:
            data = self._caller.call(
                ep.LEAVE_STATUS, body={**window, "offset": offset, "size": size}
            )
            result = data.get("result") or {}
            return Page(result.get("leave_status") or [], bool(result.get("has_more")))

        found: list[LeaveStatus] = []
        for page in iter_offset_pages(fetch, PAGE_SIZE_LEAVE_STATUS):
            found.extend(parse_rows(LeaveStatus, page, ep.LEAVE_STATUS.path))
        return found

    def list_vacation_types(
        self, op_userid: str, vacation_source: str = "all"
    ) -> list[VacationType]:
        """Leave types (`vacation/type/list`); `op_userid` must be an OA admin."""
        data = self._caller.call(
            ep.VACATION_TYPES, body={"op_userid": op_userid, "vacation_source": vacation_source}
        )
        return parse_rows(VacationType, data.get("result") or [], ep.VACATION_TYPES.path)

    def list_leave_quotas(
        self, op_userid: str, leave_code: str, user_ids: Sequence[str]
    ) -> list[LeaveQuota]:
        """Leave balances of one type (`vacation/quota/list`), 50 users a call, paged."""
        found: list[LeaveQuota] = []
        for users in chunked(user_ids, MAX_USERS_PER_CALL):
            body = {"op_userid": op_userid, "leave_code": leave_code, "userids": ",".join(users)}

            def fetch(offset: int, size: int, body: dict = body) -> Page:
                data = self._caller.call(
                    ep.VACATION_QUOTAS, body={**body, "offset": offset, "size": size}
                )
                result = data.get("result") or {}
                return Page(result.get("leave_quotas") or [], bool(result.get("has_more")))

            for page in iter_offset_pages(fetch, PAGE_SIZE_VACATION_QUOTAS):
                found.extend(parse_rows(LeaveQuota, page, ep.VACATION_QUOTAS.path))
        return found

    def list_schedules_by_users(
        self, op_user_id: str, user_ids: Sequence[str], start: date, end: date
    ) -> list[UserSchedule]:
        """Planned check points of users over inclusive days (`schedule/listbyusers`)."""
        items: list[UserSchedule] = []
        for users in chunked(user_ids, MAX_USERS_PER_CALL):
            for first, last in split_days(start, end, MAX_DAYS_ATTENDANCE):
                body = {
                    "op_user_id": op_user_id,
                    "userids": ",".join(users),
                    "from_date_time": epoch_ms(local_midnight(first)),
                    "to_date_time": epoch_ms(local_midnight(last + timedelta(days=1))) - 1000,
                }
                with covering(first, last):
                    data = self._caller.call(ep.SCHEDULES_BY_USERS, body=body)
                rows = data.get("result") or []
                items.extend(parse_rows(UserSchedule, rows, ep.SCHEDULES_BY_USERS.path))
        return items

    def list_approvals_by_users(
        self, user_ids: Sequence[str], start: date, end: date, biz_types: Sequence[int] = ()
    ) -> list[ApprovalSummary]:
        """Approvals overlapping inclusive days (ListApproveByUsers), 50 users x 31 days a call;
        `biz_types` narrows them (1 加班, 2 出差/外出, 3 请假)."""
        found: dict[tuple, ApprovalSummary] = {}
        for users in chunked(user_ids, MAX_USERS_PER_CALL):
            for first, last in split_days(start, end, MAX_DAYS_REPORT):
                body = {
                    "userIds": ",".join(users),
                    "bizTypes": list(biz_types),
                    "fromDateTime": epoch_ms(local_midnight(first)),
                    "toDateTime": epoch_ms(local_midnight(last + timedelta(days=1))) - 1000,
                }
                with covering(first, last):
                    rows = self._caller.call(ep.APPROVALS_BY_USERS, body=body).get("result") or []
                for item in parse_rows(ApprovalSummary, rows, ep.APPROVALS_BY_USERS.path):
                    # An approval crossing a window boundary is answered by both windows.
                    found[(item.user_id, item.begin_time, item.biz_type, item.sub_type)] = item
        return list(found.values())


def _merge_series(series: dict[Any, M], key: Any, item: M) -> None:
    """Join the values of one column fetched over several windows into one series."""
    if key not in series:
        series[key] = item
        return
    joined = [*series[key].values, *item.values]  # type: ignore[attr-defined]
    series[key] = series[key].model_copy(update={"values": joined})
