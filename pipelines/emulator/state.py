"""The running emulator's state: org, clock, tokens, limits, faults, metering and events."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime
from typing import Any

from pipelines.emulator.clock import SimClock
from pipelines.emulator.config import EmulatorConfig, Faults
from pipelines.emulator.ids import stable_hex
from pipelines.emulator.limits import IpGuard, Meter, TokenStore, WindowCounter
from pipelines.emulator.model import ScheduledEvent
from pipelines.emulator.org import Org, build_org


class EmulatorState:
    """One emulator: everything the HTTP handlers, the control endpoints and the server share."""

    def __init__(self, config: EmulatorConfig, org: Org | None = None, gateway: Any = None):
        config.faults.validate()
        self.config = config
        self.org = org if org is not None else build_org(config.org_spec)
        self.clock = SimClock(config.initial_clock, config.speed)
        self.client_id, self.client_secret = config.client_id, config.secret
        self.tokens = TokenStore(config.token_ttl_seconds)
        self.qps = WindowCounter(1.0)
        self.meter = Meter()
        # (QPS window, client address, API) of every call the QPS limit let through, in order.
        self.call_log: list[tuple[int, str, str]] | None = [] if config.record_calls else None
        self.ip_guard = IpGuard(
            config.ip_limit_calls, config.ip_limit_window_seconds, config.ip_ban_after_limit_seconds
        )
        self.faults = config.faults
        self.fault_rng = random.Random(config.seed)
        self.gateway = gateway
        self.events_emitted: Counter[str] = Counter()
        self.emitted_log: list[dict[str, Any]] = []  # what was emitted and when (for tests)
        self._pumped_until = self.clock.now()
        self._pump_lock = threading.Lock()
        if config.faults.ip_ban_seconds:
            self.ip_guard.ban(config.faults.ip_ban_seconds)

    def now(self) -> datetime:
        return self.clock.now()

    def month(self) -> str:
        return self.now().strftime("%Y-%m")

    def set_faults(self, changes: dict[str, Any]) -> Faults:
        """Apply fault switches by name; unknown names or bad values raise ValueError."""
        known = set(Faults.__dataclass_fields__)
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault switch: {', '.join(sorted(unknown))}")
        updated = Faults(
            **{
                **self.faults.__dict__,
                **{k: type(getattr(self.faults, k))(v) for k, v in changes.items()},
            }
        )
        updated.validate()
        self.faults.__dict__.update(updated.__dict__)
        if "ip_ban_seconds" in changes:
            self.ip_guard.ban(updated.ip_ban_seconds)
        return self.faults

    def pump(self) -> int:
        """Hand every timeline event that became due since the last pump to the gateway."""
        with self._pump_lock:
            now = self.now()
            due = self.org.events_between(self._pumped_until, now)
            self._pumped_until = max(self._pumped_until, now)
        for event in due:
            self.publish(event)
        return len(due)

    def event_id(self, event: ScheduledEvent) -> str:
        """The eventId of a timeline event: derived from the seed and the event's key."""
        return stable_hex(self.config.seed, "event", event.key, length=32)

    def publish(self, event: ScheduledEvent) -> str | None:
        """Emit one event: to the gateway when one is mounted; counted either way."""
        event_id = None
        if self.gateway is not None:
            event_id = self.gateway.publish(
                event.event_type, event.data, event.at, event_id=self.event_id(event)
            )
        self.events_emitted[event.event_type] += 1
        self.emitted_log.append(
            {"event_type": event.event_type, "key": event.key, "event_id": event_id}
        )
        del self.emitted_log[:-1000]  # keep the log bounded on long runs
        return event_id
