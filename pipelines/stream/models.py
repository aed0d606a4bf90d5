"""Value objects shared by the inbox, the handler and the consumers of the inbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pipelines.days import SHANGHAI

Source = Literal["stream", "failed_push"]


def from_epoch_ms(value: int) -> datetime:
    """Turn epoch milliseconds into an aware datetime in Asia/Shanghai."""
    return datetime.fromtimestamp(value / 1000, tz=SHANGHAI)


def to_epoch_ms(value: datetime) -> int:
    """Turn an aware datetime into epoch milliseconds."""
    return int(value.timestamp() * 1000)


@dataclass(frozen=True)
class NewEvent:
    """An event about to be written to the inbox (validated, not yet stored)."""

    event_id: str
    event_type: str
    born_at: datetime
    payload: dict[str, Any]
    source: Source = "stream"
    corp_id: str | None = None
    message_id: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the inbox holds it; `seq` increases monotonically with each insert."""

    seq: int
    event_id: str
    event_type: str
    born_at: datetime
    received_at: datetime
    source: Source
    payload: dict[str, Any]
    corp_id: str | None = None
    message_id: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AddResult:
    """What `Inbox.add` did: events newly stored and deliveries absorbed as duplicates."""

    inserted: int
    duplicates: int
    duplicate_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gap:
    """A period during which no listener was connected; events in it may have been missed."""

    id: int
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class InboxStats:
    """The operator's view of the inbox (`dingtalk-attendance inbox stats`)."""

    received: int
    duplicates: int
    quarantined: int
    pending: int
    consumed_seq: int
    last_event_at: datetime | None
    last_received_at: datetime | None
    open_connections: int
    gaps: tuple[Gap, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601 strings)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "received": self.received,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "pending": self.pending,
            "consumed_seq": self.consumed_seq,
            "last_event_at": iso(self.last_event_at),
            "last_received_at": iso(self.last_received_at),
            "open_connections": self.open_connections,
            "gaps": [
                {"id": g.id, "start": iso(g.start), "end": iso(g.end), "reason": g.reason}
                for g in self.gaps
            ],
        }
