"""Which events the listener accepts, and the checks that send everything else to quarantine.

A frame becomes a `NewEvent` only if its headers identify it (eventId, eventType, a sane
eventBornTime, a messageId to ACK), its type is one we know, its `data` is a JSON object and
the fields the refresh logic relies on are present, typed and within sane dates. The table is
mirrored in docs/listener.md; payload shapes follow the reference, section 5.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dingtalk_stream import EventMessage

from pipelines.days import SHANGHAI, UTC8, UTC8_MS
from pipelines.stream.models import NewEvent

EARLIEST = datetime(2010, 1, 1, tzinfo=SHANGHAI)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$")


class InvalidEvent(ValueError):
    """The frame cannot be stored as an event; the message is the quarantine reason."""


@dataclass(frozen=True)
class EventRule:
    """Required payload fields of one event type; `items` names a list whose entries hold them."""

    fields: Mapping[str, str] = field(default_factory=dict)
    items: str | None = None


_USER_EVENT = EventRule({"userId": "list"})
_DEPT_EVENT = EventRule({"deptId": "list"})
_CONFIG_EVENT = EventRule({"id": "id", "action": "text"})

KNOWN_EVENTS: dict[str, EventRule] = {
    "attendance_check_record": EventRule({"userId": "text", "checkTime": "epoch_ms"}, "dataList"),
    "attendance_overtime_duration": EventRule(
        {"userid": "text", "workDate": "epoch_ms"}, "dataList"
    ),
    "attendance_approve_status_change": EventRule({"processInstanceId": "text", "status": "text"}),
    "bpms_instance_change": EventRule({"processInstanceId": "text", "type": "text"}),
    "bpms_task_change": EventRule({"processInstanceId": "text", "type": "text"}),
    "attend_user_daily_summary_refresh": EventRule({"userId": "text", "workDate": "date"}),
    "attend_bossCheck_change": EventRule({"userId": "text", "workDate": "date"}),
    "attendance_report_column_change": EventRule({"columnId": "id"}),
    "attend_group_change": _CONFIG_EVENT,
    "attend_shift_change": _CONFIG_EVENT,
    # Name confirmed, payload undocumented (reference 5.6): accepted as a bare trigger.
    "attendance_schedule_change": EventRule(),
    "user_add_org": _USER_EVENT,
    "user_modify_org": _USER_EVENT,
    "user_leave_org": _USER_EVENT,
    "user_active_org": _USER_EVENT,
    "org_dept_create": _DEPT_EVENT,
    "org_dept_modify": _DEPT_EVENT,
    "org_dept_remove": _DEPT_EVENT,
}


@dataclass(frozen=True)
class DateWindow:
    """Dates outside [earliest, now + max_future] are absurd (a bug or a forged frame).

    Checks compare epoch milliseconds and ISO date strings (both order like the dates they
    encode), which keeps validation cheap on the hot path.
    """

    max_future: timedelta = timedelta(days=400)
    earliest: datetime = EARLIEST

    def __post_init__(self) -> None:
        object.__setattr__(self, "_earliest_ms", self.earliest.timestamp() * 1000)
        object.__setattr__(self, "_future_ms", self.max_future.total_seconds() * 1000)
        object.__setattr__(self, "_earliest_day", self.earliest.date())

    def check_ms(self, value: int, name: str) -> None:
        if not self._earliest_ms <= value <= time.time() * 1000 + self._future_ms:
            raise InvalidEvent(f"absurd date in {name}: {value}")

    def check_day(self, day: date, name: str) -> None:
        # The latest day in UTC+8 without a time-zone lookup (Shanghai has no DST since 1991).
        latest = date.fromordinal(
            _EPOCH_ORDINAL + int(time.time() * 1000 + UTC8_MS + self._future_ms) // 86_400_000
        )
        if not self._earliest_day <= day <= latest:
            raise InvalidEvent(f"absurd date in {name}: {day.isoformat()}")


def parse_event(message: EventMessage, window: DateWindow | None = None) -> NewEvent:
    """Validate an SDK `EventMessage` and turn it into a `NewEvent`.

    Raises:
        InvalidEvent: with a one-line reason, for anything that must go to quarantine.
    """
    window = window or DateWindow()
    headers = message.headers
    event_id = _header_text(headers.event_id, "eventId")
    event_type = _header_text(headers.event_type, "eventType")
    _header_text(headers.message_id, "messageId")
    if not isinstance(headers.event_born_time, int):
        raise InvalidEvent("missing header eventBornTime")
    born_at = _epoch(headers.event_born_time, "eventBornTime", window)
    rule = KNOWN_EVENTS.get(event_type)
    if rule is None:
        raise InvalidEvent(f"unknown event type {event_type[:80]!r}")
    if not isinstance(message.data, dict):
        raise InvalidEvent(f"data is a JSON {type(message.data).__name__}, not an object")
    _check_payload(message.data, rule, window)
    return NewEvent(
        event_id=event_id,
        event_type=event_type,
        born_at=born_at,
        payload=message.data,
        source="stream",
        corp_id=headers.event_corp_id if isinstance(headers.event_corp_id, str) else None,
        message_id=headers.message_id,
        headers=frame_headers(message),
    )


def frame_headers(message: EventMessage) -> dict[str, Any]:
    """The frame's headers with their wire names (the SDK's `to_dict` drops the event ones)."""
    headers = message.headers
    wire = {
        "eventId": headers.event_id,
        "eventType": headers.event_type,
        "eventBornTime": headers.event_born_time,
        "eventCorpId": headers.event_corp_id,
        "eventUnifiedAppId": headers.event_unified_app_id,
    }
    wire.update(headers.to_dict())
    return {key: value for key, value in wire.items() if value is not None}


def _header_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"missing header {name}")
    return value


def _check_payload(data: dict[str, Any], rule: EventRule, window: DateWindow) -> None:
    if rule.items is None:
        _check_fields(data, rule.fields, window, prefix="")
        return
    entries = data.get(rule.items)
    if not isinstance(entries, list) or not entries:
        raise InvalidEvent(f"missing field {rule.items} (a non-empty list)")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidEvent(f"{rule.items}[{index}] is not an object")
        _check_fields(entry, rule.fields, window, prefix=f"{rule.items}[{index}].")


def _check_fields(
    data: Mapping[str, Any], fields: Mapping[str, str], window: DateWindow, prefix: str
) -> None:
    for name, kind in fields.items():
        label = prefix + name
        if name not in data or data[name] is None:
            raise InvalidEvent(f"missing field {label}")
        _CHECKS[kind](data[name], label, window)


def _text(value: Any, label: str, window: DateWindow) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"field {label} is not a non-empty string")


def _identifier(value: Any, label: str, window: DateWindow) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise InvalidEvent(f"field {label} is not an id (string or integer)")


def _non_empty_list(value: Any, label: str, window: DateWindow) -> None:
    if not isinstance(value, list) or not value:
        raise InvalidEvent(f"field {label} is not a non-empty list")


def _epoch_field(value: Any, label: str, window: DateWindow) -> None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEvent(f"field {label} is not epoch milliseconds")
    window.check_ms(value, label)


def _date_field(value: Any, label: str, window: DateWindow) -> None:
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise InvalidEvent(f"field {label} is not a yyyy-MM-dd date")
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidEvent(f"field {label} is not a real date: {value!r}") from None
    window.check_day(day, label)


def _epoch(value: int, label: str, window: DateWindow) -> datetime:
    window.check_ms(value, label)
    # A fixed +08:00 offset equals Asia/Shanghai for every date the window accepts (no DST
    # since 1991) and avoids a zoneinfo lookup per event; stored events come back in
    # ZoneInfo("Asia/Shanghai") anyway (the inbox keeps epoch milliseconds).
    return datetime.fromtimestamp(value / 1000, tz=UTC8)


_CHECKS = {
    "text": _text,
    "id": _identifier,
    "list": _non_empty_list,
    "epoch_ms": _epoch_field,
    "date": _date_field,
}
