"""Configuration of the emulator's Stream gateway.

Defaults follow reference sections 3.2, 4 and 6 where DingTalk documents a value; where it does
not (marked [I] in the reference) the default is a guess and the knob exists so tests and users
can pick another.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class GatewayConfig(BaseModel):
    """Knobs of `StreamGateway`; every delay is in seconds of wall-clock time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    redelivery_delay: float = Field(default=60.0, gt=0)
    """Wait for an ACK (or after a LATER / non-200 ACK) before pushing the message again.
    The Node SDK comments "60 s"; practitioners saw 16-60 s [C3]."""

    max_attempts: int = Field(default=3, ge=1)
    """Delivery attempts (first push included) before the event lands in the failed-push list.
    The HTTP push ladder is 1 push + 2 retries [C]; Stream's own ladder is undocumented [I]."""

    duplicate_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Probability that a first delivery is followed by a duplicate frame with the same eventId
    (and a fresh messageId, as a network-level duplicate would carry): consumers must dedupe."""

    seed: int = 0
    """Seed of the RNG that picks connections and duplicates, for reproducible runs."""

    ping_interval: float | None = Field(default=30.0, gt=0)
    """Interval of SYSTEM ``ping`` frames to each connection; None disables them."""

    ticket_ttl: float = Field(default=90.0, gt=0)
    """Validity of a ticket returned by ``connections/open`` (single use) [C: 90 s]."""

    disconnect_close_delay: float = Field(default=10.0, ge=0)
    """After a SYSTEM ``disconnect`` frame the server closes the socket this much later [C]."""

    offline_policy: Literal["fail", "queue"] = "fail"
    """What happens to an event when no client is connected: ``fail`` counts each delivery
    attempt as failed, so the event reaches the failed-push list after ``max_attempts`` x
    ``redelivery_delay`` like an unreachable HTTP callback; ``queue`` holds it until a client
    connects (no attempt is spent)."""

    meter_redeliveries: bool = False
    """Push metering: False meters one push per event that reached a client at least once;
    True meters every frame sent (redeliveries and duplicates included). DingTalk does not say
    which it bills [I]."""

    push_quota_per_month: int = Field(default=3000, ge=0)
    """Metered pushes per month of the event's born time (Asia/Shanghai): 3,000 on the standard
    edition since 2025-11-19 [C]."""

    enforce_push_quota: bool = False
    """False: pushes beyond the quota are still delivered and counted as ``pushes_over_quota``
    (a demo shows the pressure without losing events). True: they are not pushed (DingTalk
    pauses the service; what happens to the events is undocumented [I]) and are counted as
    ``quota_suppressed``."""

    push_quota_on_exhausted: Literal["silence", "error_20001"] = "silence"
    """What an enforced, spent quota looks like (undocumented for events [I]): ``silence``
    (pushes stop) or ``error_20001`` (connections get a SYSTEM disconnect and new ones are
    refused 403 with code 20001, the bot-message answer). Settable mid-run, see
    `StreamGateway.set_push_quota`."""

    corp_id: str = "dingemulatorcorp0000000000000000"
    """Value of the ``eventCorpId`` header and of ``corpid`` in failed-push entries."""

    unified_app_id: str = "00000000-0000-4000-8000-0000emulator"
    """Value of the ``eventUnifiedAppId`` header."""

    failed_list_capacity: int = Field(default=100_000, ge=1)
    """Oldest failed-push entries are dropped beyond this many (bounded memory)."""
