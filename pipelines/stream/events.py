"""Which events the listener accepts, and the checks that send everything else to quarantine.

A frame becomes a `NewEvent` only if its headers identify it (eventId, eventType, a sane
eventBornTime, a messageId to ACK), its type is one we know, its `data` is a JSON object and
the fields the refresh logic relies on are present, typed and within sane dates. The types and
their fields come from the one table in `pipelines/stream/event_types.py`, which the refresh
mapping reads too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from typing import Any, Protocol, cast

# The SDK ships no type information; `_Frame` below is the typed view of what we read.
from dingtalk_stream import EventMessage  # pyright: ignore[reportMissingTypeStubs]

from pipelines.days import SHANGHAI, UTC8, UTC8_MS
from pipelines.stream.event_types import KNOWN_EVENTS, EventSpec, PayloadField, spelling_in
from pipelines.stream.models import NewEvent

EARLIEST = datetime(2010, 1, 1, tzinfo=SHANGHAI)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Anchored with \A...\Z ($ also matches before a final newline) and ASCII digits only.
_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}:[0-9]{2})?\Z")
_DIGITS = re.compile(r"\A[0-9]+\Z")


class InvalidEvent(ValueError):
    """The frame cannot be stored as an event; the message is the quarantine reason."""


@dataclass(frozen=True)
class DateWindow:
    """Dates outside [earliest, now + max_future] are absurd (a bug or a forged frame).

    Checks compare epoch milliseconds and ISO date strings (both order like the dates they
    encode), which keeps validation cheap on the hot path.
    """

    max_future: timedelta = timedelta(days=400)
    earliest: datetime = EARLIEST
    _earliest_ms: float = field(init=False, repr=False, compare=False)
    _future_ms: float = field(init=False, repr=False, compare=False)
    _earliest_day: date = field(init=False, repr=False, compare=False)

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


class _Headers(Protocol):
    """The SDK's `Headers` as we read it: the untyped SDK leaves every value unknown."""

    @property
    def event_id(self) -> object: ...
    @property
    def event_type(self) -> object: ...
    @property
    def event_born_time(self) -> object: ...
    @property
    def event_corp_id(self) -> object: ...
    @property
    def event_unified_app_id(self) -> object: ...
    @property
    def message_id(self) -> object: ...
    def to_dict(self) -> Mapping[str, object]: ...


class _Frame(Protocol):
    @property
    def headers(self) -> _Headers: ...
    @property
    def data(self) -> object: ...


def parse_event(message: EventMessage, window: DateWindow | None = None) -> NewEvent:
    """Validate an SDK `EventMessage` and turn it into a `NewEvent`.

    Raises:
        InvalidEvent: with a one-line reason, for anything that must go to quarantine.
    """
    window = window or DateWindow()
    frame = cast(_Frame, message)
    headers = frame.headers
    event_id = _header_text(headers.event_id, "eventId")
    event_type = _header_text(headers.event_type, "eventType")
    message_id = _header_text(headers.message_id, "messageId")
    born_ms = headers.event_born_time
    if not isinstance(born_ms, int):
        raise InvalidEvent("missing header eventBornTime")
    born_at = _epoch(born_ms, "eventBornTime", window)
    spec = KNOWN_EVENTS.get(event_type)
    if spec is None:
        raise InvalidEvent(f"unknown event type {event_type[:80]!r}")
    data = frame.data
    if not isinstance(data, dict):
        raise InvalidEvent(f"data is a JSON {type(data).__name__}, not an object")
    payload = cast(dict[str, Any], data)
    _check_payload(payload, spec, window)
    return NewEvent(
        event_id=event_id,
        event_type=event_type,
        born_at=born_at,
        payload=payload,
        source="stream",
        corp_id=headers.event_corp_id if isinstance(headers.event_corp_id, str) else None,
        message_id=message_id,
        headers=frame_headers(message),
    )


def frame_headers(message: EventMessage) -> dict[str, Any]:
    """The frame's headers with their wire names (the SDK's `to_dict` drops the event ones)."""
    headers = cast(_Frame, message).headers
    wire: dict[str, object] = {
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


def _check_payload(data: dict[str, Any], spec: EventSpec, window: DateWindow) -> None:
    if not spec.items:
        _check_fields(data, spec.fields, window, prefix="")
        return
    spelling = spelling_in(data, spec.items)
    entries = data[spelling] if spelling is not None else None
    if not isinstance(entries, list) or not entries:
        raise InvalidEvent(f"missing field {spec.items[0]} (a non-empty list)")
    for index, entry in enumerate(cast(list[object], entries)):
        if not isinstance(entry, dict):
            raise InvalidEvent(f"{spelling}[{index}] is not an object")
        _check_fields(cast(dict[str, Any], entry), spec.fields, window, f"{spelling}[{index}].")


def _check_fields(
    data: Mapping[str, Any], fields: tuple[PayloadField, ...], window: DateWindow, prefix: str
) -> None:
    for payload_field in fields:
        spelling = spelling_in(data, payload_field.spellings)
        if spelling is None:
            raise InvalidEvent(f"missing field {prefix}{payload_field.name}")
        _CHECKS[payload_field.kind](data[spelling], prefix + spelling, window)


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
    if isinstance(value, str) and _DIGITS.match(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEvent(f"field {label} is not epoch milliseconds")
    window.check_ms(value, label)


def _date_field(value: Any, label: str, window: DateWindow) -> None:
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise InvalidEvent(f"field {label} is not a yyyy-MM-dd date")
    try:
        day = date.fromisoformat(value[:10])
        if len(value) > 10:
            dt_time.fromisoformat(value[11:])  # "99:99:99" matches the pattern, is no time
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
