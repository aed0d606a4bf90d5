"""Listener tuning, read from `LISTENER_*` environment variables (defaults suit production)."""

from __future__ import annotations

import os
import socket
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from pipelines.settings import settings_config


def _default_listener_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class ListenerConfig(BaseSettings):
    """How the listener connects, bounds its work and judges silence and gaps."""

    model_config = settings_config("LISTENER_", frozen=False)

    listener_id: str = Field(default_factory=_default_listener_id)
    # The SDK's connection call has no timeout; ours does (registration and WebSocket handshake).
    connect_timeout_s: float = Field(default=10, gt=0)
    # Reconnect delays: full jitter, doubling from `backoff_initial_s` up to `backoff_max_s`.
    backoff_initial_s: float = Field(default=1, gt=0)
    backoff_max_s: float = Field(default=60, gt=0)
    # Reconnect when no frame at all (SYSTEM pings included) arrived for this long.
    watchdog_s: float = Field(default=180, gt=0)
    # How often the open connection is marked alive in the journal.
    heartbeat_s: float = Field(default=5, gt=0)
    # No listener connected for longer than this produces a gap record.
    gap_threshold_s: float = Field(default=120, ge=0)
    # At most this many frames are being handled at once; beyond it we stop reading the socket.
    # Group commit needs room for the next batch to fill while the current one commits: with
    # 256 the loop idled during each fsync and the durable rate fell by about a third.
    max_in_flight: int = Field(default=1024, ge=1)
    # Frames above this size are not parsed: recorded in quarantine (size, messageId, time, the
    # first 64 KiB) and ACKed, so DingTalk does not redeliver them into a reconnect loop.
    max_frame_bytes: int = Field(default=4 * 2**20, ge=1024)
    # The WebSocket refuses (closes 1009) only frames above this; between the two limits a frame
    # is read, recorded and ACKed.
    ws_max_frame_bytes: int = Field(default=64 * 2**20, ge=1024)
    # Memory bound: the frames being handled hold at most this many bytes of text (a frame over
    # the budget waits until it is alone in flight).
    max_bytes_in_flight: int = Field(default=32 * 2**20, ge=1024)
    # Frames the WebSocket library buffers ahead of us (times the frame size: memory).
    ws_max_queue: int = Field(default=4, ge=1)
    # On shutdown or reconnect, how long in-flight events may take to be written and ACKed.
    drain_timeout_s: float = Field(default=15, gt=0)
    # WebSocket-level keepalive (websockets library); None disables it.
    ws_ping_interval_s: float | None = Field(default=20, gt=0)
    ws_ping_timeout_s: float | None = Field(default=20, gt=0)
    # SQLite durability: FULL survives power loss, NORMAL survives process crashes only.
    inbox_synchronous: Literal["NORMAL", "FULL", "EXTRA"] = "FULL"
    # Event dates more than this many days ahead of the wall clock are absurd.
    max_future_days: int = Field(default=400, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
