"""Every fact about an event type, in one table: what the listener accepts and what it means.

The listener (`pipelines/stream/events.py`) quarantines a payload that lacks a required field;
the refresh mapping (`pipelines/refresh/mapping.py`) has one handler per `Meaning` and reads
the required fields through the same spec, so a spelling the listener accepts is one the
mapping understands. Payload shapes follow reference section 5; docs/listener.md mirrors the
fields and docs/events.md the meanings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, cast

# How a required value is checked: non-empty text, a string or integer id, a non-empty list,
# epoch milliseconds (a number or digits), a `yyyy-MM-dd[ HH:mm:ss]` date.
FieldKind = Literal["text", "id", "list", "epoch_ms", "date"]


class Meaning(StrEnum):
    """What an accepted event asks of the refresh; the mapping has exactly one handler each."""

    PUNCH = "punch"  # re-pull check points of the punch's day (and maybe the day before)
    USER_DAY = "user_day"  # re-pull check points of one user-day
    OVERTIME = "overtime"  # re-pull everything of the listed user-days
    ATTENDANCE_APPROVAL = "attendance_approval"  # resolve the approval instance
    APPROVAL_INSTANCE = "approval_instance"  # resolve it when its suite touches attendance
    REPORT_COLUMNS = "column_catalogue"  # re-read the report column catalogue
    PLANS = "plans"  # schedules changed: polls re-read the planned check points
    NOTHING = "nothing"  # stored as evidence, changes no attendance data


@dataclass(frozen=True)
class PayloadField:
    """A required payload field: every spelling DingTalk uses for it, the documented one first."""

    spellings: tuple[str, ...]
    kind: FieldKind

    @property
    def name(self) -> str:
        return self.spellings[0]


def spelling_in(data: Mapping[str, object], spellings: Sequence[str]) -> str | None:
    """The one rule for field variants: the first spelling present with a non-null value."""
    for spelling in spellings:
        if data.get(spelling) is not None:
            return spelling
    return None


@dataclass(frozen=True)
class EventSpec:
    """One event type. With `items`, the payload is a list (under one of those spellings)
    whose entries each hold `fields`; without, `fields` are top-level keys of the payload."""

    event_type: str
    meaning: Meaning
    fields: tuple[PayloadField, ...] = ()
    items: tuple[str, ...] = ()
    _by_name: Mapping[str, PayloadField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    def value(self, data: object, name: str) -> object:
        """The value of the declared field `name` in `data`, under whichever spelling it has.

        Raises:
            KeyError: when `data` holds none of the field's spellings.
            TypeError: when `data` is not a JSON object.
        """
        mapping = _as_object(data)
        spelling = spelling_in(mapping, self._by_name[name].spellings)
        if spelling is None:
            raise KeyError(name)
        return mapping[spelling]

    def entries(self, payload: Mapping[str, object]) -> list[object]:
        """The entries of an event with `items`; KeyError or ValueError when there are none."""
        spelling = spelling_in(payload, self.items)
        if spelling is None:
            raise KeyError(self.items[0])
        entries = payload[spelling]
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"no {self.items[0]} (a non-empty list)")
        return cast(list[object], entries)


def _as_object(data: object) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise TypeError(f"a JSON {type(data).__name__}, not an object")
    return cast(Mapping[str, object], data)


def _text(*spellings: str) -> PayloadField:
    return PayloadField(spellings, "text")


# Reference 5.1: the old HTTP callback capitalised the list (`DataList`); Stream sends dataList.
_DATA_LIST = ("dataList", "DataList")
# Reference 5.9 (Stream) spells the org events' user list `userId`, 6.1 (failed list) `userid`.
_ORG_USERS = PayloadField(("userId", "userid"), "list")
_DEPTS = PayloadField(("deptId",), "list")
_CONFIG = (PayloadField(("id",), "id"), _text("action"))
_INSTANCE = (_text("processInstanceId"), _text("type"))

_SPECS = (
    EventSpec(
        "attendance_check_record",
        Meaning.PUNCH,
        (_text("userId"), PayloadField(("checkTime",), "epoch_ms")),
        _DATA_LIST,
    ),
    EventSpec(
        "attendance_overtime_duration",
        Meaning.OVERTIME,
        (_text("userid"), PayloadField(("workDate",), "epoch_ms")),
        _DATA_LIST,
    ),
    EventSpec(
        "attendance_approve_status_change",
        Meaning.ATTENDANCE_APPROVAL,
        (_text("processInstanceId"), _text("status")),
    ),
    EventSpec("bpms_instance_change", Meaning.APPROVAL_INSTANCE, _INSTANCE),
    # An approver acting on a task changes nothing until the instance itself ends.
    EventSpec("bpms_task_change", Meaning.NOTHING, _INSTANCE),
    EventSpec(
        "attend_user_daily_summary_refresh",
        Meaning.USER_DAY,
        (_text("userId"), PayloadField(("workDate",), "date")),
    ),
    EventSpec(
        "attend_bossCheck_change",
        Meaning.USER_DAY,
        (_text("userId"), PayloadField(("workDate",), "date")),
    ),
    EventSpec(
        "attendance_report_column_change",
        Meaning.REPORT_COLUMNS,
        (PayloadField(("columnId",), "id"),),
    ),
    # A group, shift or schedule change can move planned check points of anyone (no user named).
    EventSpec("attend_group_change", Meaning.PLANS, _CONFIG),
    EventSpec("attend_shift_change", Meaning.PLANS, _CONFIG),
    # Name confirmed, payload undocumented (reference 5.6): accepted as a bare trigger.
    EventSpec("attendance_schedule_change", Meaning.PLANS),
    *(
        EventSpec(name, Meaning.NOTHING, (_ORG_USERS,))
        for name in ("user_add_org", "user_modify_org", "user_leave_org", "user_active_org")
    ),
    *(
        EventSpec(name, Meaning.NOTHING, (_DEPTS,))
        for name in ("org_dept_create", "org_dept_modify", "org_dept_remove")
    ),
)

KNOWN_EVENTS: Mapping[str, EventSpec] = {spec.event_type: spec for spec in _SPECS}
