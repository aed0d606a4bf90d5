"""The push ledger: Stream pushes counted per month on the listener side (issue 12 item 5).

DingTalk bills every attendance event delivery against the month's push quota (3,000 on the
standard edition; contacts events are free) and says nothing when it runs out: pushes just
stop. The listener counts every delivery it receives, redeliveries included (whether DingTalk
bills them is undocumented; counting them errs on the safe side), by day and event type. The
projection to the month's end is the call ledger's (`pipelines.dingtalk.usage.usage_report`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from pipelines.dingtalk.usage import UsageReport, usage_report
from pipelines.stream.models import NewEvent
from pipelines.stream.protocol import EventInbox
from pipelines.stream.writer import BatchWriter

log = logging.getLogger(__name__)

# Share of the month's push quota, projected to its end, at which the asset check warns.
WARN_SHARE = 0.8
# Free events (reference 11.2): contacts, roles, admins. Counted, never billed.
FREE_PREFIXES = ("user_", "org_dept_", "org_admin_", "label_", "org_role_", "org_change")


def is_billed(event_type: str) -> bool:
    """Whether DingTalk bills a push of `event_type` against the push quota."""
    return not event_type.startswith(FREE_PREFIXES)


class PushLedger(Protocol):
    """Pushes received, per day and event type (SQLite or PostgreSQL)."""

    def record(self, event_type: str, at: datetime | None = None) -> None:
        """Count one delivery of `event_type` received at `at` (now by default)."""
        ...

    def month_to_date(self, now: datetime | None = None) -> dict[str, int]:
        """Billed pushes per event type from the 1st of `now`'s month to `now`."""
        ...

    def last_push_at(self) -> datetime | None:
        """When the last push of any type was received (None: never)."""
        ...

    def set_starved(self, since: datetime | None) -> None:
        """Record that the Stream has been starved since `since` (None: it is not)."""
        ...

    def starved_since(self) -> datetime | None:
        """Since when the polling sensor finds the Stream starved (None: it does not)."""
        ...

    def close(self) -> None: ...


def push_usage(ledger: PushLedger, quota: int, now: datetime | None = None) -> UsageReport:
    """Billed pushes this month per event type and their projection to the month's end."""
    return usage_report(ledger, quota, now)  # type: ignore[arg-type]  (same month_to_date)


class CountingWriter(BatchWriter):
    """The listener's group-commit writer, counting each delivery in the push ledger first
    (a delivery is billed whether or not the inbox write then succeeds)."""

    def __init__(self, inbox: EventInbox, ledger: PushLedger, max_batch: int = 1000) -> None:
        super().__init__(inbox, max_batch)
        self._ledger = ledger

    async def submit(self, event: NewEvent) -> None:
        try:
            await asyncio.to_thread(self._ledger.record, event.event_type)
        except Exception as error:  # counting must never cost an event
            log.warning("push not counted", extra={"error": repr(error)})
        await super().submit(event)


def push_status(usage: UsageReport) -> tuple[str, str]:
    """("ok" | "warn" | "fail", one line) for `usage` and `doctor` and the asset check: warn
    when the month-end projection reaches WARN_SHARE of the quota, fail once it is spent."""
    line = (
        f"{usage.used:,} of {usage.quota:,} Stream pushes received in {usage.month}, "
        f"projected {usage.projected:,} by month end ({usage.projected_share:.0%})"
    )
    if usage.used >= usage.quota:
        return "fail", line + ": the quota is spent, DingTalk pushes nothing more (poll instead)"
    if usage.projected_share >= WARN_SHARE:
        return "warn", line + ": unsubscribe punch events or raise the quota (see `plan`)"
    return "ok", line


def starvation_line(since: datetime | None) -> str | None:
    """One line when the Stream is starved (shown by `usage`, `doctor` and the poll runs)."""
    if since is None:
        return None
    return (
        f"Stream starved since {since:%Y-%m-%d %H:%M} (listener connected, no pushes while polls "
        "find new punches; the push quota may be spent): polling instead"
    )
