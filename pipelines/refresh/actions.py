"""What an inbox event asks the pipeline to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipelines.catalogue import SCOPES, Scope, Scopes


def wider(left: Scope, right: Scope) -> Scope:
    """The scope that covers both."""
    return left if SCOPES.index(left) >= SCOPES.index(right) else right


@dataclass(frozen=True)
class RefreshDay:
    """Re-pull one work date; `users` is None for the whole organisation."""

    work_date: date
    users: frozenset[str] | None
    scope: Scope = Scopes.FULL


@dataclass(frozen=True)
class ResolveApproval:
    """An approval changed; its days and users are only known from the instance detail (an API
    call), so the sensor hands this to a run instead of resolving it in the tick."""

    process_instance_id: str
    kind: str  # LEAVE, OVERTIME, TRAVEL, OUT, or the bpms bizCategoryId
    status: str  # start, finish, terminate, delete


@dataclass(frozen=True)
class RefreshColumns:
    """The report column catalogue changed."""


@dataclass(frozen=True)
class ForgetPlans:
    """Schedules changed: the plans polls keep (schedules and leaves) are stale from today on.
    The data already pulled stays; the daily close re-reads every plan anyway."""


@dataclass(frozen=True)
class Ignore:
    """Nothing to re-pull; the reason is kept for the sensor's log and the docs table."""

    reason: str


Action = RefreshDay | ResolveApproval | RefreshColumns | ForgetPlans | Ignore
