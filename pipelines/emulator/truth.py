"""The ground-truth export: per employee-day, what every API answers as of the clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipelines.days import days_between
from pipelines.emulator.approvals import KINDS
from pipelines.emulator.assumptions import Assumptions
from pipelines.emulator.calendar import fmt, midnight
from pipelines.emulator.model import Approval
from pipelines.emulator.org import Org
from pipelines.emulator.records import day_records
from pipelines.emulator.view import Row, wire_value


def _check_point(row_or_point) -> dict:
    if isinstance(row_or_point, Row):
        row, point = row_or_point, row_or_point.point
        found = {
            "time_result": row.time_result,
            "location_result": row.location_result,
            "source_type": row.source_type,
            "user_check_time": fmt(row.user_check_time),
            "record_id": row.record_id,
            "proc_inst_id": row.approval.proc_inst_id if row.approval else None,
            "approve_id": row.approval.approve_id if row.approval else None,
        }
    else:
        point, found = (
            row_or_point,
            dict.fromkeys(
                (
                    "time_result",
                    "location_result",
                    "source_type",
                    "user_check_time",
                    "record_id",
                    "proc_inst_id",
                    "approve_id",
                )
            ),
        )
    return {
        "check_type": point.check_type,
        "plan_id": point.plan_id,
        "plan_check_time": fmt(point.plan_time),
        **found,
    }


def _approval(approval: Approval) -> dict:
    return {
        "proc_inst_id": approval.proc_inst_id,
        "kind": approval.kind,
        "tag_name": KINDS[approval.kind].tag_name,
        "sub_type": approval.leave.leave_name if approval.leave else KINDS[approval.kind].tag_name,
        "biz_type": KINDS[approval.kind].biz_type,
        "duration_unit": approval.unit,
        "begin_time": fmt(approval.begin),
        "end_time": fmt(approval.end),
    }


def employee_day(
    org: Org, userid: str, day: date, now: datetime, assumptions: Assumptions | None = None
) -> dict:
    """The truth of one user on one work date, as of `now`."""
    points = org.day_points(userid, day)
    rows = {row.point.plan_id: row for row in org.rows(userid, day, now)}
    settle = max((p.settle_at for p in points), default=midnight(day + timedelta(days=1)))
    report = org.report(userid, day, now)
    return {
        "userid": userid,
        "work_date": day.isoformat(),
        "group_id": org.by_userid[userid].group_id,
        "scheduled": bool(points),
        "holiday": org.is_holiday(day),
        "settled": now >= settle,
        "check_points": [_check_point(rows.get(p.plan_id, p)) for p in points],
        "punches": [
            {
                "record_id": x.record_id,
                "user_check_time": fmt(x.at),
                "check_type": x.check_type,
                "valid_matched": x.valid_matched,
                "location_result": x.location_result,
                "source_type": x.source_type,
            }
            for x in day_records(org, userid, day, now, assumptions or Assumptions())
        ],
        "approvals": [_approval(a) for a in org.approvals_on(userid, day, now)],
        "report": {alias: wire_value(value) for alias, value in report.items()},
        "leave": {name: f"{value:.1f}" for name, value in org.leave(userid, day, now).items()},
    }


def export_truth(
    org: Org, first: date, last: date, now: datetime, assumptions: Assumptions | None = None
) -> dict:
    """The truth document of `GET /_emulator/truth` (shape in docs/emulator.md)."""
    days = days_between(first, last)
    return {
        "as_of": now.isoformat(),
        "corp_id": org.corp_id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "employee_days": [
            employee_day(org, e.userid, day, now, assumptions)
            for e in org.employees
            for day in days
        ],
    }
