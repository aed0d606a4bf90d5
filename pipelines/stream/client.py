"""A hardened `DingTalkStreamClient`: the SDK's frames, handlers and ACKs, our connection loop.

What we keep from dingtalk-stream 0.24.3: `Credential`, the frame classes, `SystemHandler` (ping
answers), the `EventHandler` interface (ours is `InboxEventHandler`) and the registration body.
What we replace, and why (reference 9): `start()` (fixed 3 s/10 s sleeps, one untracked task per
frame, a `json.loads` on the socket loop that one bad frame can break, no way to stop cleanly)
and `open_connection()` (a `requests.post` with no timeout, called inside the event loop, that
reads a URL frozen at import and logs the ticket). Everything else is the SDK's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import platform
import random
import re
import time
from collections.abc import Coroutine
from typing import Any, TypeVar, cast
from urllib.parse import quote_plus

import httpx
import websockets.exceptions  # noqa: F401  (reference 9: the SDK names it without importing it)
from dingtalk_stream import Credential, DingTalkStreamClient, EventMessage, SystemMessage
from dingtalk_stream.version import VERSION_STRING
from websockets.asyncio.client import ClientConnection, connect

from pipelines.stream.budget import ByteBudget
from pipelines.stream.config import ListenerConfig
from pipelines.stream.handler import InboxEventHandler
from pipelines.stream.session import SessionJournal

log = logging.getLogger(__name__)
T = TypeVar("T")
# How much of an oversized frame is kept in quarantine.
OVERSIZED_KEPT = 64 * 1024


def backoff_delay(attempt: int, initial: float, maximum: float) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(maximum, initial * 2**attempt)]."""
    return random.uniform(0, min(maximum, initial * 2 ** min(attempt, 30)))


class HardenedStreamClient(DingTalkStreamClient):
    """The official client with a bounded, watched, stoppable connection loop.

    Args:
        credential: the app's Client ID and Client Secret.
        api_base_url: where `/v1.0/gateway/connections/open` lives (DingTalk or the emulator).
        handler: the event handler (persist before ACK).
        config: timeouts, bounds and thresholds.
        journal: records connections, disconnections and heartbeats in the inbox.
    """

    def __init__(
        self,
        credential: Credential,
        api_base_url: str,
        handler: InboxEventHandler,
        config: ListenerConfig,
        journal: SessionJournal | None = None,
    ):
        super().__init__(credential, logger=logging.getLogger("dingtalk_stream.client"))
        # The SDK froze DINGTALK_OPENAPI_ENDPOINT into the class attribute at import time.
        self.OPEN_CONNECTION_API = api_base_url.rstrip("/") + "/v1.0/gateway/connections/open"
        self.register_all_event_handler(handler)
        self.config = config
        self.journal = journal
        self.frames = 0
        self._stop = asyncio.Event()
        self._end_session = asyncio.Event()
        self._slots = asyncio.Semaphore(config.max_in_flight)
        self._bytes = ByteBudget(config.max_bytes_in_flight)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._last_frame = time.monotonic()
        self._local_ip: str | None = None
        self._end_reason = ""

    def stop(self) -> None:
        """Stop taking events; `run()` returns once in-flight events are written and ACKed."""
        self._stop.set()
        self._end_session.set()

    async def run(self) -> None:
        """Connect, pump frames, reconnect with jittered backoff, until `stop()`."""
        self.pre_start()
        attempt = 0
        while not self._stop.is_set():
            try:
                healthy = await self._session()
            except Exception:  # a bug here must not end the listener: log it and reconnect
                log.exception("session failed")
                healthy = False
            attempt = 0 if healthy else attempt + 1
            if self._stop.is_set():
                break
            delay = backoff_delay(attempt, self.config.backoff_initial_s, self.config.backoff_max_s)
            log.info("reconnecting", extra={"delay_s": round(delay, 3), "attempt": attempt})
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=delay)
            except TimeoutError:
                pass

    async def open_connection_async(self) -> dict[str, str] | None:
        """Register with the gateway (with a timeout); the endpoint and ticket, or None."""
        if self._local_ip is None:
            self._local_ip = await asyncio.to_thread(self.get_host_ip)
        body = {
            "clientId": self.credential.client_id,
            "clientSecret": self.credential.client_secret,
            "subscriptions": [{"type": "EVENT", "topic": "*"}],
            "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union",
            "localIp": self._local_ip,
        }
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"DingTalkStream/1.0 SDK/{VERSION_STRING} "
            f"Python/{platform.python_version()} (+pipelines.stream)",
        }
        try:
            async with httpx.AsyncClient(timeout=self.config.connect_timeout_s) as http:
                response = await http.post(self.OPEN_CONNECTION_API, json=body, headers=headers)
            response.raise_for_status()
            connection = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.error("open connection failed", extra={"error": _safe_error(error)})
            return None
        if not isinstance(connection, dict) or not all(
            isinstance(cast(dict[str, object], connection).get(key), str)
            for key in ("endpoint", "ticket")
        ):
            log.error("open connection answered without endpoint and ticket")
            return None
        return cast(dict[str, str], connection)  # endpoint and ticket, checked above

    async def _session(self) -> bool:
        """One connection's life; True if it was healthy (connected and received frames)."""
        connection = await self._unless_stopped(self.open_connection_async())
        if connection is None:
            return False
        uri = f"{connection['endpoint']}?ticket={quote_plus(connection['ticket'])}"
        frames_before = self.frames
        try:
            async with connect(
                uri,
                open_timeout=self.config.connect_timeout_s,
                ping_interval=self.config.ws_ping_interval_s,
                ping_timeout=self.config.ws_ping_timeout_s,
                close_timeout=2,
                max_size=self.config.ws_max_frame_bytes,
                max_queue=self.config.ws_max_queue,
                # A batch commit releases hundreds of ACKs at once; with the default 32 KiB
                # high-water mark each of them would wait for the socket to drain.
                write_limit=2**20,
                # No permessage-deflate: Stream frames are small JSON, and compressing every
                # ACK and inflating every frame cost 15-35 us of CPU per event at saturation
                # (bench/listener_ingest.py, docs/listener.md); bandwidth is not a concern at
                # DingTalk's push volumes.
                compression=None,
            ) as websocket:
                await self._serve(websocket)
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as error:
            log.warning("connection failed", extra={"error": _safe_error(error)})
        return self.frames > frames_before

    async def _unless_stopped(self, work: Coroutine[Any, Any, T]) -> T | None:
        """Run `work`, abandoning it (None) if `stop()` is called meanwhile."""
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for pending in (task, stopped):
            pending.cancel()
        await asyncio.gather(task, stopped, return_exceptions=True)
        return None if task.cancelled() else task.result()

    async def _serve(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self._end_session.clear()
        if self._stop.is_set():
            self._end_session.set()
        self._last_frame = time.monotonic()
        session = await self._journal("connected")
        self._end_reason = "connection closed"
        log.info("connected", extra={"remote": str(websocket.remote_address)})
        pump = asyncio.create_task(self._pump(websocket), name="stream-pump")
        watchdog = asyncio.create_task(self._watchdog(session), name="stream-watchdog")
        ender = asyncio.create_task(self._end_session.wait())
        await asyncio.wait({pump, ender}, return_when=asyncio.FIRST_COMPLETED)
        reason = "shutdown" if self._stop.is_set() else self._end_reason
        if pump.done() and not pump.cancelled() and pump.exception() is not None:
            reason = f"connection closed: {_safe_error(pump.exception())}"
        for task in (pump, watchdog, ender):
            task.cancel()
        await asyncio.gather(pump, watchdog, ender, return_exceptions=True)
        await self._drain()
        await self._journal("disconnected", session, reason)
        log.info("disconnected", extra={"reason": reason})

    async def _pump(self, websocket: ClientConnection) -> None:
        """Read frames; each is handled in its own task, within the frame and byte budgets."""
        async for raw in websocket:
            self._last_frame = time.monotonic()
            self.frames += 1
            if len(raw) > self.config.max_frame_bytes:
                work = self._oversized(raw)  # keeps a prefix only: the frame is freed here
            else:
                work = self._route(raw)
            size = len(raw) if len(raw) <= self.config.max_frame_bytes else 0
            await self._start(work, size, websocket)
            del raw, work

    async def _start(
        self, work: Coroutine[Any, Any, Any], size: int, websocket: ClientConnection
    ) -> None:
        # Backpressure: stop reading while the slots or the bytes in flight are used up.
        await self._slots.acquire()
        await self._bytes.acquire(size)
        task = asyncio.create_task(self._answer(work, websocket))
        self._in_flight.add(task)
        task.add_done_callback(lambda done: self._release(done, size))

    def _release(self, task: asyncio.Task[None], size: int) -> None:
        self._in_flight.discard(task)
        self._slots.release()
        self._bytes.release(size)

    def _oversized(self, raw: str | bytes) -> Coroutine[Any, Any, Any]:
        """Record a frame over `max_frame_bytes` (size, messageId, its start) and ACK it."""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        size = len(raw) if isinstance(raw, bytes) else len(text.encode("utf-8", "replace"))
        message_id = message_id_in(text)
        handler: InboxEventHandler = self.event_handler  # type: ignore[assignment]
        handler.counters.oversized += 1
        log.warning("oversized frame", extra={"bytes": size, "message_id": message_id})
        reason = f"oversized frame: {size} bytes, over the {self.config.max_frame_bytes}-byte limit"
        return handler.reject(text[:OVERSIZED_KEPT], reason, message_id)

    async def _drain(self) -> None:
        if not self._in_flight:
            return
        _done, pending = await asyncio.wait(self._in_flight, timeout=self.config.drain_timeout_s)
        if pending:
            log.error("in-flight events not finished in time", extra={"events": len(pending)})

    async def _watchdog(self, session: int | None) -> None:
        """Reconnect when the socket goes silent; heartbeat the journal meanwhile."""
        tick = min(1.0, self.config.watchdog_s / 4)
        next_heartbeat = time.monotonic() + self.config.heartbeat_s
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self._last_frame > self.config.watchdog_s:
                log.warning(
                    "no frame received, reconnecting", extra={"silent_s": now - self._last_frame}
                )
                self._end_reason = "watchdog: no frame"
                self._end_session.set()
                return
            if now >= next_heartbeat and session is not None and self.journal is not None:
                next_heartbeat = now + self.config.heartbeat_s
                try:
                    await asyncio.to_thread(self.journal.heartbeat, session)
                except Exception as error:  # bookkeeping must not stop the watchdog
                    log.error("journal heartbeat failed", extra={"error": repr(error)})

    async def _journal(self, what: str, session: int | None = None, reason: str = "") -> int | None:
        if self.journal is None:
            return None
        try:
            if what == "connected":
                return await asyncio.to_thread(self.journal.connected)
            if session is not None:
                await asyncio.to_thread(self.journal.disconnected, session, reason)
        except Exception as error:  # the journal is bookkeeping: never drop the connection for it
            log.error("connection journal write failed", extra={"error": repr(error)})
        return None

    async def _answer(self, work: Coroutine[Any, Any, Any], websocket: ClientConnection) -> None:
        """Await one frame's handling and ACK it on the socket it came from; nothing gets out."""
        try:
            ack = await work
            if ack is not None:
                await websocket.send(json.dumps(ack.to_dict()))
        except websockets.exceptions.ConnectionClosed:
            log.info("connection closed before an ACK was sent (the event will be redelivered)")
        except Exception:
            log.exception("frame handling failed")

    async def _route(self, raw: str | bytes) -> Any:
        handler: InboxEventHandler = self.event_handler  # type: ignore[assignment]
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            frame = json.loads(text)
        except ValueError:
            return await handler.reject(text, "frame is not JSON", message_id_in(text))
        except RecursionError:  # json.loads gives up near 1,000 levels of nesting
            reason = "frame nested too deeply to parse"
            return await handler.reject(text, reason, message_id_in(text))
        if not isinstance(frame, dict):
            return await handler.reject(text, "frame is not a JSON object", None)
        frame = cast(dict[str, Any], frame)  # the keys of a JSON object are text
        kind = frame.get("type")
        if kind == EventMessage.TYPE:
            try:
                message = EventMessage.from_dict(frame)
            except Exception as error:
                reason = f"malformed event frame: {error!r}"
                return await handler.reject(text, reason, _message_id(frame))
            return await handler.raw_process(message)
        if kind == SystemMessage.TYPE:
            try:
                message = SystemMessage.from_dict(frame)
            except Exception as error:
                return await handler.reject(text, f"malformed system frame: {error!r}", None)
            return await self._system(message)
        reason = f"unsupported frame type {str(kind)[:40]!r}"
        return await handler.reject(text, reason, _message_id(frame))

    async def _system(self, message: SystemMessage) -> Any:
        if message.headers.topic == SystemMessage.TOPIC_DISCONNECT:
            log.info("server asked to disconnect", extra={"data": message.data})
            self._end_reason = "server disconnect"
            self._end_session.set()
            return None
        return await self.system_handler.raw_process(message)  # ping: echo the opaque data


# The headers' messageId in a frame we cannot (or will not) parse, so it can still be ACKed.
_MESSAGE_ID = re.compile(r'"messageId"\s*:\s*"([^"\\]{1,200})"')


def message_id_in(text: str) -> str | None:
    """The first `"messageId": "..."` in the frame's text, if any (a best effort, no parsing)."""
    found = _MESSAGE_ID.search(text)
    return found.group(1) if found else None


def _message_id(frame: dict[str, Any]) -> str | None:
    headers = frame.get("headers")
    value = cast(dict[str, object], headers).get("messageId") if isinstance(headers, dict) else None
    return value if isinstance(value, str) and value else None


def _safe_error(error: BaseException | None) -> str:
    """An error's text without the ticket that a WebSocket URL would carry."""
    text = f"{type(error).__name__}: {error}" if error else ""
    return text.split("?ticket=")[0][:300]
