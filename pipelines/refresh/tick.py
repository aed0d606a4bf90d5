"""One evaluation of the events sensor, without Dagster: read, map, coalesce, decide.

The sensor in `sensors/` wraps `plan_tick` and turns the plan into run requests. Everything the
tick needs to resume lives in `SensorCursor` (stored as the Dagster sensor cursor), so a tick
that fails before its cursor is saved is simply evaluated again from the old one and produces
the same run keys, which Dagster de-duplicates.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pipelines.catalogue import Scopes
from pipelines.days import SHANGHAI
from pipelines.refresh.actions import (
    ForgetPlans,
    Ignore,
    RefreshColumns,
    RefreshDay,
    ResolveApproval,
)
from pipelines.refresh.coalesce import Coalescer, DueRefresh
from pipelines.refresh.config import RefreshSettings
from pipelines.refresh.mapping import MappingRules, actions_for_event
from pipelines.refresh.requests import RefreshRequestStore
from pipelines.stream.models import Gap
from pipelines.stream.protocol import EventInbox

logger = logging.getLogger(__name__)

# Events that ask the pipeline to refresh a day directly (written by reconciliation or by hand).
REFRESH_REQUEST_EVENT = "attendance_refresh_request"


@dataclass
class SensorCursor:
    """Where the sensor is in each source, plus the refreshes still waiting for their window."""

    seq: int = 0  # inbox events
    req: int = 0  # refresh request queue
    gap: int = 0  # inbox connection gaps
    pending: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str | None) -> SensorCursor:
        """Parse a stored cursor; a missing cursor starts from the beginning of every source."""
        if not text:
            return cls()
        data = json.loads(text)
        return cls(data["seq"], data["req"], data["gap"], data.get("pending") or {})

    def to_json(self) -> str:
        return json.dumps(
            {"seq": self.seq, "req": self.req, "gap": self.gap, "pending": self.pending},
            sort_keys=True,
            separators=(",", ":"),
        )


@dataclass
class TickPlan:
    """What one tick decided: due refreshes, approvals to resolve, and the next cursor."""

    cursor: SensorCursor
    due: list[DueRefresh] = field(default_factory=list)
    approvals: list[ResolveApproval] = field(default_factory=list)
    approval_seqs: tuple[int, int] = (0, 0)  # first and last inbox seq that asked (run key)
    columns_seq: int = 0  # last inbox seq asking for the column catalogue, 0 for none
    plans_changed: bool = False  # a schedule, shift or group changed: forget the kept plans
    read: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    more: bool = False  # a source had more than one batch waiting

    @property
    def waiting(self) -> int:
        """Days still inside their coalescing window."""
        return len(self.cursor.pending)


def plan_tick(
    cursor: SensorCursor,
    inbox: EventInbox,
    requests: RefreshRequestStore,
    settings: RefreshSettings,
    now: float,
    rules: MappingRules | None = None,
) -> TickPlan:
    """Drain a bounded batch from every source, coalesce it, and pop the days that are due."""
    rules = rules or MappingRules(overnight_cutoff_hour=settings.overnight_cutoff_hour)
    coalescer = Coalescer(dict(cursor.pending))
    plan = TickPlan(cursor=SensorCursor(cursor.seq, cursor.req, cursor.gap))
    _read_inbox(plan, inbox, coalescer, settings, now, rules)
    _read_requests(plan, requests, coalescer, settings.sensor_batch, now)
    _read_gaps(plan, inbox, coalescer, settings.gap_max_days, now)
    plan.due = coalescer.pop_due(now, settings.coalesce_seconds)
    plan.cursor.pending = coalescer.to_state()
    return plan


def _position(plan: TickPlan) -> tuple[int, int, int]:
    return (plan.cursor.seq, plan.cursor.req, plan.cursor.gap)


def _read_inbox(plan, inbox, coalescer, settings, now, rules) -> None:
    events = inbox.read_after(plan.cursor.seq, limit=settings.sensor_batch)
    plan.more = plan.more or len(events) == settings.sensor_batch
    approvals: dict[tuple[str, str], ResolveApproval] = {}
    for event in events:
        plan.cursor.seq = event.seq
        plan.read["events"] += 1
        # The window starts when the event arrived, not when this tick saw it.
        arrived = min(now, event.received_at.timestamp())
        for action in _actions(event.event_type, event.payload, rules):
            if isinstance(action, RefreshDay):
                coalescer.add(action, _position(plan), arrived)
            elif isinstance(action, ResolveApproval):
                approvals.setdefault((action.process_instance_id, action.status), action)
                first = plan.approval_seqs[0] or event.seq
                plan.approval_seqs = (first, event.seq)
            elif isinstance(action, RefreshColumns):
                plan.columns_seq = event.seq
            elif isinstance(action, ForgetPlans):
                plan.plans_changed = True
            elif isinstance(action, Ignore):
                plan.ignored[action.reason[:120]] += 1
    plan.approvals = list(approvals.values())


def _actions(event_type: str, payload: dict, rules: MappingRules) -> list:
    if event_type == REFRESH_REQUEST_EVENT:
        return request_event_actions(payload)
    return actions_for_event(event_type, payload, rules)


def request_event_actions(payload: dict) -> list:
    """`{"workDates": ["YYYY-MM-DD", ...], "userIds": [...] | null}` -> RefreshDay actions."""
    try:
        users = payload.get("userIds")
        users = None if users is None else frozenset(str(user) for user in users)
        days = sorted({date.fromisoformat(str(day)[:10]) for day in payload["workDates"]})
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return [Ignore(f"{REFRESH_REQUEST_EVENT} payload unusable: {error}")]
    return [RefreshDay(day, users) for day in days] or [Ignore("refresh request lists no days")]


def _read_requests(plan, requests, coalescer, batch, now) -> None:
    found = requests.read_after(plan.cursor.req, limit=batch)
    plan.more = plan.more or len(found) == batch
    for request in found:
        plan.cursor.req = request.seq
        plan.read["requests"] += 1
        coalescer.add(RefreshDay(request.work_date, request.users), _position(plan), now)


def _read_gaps(plan, inbox, coalescer, max_days, now) -> None:
    for gap in inbox.gaps_after(plan.cursor.gap):
        plan.cursor.gap = gap.id
        plan.read["gaps"] += 1
        # Whatever was missed, check points and approvals are re-pulled for everyone (batched
        # calls); report values follow with the report settlement.
        for day in gap_days(gap, max_days):
            coalescer.add(RefreshDay(day, None, Scopes.APPROVALS), _position(plan), now)


def gap_days(gap: Gap, max_days: int) -> list[date]:
    """The Asia/Shanghai days a gap touched, at most the last `max_days` of them."""
    first = gap.start.astimezone(SHANGHAI).date()
    last = gap.end.astimezone(SHANGHAI).date()
    if (last - first).days >= max_days:
        logger.warning(
            "gap %s spans %s..%s; re-pulling its last %d days", gap.id, first, last, max_days
        )
        first = last - timedelta(days=max_days - 1)
    return list(_days(first, last))


def _days(first: date, last: date) -> Iterable[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def refresh_run_key(refresh: DueRefresh) -> str:
    """Day plus the position of the newest event folded in: new events make a new key."""
    position = "-".join(str(part) for part in refresh.position or (refresh.last_seq,))
    return f"refresh:{refresh.work_date.isoformat()}:{position}"
