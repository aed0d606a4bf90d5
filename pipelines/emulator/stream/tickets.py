"""Connection tickets: issued by ``connections/open``, single use, valid 90 s (reference 4.1)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Grant:
    """What a redeemed ticket entitles its WebSocket to."""

    client_id: str
    wants_events: bool


class TicketBook:
    """Issues and redeems tickets; used only from the gateway's event loop."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._live: dict[str, tuple[float, Grant]] = {}
        self.issued = 0
        self.refused = 0

    def issue(self, grant: Grant) -> str:
        """Return a new ticket (a UUID, as DingTalk's are) for ``grant``."""
        self._forget_expired()
        ticket = str(uuid.uuid4())
        self._live[ticket] = (time.monotonic() + self._ttl, grant)
        self.issued += 1
        return ticket

    def redeem(self, ticket: str | None) -> Grant | None:
        """Consume ``ticket``; None if it is unknown, already used or expired."""
        entry = self._live.pop(ticket, None) if ticket else None
        if entry is None or entry[0] < time.monotonic():
            self.refused += 1
            return None
        return entry[1]

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for ticket in [t for t, (expiry, _) in self._live.items() if expiry < now]:
            del self._live[ticket]
