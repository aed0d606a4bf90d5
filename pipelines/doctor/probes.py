"""One cheap DingTalk call per permission family the pipeline needs.

Contacts and 智能人事 calls are not metered; every attendance and workflow call is. The probes
ask for one user and one day, so each metered probe costs exactly one call. The failed-push
list is deliberately not probed: DingTalk deletes what it returns, so a probe would lose events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipelines.dingtalk import DingTalkClient, DingTalkError, permissions

ROOT_DEPT_ID = 1
# A made-up instance id: "does not exist" proves the workflow API let us in.
PROBE_PROCESS_INSTANCE_ID = "doctor-permission-probe"


@dataclass
class ProbeContext:
    """What later probes need from earlier ones: a user to ask about, the OA admin, a day."""

    day: date
    op_userid: str | None = None
    sample_userid: str | None = None
    leave_names: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """A permission family, what to grant in the developer console, and its cheapest call."""

    check: str
    grant: str
    call: Callable[[DingTalkClient, ProbeContext], Any]
    needs_user: bool = False


def _contacts(client: DingTalkClient, context: ProbeContext) -> Any:
    return client.list_user_ids(ROOT_DEPT_ID)


def _on_job(client: DingTalkClient, context: ProbeContext) -> Any:
    user_ids = client.list_on_job_user_ids()
    context.sample_userid = context.op_userid or (user_ids[0] if user_ids else None)
    context.op_userid = context.op_userid or context.sample_userid
    return user_ids


def _results(client: DingTalkClient, context: ProbeContext) -> Any:
    assert context.sample_userid is not None
    return client.list_attendance_results([context.sample_userid], context.day, context.day)


def _schedules(client: DingTalkClient, context: ProbeContext) -> Any:
    assert context.op_userid is not None and context.sample_userid is not None
    return client.list_schedules_by_users(
        context.op_userid, [context.sample_userid], context.day, context.day
    )


def _report_columns(client: DingTalkClient, context: ProbeContext) -> Any:
    return client.get_report_columns()


def _vacation_types(client: DingTalkClient, context: ProbeContext) -> Any:
    assert context.op_userid is not None
    types = client.list_vacation_types(context.op_userid)
    context.leave_names = [leave.leave_name for leave in types]
    return types


def _leave_time(client: DingTalkClient, context: ProbeContext) -> Any:
    assert context.sample_userid is not None
    user, day = context.sample_userid, context.day
    if not context.leave_names:
        return []
    try:
        return client.get_leave_time_by_names(user, context.leave_names, day, day)
    except DingTalkError as error:
        if not _is_shape_error(error):
            raise
    # A missing leave column answers `columnvals: null`, which the client may refuse to parse:
    # ask name by name (one metered call each) so that the other names still get checked.
    found: list[Any] = []
    for name in context.leave_names:
        try:
            found.extend(client.get_leave_time_by_names(user, [name], day, day))
        except DingTalkError as error:
            if not _is_shape_error(error):
                raise
    return found


def _is_shape_error(error: DingTalkError) -> bool:
    """An answer DingTalk gave without error that did not fit the model (not a refusal)."""
    return type(error) is DingTalkError and error.errcode is None and error.status_code is None


def _workflow(client: DingTalkClient, context: ProbeContext) -> Any:
    return client.get_process_instance(PROBE_PROCESS_INSTANCE_ID)


PROBES: tuple[Probe, ...] = (
    Probe("contacts", permissions.CONTACTS, _contacts),
    Probe("employees", permissions.ROSTER, _on_job),
    Probe("attendance", permissions.ATTENDANCE, _results, True),
    Probe("schedules", permissions.SCHEDULES, _schedules, True),
    Probe("report", permissions.REPORT, _report_columns),
    Probe("leave-types", permissions.LEAVE_TYPES, _vacation_types, True),
    Probe("leave-hours", permissions.LEAVE_HOURS, _leave_time, True),
    Probe("approvals", permissions.APPROVALS, _workflow),
)
