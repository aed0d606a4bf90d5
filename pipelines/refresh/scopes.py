"""Which assets of `attendance_refresh_job` each refresh scope re-pulls, and what it costs.

Measured against the emulator (bench/event_latency.py --costs): `attendance_results` and
`attendance_punches` cost one call per 50 users per 7 days, `attendance_approvals` one
`getleavestatus` per 100 users plus `getupdatedata` for users with approvals, and
`attendance_report_values` one `getcolumnval` call per user (whatever the number of days, up
to 31). Report values are therefore never re-pulled for a punch: a day's statistics are final
only after DingTalk settled it, and the report settlement schedule re-pulls them in ranges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipelines.catalogue import Asset, Scope, Scopes

# Computed from the pulled tables without API calls: every refresh rebuilds the daily mart, and
# the monthly marts follow in a run of their own once the refresh succeeded (they are
# monthly-partitioned: sensors/monthly_marts.py).
MARTS = (Asset.ATTENDANCE_DAILY,)
_CHECKS = (Asset.ATTENDANCE_RESULTS, Asset.ATTENDANCE_PUNCHES)
SCOPE_ASSETS: dict[Scope, tuple[str, ...]] = {
    Scopes.CHECKS: (*_CHECKS, *MARTS),
    Scopes.APPROVALS: (*_CHECKS, Asset.ATTENDANCE_APPROVALS, *MARTS),
    Scopes.FULL: (*_CHECKS, Asset.ATTENDANCE_APPROVALS, Asset.ATTENDANCE_REPORT_VALUES, *MARTS),
}


def assets_for(scope: Scope) -> tuple[str, ...]:
    """Asset keys (as strings) a refresh of this scope materializes."""
    return SCOPE_ASSETS[scope]


def users_needing(
    asset: str, users: Sequence[str], scopes: Mapping[str, Scope], others: Scope
) -> list[str] | None:
    """The users `asset` must re-pull in a run whose users each asked for their own scope.

    `users` empty means the whole day: everyone at scope `others`. Returns None for everyone,
    a list of userids otherwise (empty: this asset has nothing to pull in this run).
    """
    if not users and asset in SCOPE_ASSETS[others]:
        return None
    named = users or sorted(scopes)
    return [user for user in named if asset in SCOPE_ASSETS[scopes.get(user, others)]]
