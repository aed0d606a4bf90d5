"""The listener's side of the connection journal: one object per process, bound to the inbox."""

from __future__ import annotations

import logging
import os

from pipelines.stream.inbox import EventInbox

log = logging.getLogger(__name__)


class SessionJournal:
    """Journals this process's connections; logs the gaps that opening one reveals.

    Args:
        inbox: the inbox whose journal is written.
        listener_id: a name for this listener process (host:pid by default).
        gap_threshold_s: longer than this with no listener connected is a gap.
        heartbeat_s: how often an open connection is marked alive; a connection silent for
            three heartbeats is considered dead by the next listener that connects.
    """

    def __init__(
        self, inbox: EventInbox, listener_id: str, gap_threshold_s: float, heartbeat_s: float
    ):
        self.inbox = inbox
        self.listener_id = listener_id
        self.gap_threshold_s = gap_threshold_s
        self.stale_after_s = max(3 * heartbeat_s, 1.0)

    def connected(self) -> int:
        """Journal a new connection and return its id."""
        connection = self.inbox.record_connection(
            self.listener_id, os.getpid(), self.gap_threshold_s, self.stale_after_s
        )
        if connection.gap is not None:
            gap = connection.gap
            log.warning(
                "gap recorded",
                extra={
                    "start": gap.start.isoformat(),
                    "end": gap.end.isoformat(),
                    "reason": gap.reason,
                },
            )
        return connection.id

    def disconnected(self, connection_id: int, reason: str) -> None:
        """Journal the end of a connection."""
        self.inbox.record_disconnection(connection_id, reason)

    def heartbeat(self, connection_id: int) -> None:
        """Mark the connection alive."""
        self.inbox.heartbeat(connection_id)
