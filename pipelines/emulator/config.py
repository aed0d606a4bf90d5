"""The emulator's configuration: the org, the clock, the credentials, the limits and faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pipelines.emulator.assumptions import Assumptions
from pipelines.emulator.calendar import midnight
from pipelines.emulator.ids import stable_hex
from pipelines.emulator.org import DEFAULT_START, OrgSpec

DEFAULT_CLIENT_ID = "dingemulator"


@dataclass
class Faults:
    """Fault switches (all off by default); settable by CLI options and POST /_emulator/faults."""

    error_5xx_rate: float = 0.0  # share of API calls answered 503
    throttle_rate: float = 0.0  # share of API calls answered 90018 / 403 QpsLimit
    token_expire_after_calls: int = 0  # invalidate a token after K calls (0: never)
    ip_ban_seconds: float = 0.0  # ban every API call for this many seconds from now
    latency_ms: float = 0.0  # added to every API answer
    # API paths (`/topapi/...`, `/v1.0/...`) answered "no permission" after auth, unmetered.
    denied_paths: list[str] = field(default_factory=list)

    def validate(self) -> None:
        for name in ("error_5xx_rate", "throttle_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in ("token_expire_after_calls", "ip_ban_seconds", "latency_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if not all(isinstance(path, str) and path.startswith("/") for path in self.denied_paths):
            raise ValueError("denied_paths must be a list of API paths starting with /")


@dataclass
class EmulatorConfig:
    """Everything an emulator run depends on; defaults give a deterministic 30-person org."""

    seed: int = 7
    employees: int = 30
    start: date = DEFAULT_START
    days: int = 14
    speed: float = 0.0  # simulated seconds per real second; 0 freezes the clock
    clock_start: datetime | None = None  # default: midnight starting the window's last day
    host: str = "127.0.0.1"
    port: int = 0
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str | None = None  # default: derived from the seed
    qps_per_api: float = 20.0
    monthly_quota: int = 5000
    token_ttl_seconds: float = 7200.0
    ip_limit_calls: int = 10_000  # per ip_limit_window_seconds, then an IP ban
    ip_limit_window_seconds: float = 20.0
    ip_ban_after_limit_seconds: float = 300.0
    # Keep who called which API in which one-second QPS window (`EmulatorState.call_log`), for
    # tests that check several hosts' calls together; off by default: a long bench would grow it.
    record_calls: bool = False
    faults: Faults = field(default_factory=Faults)
    assumptions: Assumptions = field(default_factory=Assumptions)  # the [I] wire guesses
    stream: Any = None  # the Stream gateway's own config object (pipelines.emulator.stream)
    pump_interval_seconds: float = 0.05  # how often the server hands due events to the gateway

    @property
    def org_spec(self) -> OrgSpec:
        return OrgSpec(seed=self.seed, employees=self.employees, start=self.start, days=self.days)

    @property
    def secret(self) -> str:
        return self.client_secret or stable_hex(self.seed, "client_secret", length=32)

    @property
    def initial_clock(self) -> datetime:
        if self.clock_start is not None:
            return self.clock_start
        return midnight(self.start + timedelta(days=self.days - 1))
