"""The emulator's Stream gateway: DingTalk's Stream protocol as SDK 0.24.3 speaks it.

Mount `StreamGateway.routes` at the root of a Starlette app and call `startup`/`shutdown` from
its lifespan. ``POST /v1.0/gateway/connections/open`` hands out single-use tickets and the
WebSocket ``/connect?ticket=`` carries EVENT and SYSTEM frames (reference section 4).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from pipelines.emulator.stream.config import GatewayConfig
from pipelines.emulator.stream.delivery import Connection, Dispatcher, Message
from pipelines.emulator.stream.failed import (
    FailedPushList,
    new_api_entry,
    old_api_entry,
)
from pipelines.emulator.stream.frames import (
    MessageIds,
    encode_payload,
    epoch_millis,
    event_headers,
    now_millis,
    system_frame,
)
from pipelines.emulator.stream.quota import PAUSED_MESSAGE
from pipelines.emulator.stream.registration import (
    DENIAL_NOISE,
    CredentialCheck,
    credential_check,
    error_response,
    read_open_request,
)
from pipelines.emulator.stream.tickets import Grant, TicketBook

logger = logging.getLogger(__name__)

OPEN_PATH = "/v1.0/gateway/connections/open"
CONNECT_ROUTE_NAME = "dingtalk_stream_connect"


class StreamGateway:
    """Stream registration, WebSocket delivery, ACKs, redelivery and the failed-push list.

    Args:
        credentials: ``{client_id: client_secret}``, or a callable ``(id, secret) -> bool``.
        config: delivery knobs; defaults mirror DingTalk where it documents them.
    """

    def __init__(
        self,
        credentials: Mapping[str, str] | CredentialCheck,
        config: GatewayConfig | None = None,
    ) -> None:
        self.config = config or GatewayConfig()
        self._check_credentials = credential_check(credentials)
        self._tickets = TicketBook(self.config.ticket_ttl)
        self._ids = MessageIds()
        self.failed = FailedPushList(self.config.failed_list_capacity)
        self._dispatcher = Dispatcher(self.config, self.failed, self._ids)
        self._dispatcher.on_paused = lambda: self._disconnect_all(f"20001 {PAUSED_MESSAGE}")
        self._pings: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task] = set()
        self.routes: list[BaseRoute] = [
            Route(OPEN_PATH, self._open_connection, methods=["POST"]),
            WebSocketRoute("/connect", self._connect, name=CONNECT_ROUTE_NAME),
        ]

    # -- lifecycle --------------------------------------------------------------------------

    async def startup(self) -> None:
        """Start the dispatcher (and the SYSTEM ping loop) on the running event loop."""
        self._loop = asyncio.get_running_loop()
        logging.getLogger("uvicorn.error").addFilter(DENIAL_NOISE)  # idempotent
        self._spawn(self._dispatcher.run())
        if self.config.ping_interval is not None:
            self._spawn(self._ping_loop(self.config.ping_interval))

    async def shutdown(self) -> None:
        """Stop background tasks and close every open connection (code 1001, going away)."""
        for conn in list(self._dispatcher.connections.values()):
            with contextlib.suppress(Exception):
                await conn.websocket.close(code=1001)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- public API, any thread -------------------------------------------------------------

    def publish(
        self,
        event_type: str,
        data: dict,
        born_at: datetime | None = None,
        event_id: str | None = None,
    ) -> str:
        """Queue an event for delivery to one connected client; returns its eventId.

        Thread-safe. ``born_at`` (timezone-aware; default now) becomes ``eventBornTime``.
        """
        if not isinstance(event_type, str) or not event_type:
            raise ValueError("event_type must be a non-empty string")
        if not isinstance(data, dict):
            raise TypeError(f"event data must be a dict, got {type(data).__name__}")
        if born_at is not None and born_at.tzinfo is None:
            raise ValueError("born_at must be timezone-aware (e.g. Asia/Shanghai)")
        born_millis = epoch_millis(born_at) if born_at else now_millis()
        event_id = event_id or uuid.uuid4().hex
        message_id = self._ids.next()
        headers = event_headers(
            message_id=message_id,
            event_id=event_id,
            event_type=event_type,
            born_millis=born_millis,
            corp_id=self.config.corp_id,
            unified_app_id=self.config.unified_app_id,
        )
        message = Message(
            message_id=message_id,
            event_id=event_id,
            event_type=event_type,
            born_millis=born_millis,
            headers=headers,
            data_json=encode_payload(data),
            payload=data,
        )
        self._dispatcher.submit(message)
        return event_id

    def drain_failed(self, max_items: int = 200) -> tuple[list[dict], bool]:
        """Read-once page of the failed-push list in the old-API shape (6.1), ``has_more``."""
        pushes, has_more = self.failed.drain(max_items)
        return [old_api_entry(p) for p in pushes], has_more

    def drain_failed_between(
        self, begin_millis: int, end_millis: int, max_items: int = 200
    ) -> tuple[list[dict], bool]:
        """Read-once page in the new-API shape (6.2) for events born in [begin, end] (ms)."""
        pushes, has_more = self.failed.drain_between(begin_millis, end_millis, max_items)
        return [new_api_entry(p) for p in pushes], has_more

    def stats(self) -> dict:
        """Counters since start (see docs/architecture.md, Stream gateway)."""
        counts = dict(self._dispatcher.counts)  # one C-level copy: safe against the loop thread
        acks = {
            kind: counts.get(f"acks_{kind}", 0)
            for kind in ("success", "later", "error", "unknown", "invalid", "ping")
        }
        keys = (
            "events_published",
            "events_delivered",
            "pushes_metered",
            "deliveries",
            "duplicates_sent",
            "redeliveries",
            "attempts_offline",
            "pushes_over_quota",
            "quota_suppressed",
            "connections_total",
        )
        return {
            **{key: counts.get(key, 0) for key in keys},
            "pushes_by_month": dict(self._dispatcher.pushes_by_month),
            "push_quota_per_month": self._dispatcher.quota.quota,
            "acks": acks,
            "connections_open": len(self._dispatcher.connections),
            "in_flight": self._dispatcher.in_flight(),
            "failed_list_size": len(self.failed),
            "failed_total": self.failed.total_added,
            "tickets_issued": self._tickets.issued,
            "tickets_refused": self._tickets.refused,
        }

    def set_push_quota(self, changes: dict, month: str) -> dict:
        """Change the push quota mid-run (`PushQuota.update`); returns its status for `month`."""
        self._dispatcher.quota.update(changes, month)
        return self.push_quota_status(month)

    def push_quota_status(self, month: str) -> dict:
        """Pushes of `month`, the quota, whether it is enforced and spent."""
        return {**self._dispatcher.quota.status(month), "paused": self._dispatcher.paused()}

    def disconnect_all(self, reason: str = "connection is expired") -> None:
        """Send SYSTEM ``disconnect`` to every connection, close them after the configured
        delay; clients are expected to reconnect with a new ticket. Thread-safe."""
        loop = self._loop
        if loop is None:
            return
        if _on_loop(loop):
            self._disconnect_all(reason)
        else:
            loop.call_soon_threadsafe(self._disconnect_all, reason)

    # -- event loop ---------------------------------------------------------------------------

    def _disconnect_all(self, reason: str) -> None:
        for conn in list(self._dispatcher.connections.values()):
            if not conn.draining:
                conn.draining = True
                conn.enqueue(system_frame("disconnect", self._ids.next(), {"reason": reason}))
                self._spawn(self._close_later(conn, self.config.disconnect_close_delay))

    async def _close_later(self, conn: Connection, delay: float) -> None:
        await asyncio.sleep(delay)
        with contextlib.suppress(Exception):
            await conn.websocket.close(code=1000, reason="disconnect")

    async def _ping_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if len(self._pings) > 10_000:  # clients that never answer must not grow memory
                self._pings.clear()
            for conn in list(self._dispatcher.connections.values()):
                message_id = self._ids.next()
                self._pings.add(message_id)
                conn.enqueue(system_frame("ping", message_id, {"opaque": uuid.uuid4().hex}))

    async def _open_connection(self, request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return error_response(400, "InvalidParameter", "request body is not valid JSON")
        opened = read_open_request(body)
        if isinstance(opened, JSONResponse):
            return opened
        if not self._check_credentials(opened.client_id, opened.client_secret):
            logger.warning("connections/open refused: bad credentials for %s", opened.client_id)
            return error_response(
                401, "InvalidAuthentication", "clientId or clientSecret is invalid"
            )
        if self._dispatcher.paused():
            return error_response(403, "20001", PAUSED_MESSAGE)
        ticket = self._tickets.issue(Grant(opened.client_id, opened.wants_events))
        # Derived from the request's Host, so clients reach the socket the way they reached us;
        # Starlette already gives a websocket route a ws:// (or wss://) URL.
        endpoint = str(request.url_for(CONNECT_ROUTE_NAME))
        return JSONResponse({"endpoint": endpoint, "ticket": ticket})

    async def _connect(self, websocket: WebSocket) -> None:
        grant = self._tickets.redeem(websocket.query_params.get("ticket"))
        if grant is None:
            logger.warning("WebSocket refused: ticket unknown, already used or expired")
            await websocket.send_denial_response(
                error_response(401, "InvalidTicket", "ticket is unknown, already used or expired")
            )
            return
        await websocket.accept()
        conn = self._dispatcher.add_connection(websocket, grant.wants_events)
        writer = self._spawn(conn.write_loop())
        try:
            while True:
                frame = await websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                raw = frame.get("text") or frame.get("bytes") or ""
                self._dispatcher.on_client_frame(raw, self._pings)
        finally:
            self._dispatcher.remove_connection(conn)
            writer.cancel()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
