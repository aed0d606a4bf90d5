"""Stream frames on the wire (reference section 4): building downstream frames, reading ACKs.

Pure functions, no I/O: the gateway calls them for every frame, so they stay cheap.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

logger = logging.getLogger(__name__)

AckKind = Literal["success", "later", "error", "invalid"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class MessageIds:
    """Generates messageIds shaped like DingTalk's (``213d841d_972_1898bb26334_70a7``)."""

    def __init__(self) -> None:
        self._prefix = secrets.token_hex(4)
        self._counter = itertools.count(1)

    def next(self) -> str:
        """Return a new, process-unique messageId."""
        millis = time.time_ns() // 1_000_000
        return f"{self._prefix}_{next(self._counter)}_{millis:x}_{secrets.token_hex(2)}"


def now_millis() -> int:
    """Wall-clock epoch milliseconds, as the ``time`` header carries them."""
    return time.time_ns() // 1_000_000


def epoch_millis(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime, in integers (floats drift by a millisecond)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def event_headers(
    *,
    message_id: str,
    event_id: str,
    event_type: str,
    born_millis: int,
    corp_id: str,
    unified_app_id: str,
) -> dict[str, str]:
    """Headers of an EVENT frame; all values are strings, as DingTalk sends them."""
    return {
        "topic": "*",
        "messageId": message_id,
        "contentType": "application/json",
        "time": "0",
        "eventType": event_type,
        "eventId": event_id,
        "eventCorpId": corp_id,
        "eventBornTime": str(born_millis),
        "eventUnifiedAppId": unified_app_id,
    }


def event_frame(headers: dict[str, str], data_json: str, sent_millis: int) -> str:
    """Serialise an EVENT frame; ``data`` stays a JSON *string* (the SDK ``json.loads`` it)."""
    stamped = dict(headers, time=str(sent_millis))
    return _dumps({"specVersion": "1.0", "type": "EVENT", "headers": stamped, "data": data_json})


def system_frame(topic: str, message_id: str, data: dict) -> str:
    """Serialise a SYSTEM frame (``ping`` or ``disconnect``)."""
    headers = {
        "topic": topic,
        "messageId": message_id,
        "contentType": "application/json",
        "time": str(now_millis()),
    }
    return _dumps(
        {"specVersion": "1.0", "type": "SYSTEM", "headers": headers, "data": _dumps(data)}
    )


def encode_payload(data: dict) -> str:
    """The JSON text that travels in a frame's ``data`` field."""
    return _dumps(data)


@dataclass(frozen=True, slots=True)
class Ack:
    """A client frame read as an acknowledgement."""

    message_id: str | None
    kind: AckKind
    data: dict | None = None


def read_ack(raw: str | bytes) -> Ack:
    """Classify a client frame (reference 4.4).

    Protocol-style ACKs carry ``data`` ``{"status": "SUCCESS"|"LATER"}``; SDK 0.24.3 echoes the
    event payload without ``status``. Rule: ``LATER`` anywhere means redeliver; otherwise code
    200 is success and any other code is an error (also redelivered).
    """
    try:
        frame = json.loads(raw)
    except ValueError:
        return Ack(None, "invalid")
    if not isinstance(frame, dict) or not isinstance(frame.get("headers"), dict):
        return Ack(None, "invalid")
    message_id = frame["headers"].get("messageId")
    if not isinstance(message_id, str) or not message_id:
        return Ack(None, "invalid")
    data = _ack_data(frame.get("data"))
    status = data.get("status") if data is not None else None
    if status == "LATER":
        return Ack(message_id, "later", data)
    try:
        code = int(frame.get("code", 0))
    except (TypeError, ValueError):
        return Ack(message_id, "invalid", data)
    return Ack(message_id, "success" if code == 200 else "error", data)


def _ack_data(data: object) -> dict | None:
    """ACK ``data`` is JSON text per the protocol; tolerate an object too."""
    if isinstance(data, str) and data:
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return data if isinstance(data, dict) else None
