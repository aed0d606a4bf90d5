"""Wiring of one listener process: inbox, group-commit writer, handler, hardened client, signals."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from datetime import timedelta

from dingtalk_stream import Credential

from pipelines.settings import ConfigError, Settings
from pipelines.state.factory import STATE_ERRORS, StateLocation
from pipelines.stream.client import HardenedStreamClient
from pipelines.stream.config import ListenerConfig
from pipelines.stream.events import DateWindow
from pipelines.stream.handler import InboxEventHandler
from pipelines.stream.logs import configure_logging
from pipelines.stream.session import SessionJournal
from pipelines.stream.writer import BatchWriter

log = logging.getLogger(__name__)


async def serve(settings: Settings, config: ListenerConfig) -> None:
    """Run the listener until SIGTERM or SIGINT, then finish in-flight writes and ACKs."""
    state = StateLocation.from_settings(settings)
    inbox = state.inbox(synchronous=config.inbox_synchronous)
    writer = BatchWriter(inbox)
    writer.start()
    window = DateWindow(max_future=timedelta(days=config.max_future_days))
    handler = InboxEventHandler(inbox, writer, window)
    journal = SessionJournal(inbox, config.listener_id, config.gap_threshold_s, config.heartbeat_s)
    credential = Credential(
        settings.dingtalk_client_id, settings.dingtalk_client_secret.get_secret_value()
    )
    client = HardenedStreamClient(
        credential, settings.dingtalk_api_base_url, handler, config, journal
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _stopper(client, signum))
    log.info(
        "listener starting",
        extra={
            "listener_id": config.listener_id,
            "api_base_url": settings.dingtalk_api_base_url,
            "inbox": state.describe(),  # an inbox in PostgreSQL has no file path
        },
    )
    try:
        await client.run()
    finally:
        await writer.close()
        inbox.close()
        counters = handler.counters
        log.info(
            "listener stopped",
            extra={
                "frames": client.frames,
                "stored": counters.stored,
                "inserted": writer.inserted,
                "duplicates": writer.duplicates,
                "quarantined": counters.quarantined,
                "deferred": counters.deferred,
                "batches": writer.batches,
            },
        )


def _stopper(client: HardenedStreamClient, signum: int):
    def stop() -> None:
        log.info("signal received, finishing in-flight events", extra={"signal": signum})
        client.stop()

    return stop


def run_listener(settings: Settings, config: ListenerConfig | None = None) -> int:
    """Run one listener process to completion; returns the exit code (0 after SIGTERM)."""
    settings.require_credentials()
    config = config or ListenerConfig()
    _check_inbox(StateLocation.from_settings(settings), config)
    configure_logging(config.log_level)
    # Everything is imported by now (the CLI imports every command's libraries): move those
    # objects out of the garbage collector's view, so that collections triggered by per-event
    # allocations do not rescan them. This cut the listener's CPU per event by about a quarter.
    gc.freeze()
    try:
        asyncio.run(serve(settings, config))
    finally:
        gc.unfreeze()  # let interpreter shutdown finalize them as usual
    return 0


def _check_inbox(state: StateLocation, config: ListenerConfig) -> None:
    """Fail fast, in one line, when the inbox cannot be opened (before any connection)."""
    try:
        state.inbox(synchronous=config.inbox_synchronous).close()
    except STATE_ERRORS as error:
        where = (
            f"ATTENDANCE_STATE_URL={state.describe()}"
            if state.is_postgres
            else f"ATTENDANCE_DATA_DIR={state.data_dir}"
        )
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ConfigError(f"{where}: cannot open the inbox ({first_line}).") from None
