"""Delivery engine of the Stream gateway: which connection gets a message, ACKs, redelivery.

Everything here runs on the gateway's event loop except `Dispatcher.submit`, which any thread
may call. One dispatcher task wakes on new messages or the next redelivery deadline and hands
frames to per-connection writer tasks in batches, so a burst of events costs one wake-up.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from starlette.websockets import WebSocket

from pipelines.days import SHANGHAI
from pipelines.emulator.stream.config import GatewayConfig
from pipelines.emulator.stream.failed import FailedPush, FailedPushList
from pipelines.emulator.stream.frames import MessageIds, event_frame, now_millis, read_ack
from pipelines.emulator.stream.quota import PushQuota

logger = logging.getLogger(__name__)

ROUND_SIZE = 500  # messages per dispatcher round: bounds how long one round holds the loop


@dataclass(slots=True, eq=False)
class Message:
    """One event on its way to a client; redeliveries reuse its messageId and eventId."""

    message_id: str
    event_id: str
    event_type: str
    born_millis: int
    headers: dict[str, str]
    data_json: str
    payload: dict
    attempts: int = 0
    generation: int = 0  # bumped whenever a timer is armed, so stale timers are ignored
    delivered: bool = False  # reached a client at least once
    done: bool = False


@dataclass(eq=False)
class Connection:
    """An accepted WebSocket with its outgoing batch."""

    websocket: WebSocket
    wants_events: bool
    number: int
    outbox: list[str] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    draining: bool = False

    def enqueue(self, frame: str) -> None:
        self.outbox.append(frame)
        self.ready.set()

    async def write_loop(self) -> None:
        """Send queued frames in order until the socket fails or the task is cancelled."""
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                frames, self.outbox = self.outbox, []
                for frame in frames:
                    await self.websocket.send_text(frame)
        except Exception as error:  # the client went away; unACKed messages get redelivered
            logger.debug("connection %d stopped sending: %r", self.number, error)


class Dispatcher:
    """Owns messages in flight, the redelivery timers, the connections and the counters."""

    def __init__(self, config: GatewayConfig, failed: FailedPushList, ids: MessageIds) -> None:
        self.config = config
        self.failed = failed
        self.ids = ids
        self.connections: dict[int, Connection] = {}
        self.counts: Counter[str] = Counter()
        self.quota = PushQuota(
            quota=config.push_quota_per_month,
            enforced=config.enforce_push_quota,
            on_exhausted=config.push_quota_on_exhausted,
            per_attempt=config.meter_redeliveries,
        )
        self.pushes_by_month = self.quota.by_month
        self.paused_month: str | None = None  # error_20001: the month whose pushes ran out
        self.on_paused: Callable[[], None] | None = None  # called when pushes get paused
        self._numbers = itertools.count(1)
        self._rng = random.Random(config.seed)
        self._inbox: deque[Message] = deque()  # filled from any thread
        self._ready: deque[Message] = deque()
        self._waiting: deque[Message] = deque()  # offline_policy="queue", nobody connected
        self._open: dict[str, Message] = {}
        self._timers: list[tuple[float, int, Message, int]] = []
        self._timer_seq = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._wake_requested = False

    # -- any thread -------------------------------------------------------------------------

    def submit(self, message: Message) -> None:
        """Queue a new message; safe from any thread, cheap when called in bursts."""
        self._inbox.append(message)
        if self._loop is not None and not self._wake_requested:
            self._wake_requested = True
            try:
                self._loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:  # loop closed: the message waits for the next startup
                self._wake_requested = False

    # -- event loop -------------------------------------------------------------------------

    async def run(self) -> None:
        """Dispatch until cancelled."""
        self._wake = asyncio.Event()  # bound to this loop (the gateway may be restarted)
        self._loop = asyncio.get_running_loop()
        try:
            await self._dispatch_forever()
        finally:
            self._loop = None

    async def _dispatch_forever(self) -> None:
        while True:
            self._wake_requested = False
            self._wake.clear()
            self._ingest()
            self._fire_timers()
            more = self._deliver_ready()
            timeout = self._timers[0][0] - time.monotonic() if self._timers else None
            if more or (timeout is not None and timeout <= 0):
                await asyncio.sleep(0)  # let writers and ACK readers run between rounds
                continue
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def wake(self) -> None:
        self._wake.set()

    def add_connection(self, websocket: WebSocket, wants_events: bool) -> Connection:
        conn = Connection(websocket, wants_events, next(self._numbers))
        self.connections[conn.number] = conn
        self.counts["connections_total"] += 1
        if wants_events and self._waiting:
            self._ready.extend(self._waiting)
            self._waiting.clear()
        self.wake()
        return conn

    def remove_connection(self, conn: Connection) -> None:
        # Frames still in its outbox are lost on the wire; their timers redeliver them.
        self.connections.pop(conn.number, None)

    def on_client_frame(self, raw: str | bytes, pings: set[str]) -> None:
        """Apply one frame received from a client (an ACK of an event or of a ping)."""
        ack = read_ack(raw)
        if ack.message_id is not None and ack.message_id in pings:
            pings.discard(ack.message_id)
            self.counts["acks_ping"] += 1
            return
        if ack.kind == "invalid" or ack.message_id is None:  # only an invalid ACK lacks an id
            self.counts["acks_invalid"] += 1
            logger.warning("ignored a client frame that is not an ACK (%d bytes)", len(raw))
            return
        message = self._open.get(ack.message_id)
        if message is None:
            self.counts["acks_unknown"] += 1  # late ACK of a finished message, or a duplicate's
            return
        self.counts[f"acks_{ack.kind}"] += 1
        if ack.kind == "success":
            message.done = True
            del self._open[message.message_id]
        else:
            self._arm_timer(message)  # LATER or error: push again after the delay

    # -- internals --------------------------------------------------------------------------

    def _ingest(self) -> None:
        inbox = self._inbox
        while inbox:
            message = inbox.popleft()
            self._open[message.message_id] = message
            self._ready.append(message)
            self.counts["events_published"] += 1

    def _fire_timers(self) -> None:
        now = time.monotonic()
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, _, message, generation = heapq.heappop(timers)
            if message.done or generation != message.generation:
                continue
            if message.attempts >= self.config.max_attempts:
                self._give_up(message)
            else:
                self._ready.append(message)

    def _deliver_ready(self) -> bool:
        """Send up to `ROUND_SIZE` ready messages; True if more are waiting."""
        if not self._ready:
            return False
        targets = [c for c in self.connections.values() if c.wants_events and not c.draining]
        if not targets and self.config.offline_policy == "queue":
            self._waiting.extend(m for m in self._ready if not m.done)
            self._ready.clear()
            return False
        sent_millis = now_millis()
        ready = self._ready
        for _ in range(min(ROUND_SIZE, len(ready))):
            message = ready.popleft()
            if not message.done:
                self._attempt(message, targets, sent_millis)
        return bool(ready)

    def _attempt(self, message: Message, targets: list[Connection], sent_millis: int) -> None:
        """One delivery attempt; with no connection the attempt fails silently, like a push
        to an unreachable client, and the redelivery timer takes over."""
        message.attempts += 1
        if message.attempts > 1:
            self.counts["redeliveries"] += 1
        self._arm_timer(message)
        if not targets:
            self.counts["attempts_offline"] += 1
            return
        first = not message.delivered
        if (first or self.quota.per_attempt) and not self._meter(message):
            return
        if first:
            message.delivered = True
            self.counts["events_delivered"] += 1
        self._rng.choice(targets).enqueue(
            event_frame(message.headers, message.data_json, sent_millis)
        )
        self.counts["deliveries"] += 1
        if first and self._rng.random() < self.config.duplicate_rate:
            self._send_duplicate(message, targets, sent_millis)

    def _send_duplicate(self, message: Message, targets: list[Connection], millis: int) -> None:
        """A network-level duplicate: same eventId, its own messageId, never redelivered."""
        if self.quota.per_attempt and not self._meter(message):
            return
        headers = dict(message.headers, messageId=self.ids.next())
        self._rng.choice(targets).enqueue(event_frame(headers, message.data_json, millis))
        self.counts["deliveries"] += 1
        self.counts["duplicates_sent"] += 1

    def _meter(self, message: Message) -> bool:
        """Count a push against the month of the event; False if an enforced quota forbids it."""
        month = datetime.fromtimestamp(message.born_millis / 1000, SHANGHAI).strftime("%Y-%m")
        allowed, over = self.quota.admit(month)
        if not allowed:
            self.counts["quota_suppressed"] += 1
            message.done = True
            self._open.pop(message.message_id, None)
            self._pause(month)
            return False
        if over:
            self.counts["pushes_over_quota"] += 1  # would have been refused by DingTalk
        self.counts["pushes_metered"] += 1
        return True

    def _pause(self, month: str) -> None:
        if self.quota.on_exhausted != "error_20001" or self.paused_month == month:
            return
        self.paused_month = month
        if self.on_paused is not None:
            self.on_paused()

    def paused(self) -> bool:
        """True while pushes are paused with errCode 20001 (the quota still spent)."""
        month = self.paused_month
        return (
            month is not None
            and self.quota.enforced
            and self.quota.on_exhausted == "error_20001"
            and self.quota.exhausted(month)
        )

    def _arm_timer(self, message: Message) -> None:
        message.generation += 1
        due = time.monotonic() + self.config.redelivery_delay
        heapq.heappush(self._timers, (due, next(self._timer_seq), message, message.generation))
        if len(self._timers) == 1:
            self.wake()

    def _give_up(self, message: Message) -> None:
        message.done = True
        self._open.pop(message.message_id, None)
        self.failed.add(
            FailedPush(
                event_type=message.event_type,
                event_id=message.event_id,
                born_millis=message.born_millis,
                payload=message.payload,
                corp_id=self.config.corp_id,
            )
        )
        self.counts["failed"] += 1

    def in_flight(self) -> int:
        return len(self._open) + len(self._inbox)
