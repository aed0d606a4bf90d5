"""Failed-push reconciliation: DingTalk's failed-push list into the inbox, losing nothing.

The list is read-once (DingTalk deletes what it returns), so every raw page is committed to a
`FailedPushPageStore` before it is parsed, and a page is marked processed only after its events
are in the inbox; a run that crashes in between is completed by the next run from
the stored page. Entries become inbox events with source `failed_push` and a deterministic id
(a hash of type, time and payload), so reading the same entry twice stores it once, and an
entry whose event already arrived over Stream (same type, born time and payload) is skipped.
Entries that cannot be turned into a usable event are quarantined in the inbox with a reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from pipelines.refresh.actions import Ignore
from pipelines.refresh.mapping import actions_for_event
from pipelines.stream.events import KNOWN_EVENTS
from pipelines.stream.models import NewEvent, from_epoch_ms
from pipelines.stream.protocol import EventInbox

logger = logging.getLogger(__name__)

PAYLOAD_KEYS = ("callbackData", "bpmsCallBackData", "roleLabelChange")


class UnusableEntry(ValueError):
    """A failed-push entry that cannot become an event; the message is the quarantine reason."""


class FailedPushPageStore(Protocol):
    """Durable raw failed-push pages (SQLite: `pipelines.state.failed_push_pages`)."""

    def save(self, raw: bytes | dict[str, Any]) -> int:
        """Commit one raw page durably (the body's bytes, stored as they are); returns its id."""
        ...

    def unprocessed(self) -> list[tuple[int, dict[str, Any]]]:
        """Pages saved but not yet turned into inbox events, oldest first."""
        ...

    def mark_processed(self, page_id: int) -> None: ...

    def last_fetch_ms(self) -> int | None:
        """When the list was last read (epoch ms), None if never."""
        ...

    def close(self) -> None: ...


@dataclass
class ReconcileResult:
    """Counts of one reconciliation run (shown as the asset's metadata)."""

    pages: int = 0
    entries: int = 0
    inserted: int = 0
    duplicates: int = 0  # already in the inbox under the same failed-push id
    already_streamed: int = 0  # the same event had arrived over Stream
    quarantined: int = 0
    resumed_pages: int = 0
    types: dict[str, int] = field(default_factory=dict)


def reconcile_failed_pushes(
    fetch_page: Callable[[], bytes | dict[str, Any]],
    pages: FailedPushPageStore,
    inbox: EventInbox,
    max_pages: int = 50,
) -> ReconcileResult:
    """Finish pages left by an earlier run, then drain the list while it says `has_more`."""
    result = ReconcileResult()
    for page_id, raw in pages.unprocessed():
        _process(page_id, raw, pages, inbox, result)
        result.resumed_pages += 1
    for _ in range(max_pages):
        body = fetch_page()
        page_id = pages.save(body)  # durable before decoding: the list is read-once
        raw = json.loads(body) if isinstance(body, bytes) else body
        result.pages += 1
        _process(page_id, raw, pages, inbox, result)
        if not raw.get("has_more"):
            break
    else:
        logger.warning(
            "failed-push list still has more after %d pages; next run continues", max_pages
        )
    return result


def _process(
    page_id: int,
    raw: dict[str, Any],
    pages: FailedPushPageStore,
    inbox: EventInbox,
    result: ReconcileResult,
) -> None:
    events: list[NewEvent] = []
    for entry in raw.get("failed_list") or []:
        result.entries += 1
        try:
            event = entry_to_event(entry)
        except UnusableEntry as error:
            inbox.quarantine(_dumps(entry), f"failed-push entry: {error}")
            result.quarantined += 1
            continue
        if already_streamed(inbox, event):
            result.already_streamed += 1
            continue
        result.types[event.event_type] = result.types.get(event.event_type, 0) + 1
        events.append(event)
    added = inbox.add(events)
    result.inserted += added.inserted
    result.duplicates += added.duplicates
    pages.mark_processed(page_id)


@dataclass(frozen=True)
class PollDecision:
    """Whether reading the failed-push list now can find anything, and why."""

    poll: bool
    reason: str


def should_poll(
    inbox: EventInbox,
    last_fetch_ms: int | None,
    now_ms: int,
    max_interval_s: float,
    settle_s: float,
) -> PollDecision:
    """Read the list (a metered call) only when an event may have failed to arrive.

    Events land in the list when no listener could take them, a few minutes after the last
    retry: so after a disconnection, while no listener is connected, and at least every
    `max_interval_s` in case a delivery failed for a reason the journal cannot see.
    """
    if last_fetch_ms is None:
        return PollDecision(True, "never read")
    coverage = inbox.listener_coverage()
    if coverage.open_connections == 0:
        return PollDecision(True, "no listener connected")
    last_disconnect = coverage.last_disconnected_at
    if last_disconnect is not None and (
        last_disconnect + timedelta(seconds=settle_s) >= from_epoch_ms(last_fetch_ms)
    ):
        return PollDecision(True, "a listener disconnected since the last read")
    if now_ms - last_fetch_ms >= max_interval_s * 1000:
        return PollDecision(True, f"not read for {max_interval_s / 3600:.1f} h")
    return PollDecision(False, "a listener has been connected since the last read")


def entry_to_event(entry: Any) -> NewEvent:
    """One old-API entry (reference 6.1) as an inbox event; UnusableEntry says why not."""
    if not isinstance(entry, dict):
        raise UnusableEntry(f"entry is a JSON {type(entry).__name__}, not an object")
    tag, born = entry.get("call_back_tag"), entry.get("event_time")
    if not isinstance(tag, str) or tag not in KNOWN_EVENTS:
        raise UnusableEntry(f"unknown call_back_tag {str(tag)[:80]!r}")
    if isinstance(born, bool) or not isinstance(born, int):
        raise UnusableEntry("event_time is not epoch milliseconds")
    body = entry.get(tag)
    if not isinstance(body, dict):
        raise UnusableEntry(f"{tag} body is not an object (DingTalk sent {type(body).__name__})")
    payload = _payload(body, tag)
    mapped = actions_for_event(tag, payload)
    unusable = next((a for a in mapped if isinstance(a, Ignore) and "unusable" in a.reason), None)
    if unusable is not None:
        raise UnusableEntry(unusable.reason)
    try:
        identity = content_hash(tag, born, payload)
    except UnicodeEncodeError:  # valid JSON ("\ud800"), but no UTF-8 store can hold it
        raise UnusableEntry("payload holds a lone UTF-16 surrogate (not valid Unicode)") from None
    return NewEvent(
        event_id=f"failed_push:{identity}",
        event_type=tag,
        born_at=from_epoch_ms(born),
        payload=payload,
        source="failed_push",
        corp_id=body.get("corpid") if isinstance(body.get("corpid"), str) else None,
    )


def _payload(body: dict, tag: str) -> dict:
    key = next((key for key in PAYLOAD_KEYS if key in body), None)
    if key is None:
        raise UnusableEntry(f"{tag} body has no callbackData")
    payload = body[key]
    if isinstance(payload, str):  # some answers hold JSON text, some a Java toString()
        try:
            payload = json.loads(payload)
        except ValueError:
            raise UnusableEntry(f"{key} is not JSON: {payload[:60]!r}") from None
    if not isinstance(payload, dict):
        raise UnusableEntry(f"{key} is a JSON {type(payload).__name__}, not an object")
    return payload


def content_hash(event_type: str, born_ms: int, payload: dict) -> str:
    """Stable identity of an event's content (the failed list carries no eventId)."""
    text = f"{event_type}\n{born_ms}\n{_dumps(payload)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def already_streamed(inbox: EventInbox, event: NewEvent) -> bool:
    """True when the inbox holds the same event received over Stream (its own eventId)."""
    wanted = _dumps(event.payload)
    streamed = inbox.events_born_at(event.event_type, event.born_at, source="stream")
    return any(_dumps(stored.payload) == wanted for stored in streamed)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
