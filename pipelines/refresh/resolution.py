"""Approval resolution: from changed approval instances to refresh requests of their days.

Runs inside a Dagster run (it spends metered calls), never inside the sensor tick. Each instance
is fetched once per run whatever number of events named it. A terminated (revoked) or deleted
approval must disappear from the days it covered, so those days are also read from the
warehouse (rows that carry the instance id): a deleted instance can no longer be fetched, and
the warehouse still knows where its leave was written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipelines.dingtalk.errors import BadRequestError
from pipelines.refresh.actions import ResolveApproval
from pipelines.refresh.approval_days import covered_days
from pipelines.refresh.requests import RefreshRequest
from pipelines.warehouse.store import WarehouseRows

logger = logging.getLogger(__name__)

ENDED = frozenset({"terminate", "delete", "revoke"})

FetchInstance = Callable[[str], Mapping[str, Any]]
WrittenDays = Callable[[str], set[tuple[date, str]]]


@dataclass
class Resolution:
    """What a resolution run found: requests to queue, and counts for the run's metadata."""

    requests: list[RefreshRequest] = field(default_factory=list)
    fetched: int = 0
    missing: list[str] = field(default_factory=list)  # instances DingTalk no longer knows
    unresolved: list[str] = field(default_factory=list)  # no day found anywhere

    @property
    def days(self) -> int:
        return len({request.work_date for request in self.requests})


def resolve_approvals(
    approvals: Iterable[ResolveApproval], fetch: FetchInstance, written_days: WrittenDays
) -> Resolution:
    """Fetch each distinct instance once and turn what it covers into refresh requests."""
    by_id: dict[str, list[ResolveApproval]] = {}
    for approval in approvals:
        by_id.setdefault(approval.process_instance_id, []).append(approval)
    resolution = Resolution()
    for instance_id, changes in by_id.items():
        statuses = sorted({change.status for change in changes})
        user_days = _instance_user_days(instance_id, fetch, resolution)
        if ENDED.intersection(statuses) or not user_days:
            user_days |= written_days(instance_id)
        if not user_days:
            resolution.unresolved.append(instance_id)
            logger.warning("approval %s (%s): no covered day found", instance_id, statuses)
            continue
        reason = f"approval {instance_id} {'/'.join(statuses)}"
        resolution.requests.extend(_requests(user_days, reason))
    return resolution


def _instance_user_days(
    instance_id: str, fetch: FetchInstance, resolution: Resolution
) -> set[tuple[date, str | None]]:
    try:
        instance = fetch(instance_id)
    except BadRequestError as error:  # processInstanceNotExist: deleted, or never visible
        logger.info("approval %s cannot be fetched (%s)", instance_id, error.errcode)
        resolution.missing.append(instance_id)
        return set()
    resolution.fetched += 1
    found = covered_days(instance)
    users: list[str | None] = [*sorted(found.users)] or [None]
    return {(day, user) for day in found.days for user in users}


def _requests(user_days: set[tuple[date, str | None]], reason: str) -> list[RefreshRequest]:
    users_by_day: dict[date, set[str] | None] = {}
    for day, user in user_days:
        current = users_by_day.setdefault(day, set())
        if user is None or current is None:
            users_by_day[day] = None  # originator unknown: refresh the whole day
        else:
            current.add(user)
    return [
        RefreshRequest(day, None if users is None else frozenset(users), reason)
        for day, users in sorted(users_by_day.items())
    ]


def warehouse_written_days(store: WarehouseRows) -> WrittenDays:
    """(work_date, userid) pairs whose warehouse rows were produced by an approval instance."""
    return store.approval_instance_days
