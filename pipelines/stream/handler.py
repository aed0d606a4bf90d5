"""The SDK event handler: persist before ACK, quarantine bad input, never raise.

`dingtalk_stream.EventHandler.raw_process` (SDK 0.24.3) ACKs by echoing the event's data with no
`status` field and sends no ACK at all when `process()` raises. We override `raw_process` so
that every outcome gets an explicit answer:

- stored (or already stored: a duplicate) -> `{"status": "SUCCESS"}`, sent only after commit;
- bad input -> quarantined with its reason, then `SUCCESS` so it does not loop forever; that
  includes an event that parses but cannot be stored (the writer isolates it from its batch);
- the inbox write failed -> `{"status": "LATER"}`: DingTalk redelivers, nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from dingtalk_stream import AckMessage, EventHandler, EventMessage
from dingtalk_stream.frames import Headers

from pipelines.stream.events import DateWindow, InvalidEvent, frame_headers, parse_event
from pipelines.stream.inbox import EventInbox
from pipelines.stream.writer import BatchWriter, EventRejected, WriteFailed

log = logging.getLogger(__name__)

SUCCESS = "SUCCESS"
LATER = "LATER"


@dataclass
class HandlerCounters:
    """What this process did with the events it was handed (logged at shutdown)."""

    stored: int = 0
    quarantined: int = 0
    deferred: int = 0
    oversized: int = 0  # frames over the size limit (also counted in `quarantined`)


def build_ack(message_id: str, status: str) -> AckMessage:
    """An EVENT ACK carrying an explicit status, as the Stream protocol asks (reference 4.4)."""
    ack = AckMessage()
    ack.code = AckMessage.STATUS_OK
    ack.headers.message_id = message_id
    ack.headers.content_type = Headers.CONTENT_TYPE_APPLICATION_JSON
    ack.message = "OK" if status == SUCCESS else "later"
    ack.data = {"status": status, "message": status.lower()}
    return ack


class InboxEventHandler(EventHandler):
    """Writes each event to the inbox (group commit) before ACKing it.

    Args:
        inbox: where quarantined input goes (events go through `writer`).
        writer: the group-commit writer in front of the same inbox.
        window: the range of dates accepted as sane.
    """

    def __init__(self, inbox: EventInbox, writer: BatchWriter, window: DateWindow | None = None):
        super().__init__()
        self.inbox = inbox
        self.writer = writer
        self.window = window or DateWindow()
        self.counters = HandlerCounters()

    async def raw_process(self, event_message: EventMessage) -> AckMessage | None:
        """Persist, then answer; returns None only when the frame has no messageId to answer."""
        message_id = event_message.headers.message_id
        try:
            event = parse_event(event_message, self.window)
        except InvalidEvent as error:
            return await self.reject(_frame_text(event_message), str(error), message_id)
        except Exception as error:  # a bug in validation must not loop or crash: keep the input
            reason = f"unexpected validation error: {error!r}"[:300]
            return await self.reject(_frame_text(event_message), reason, message_id)
        answer_to = event.message_id
        assert answer_to is not None  # parse_event requires a messageId
        try:
            await self.writer.submit(event)
        except EventRejected as error:
            return await self.reject(_frame_text(event_message), str(error), message_id)
        except WriteFailed as error:
            self.counters.deferred += 1
            log.warning("event not stored, answering LATER", extra={"error": str(error)})
            return build_ack(answer_to, LATER)
        self.counters.stored += 1
        return build_ack(answer_to, SUCCESS)

    async def reject(self, raw: str, reason: str, message_id: object) -> AckMessage | None:
        """Quarantine bad input, then ACK it (LATER if even the quarantine write failed)."""
        text_id = message_id if isinstance(message_id, str) else None  # the column is text
        answer_to = text_id or None  # only a non-empty messageId can be answered
        try:
            first_time = await asyncio.to_thread(self.inbox.quarantine, raw, reason, text_id)
        except Exception as error:
            self.counters.deferred += 1
            log.error("quarantine write failed", extra={"reason": reason, "error": repr(error)})
            return build_ack(answer_to, LATER) if answer_to else None
        self.counters.quarantined += 1
        if first_time:  # a redelivered bad frame is counted again but logged once
            log.warning("quarantined", extra={"reason": reason, "message_id": message_id})
        return build_ack(answer_to, SUCCESS) if answer_to else None


def _frame_text(message: EventMessage) -> str:
    """Rebuild the frame as text for quarantine (the SDK already decoded it)."""
    try:
        headers = frame_headers(message)
    except Exception:
        headers = {"unreadable": True}
    frame = {"type": "EVENT", "headers": headers, "data": message.data}
    try:
        return json.dumps(frame, ensure_ascii=False, default=repr, sort_keys=True)
    except (ValueError, RecursionError):  # nested too deep to serialize: keep the headers
        return f"frame too deeply nested to serialize; headers: {str(headers)[:4096]}"
