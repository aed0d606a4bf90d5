"""Month-to-date quota usage and a linear projection to the month's end (Asia/Shanghai)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pipelines.days import SHANGHAI
from pipelines.dingtalk.api_org import API_CALLS_BENEFIT, PUSHES_BENEFIT
from pipelines.dingtalk.errors import DingTalkError
from pipelines.dingtalk.ledger import CallLedger, shanghai_now

if TYPE_CHECKING:
    from pipelines.dingtalk.client import DingTalkClient

# Early in a month a few calls would project absurdly; treat less than an hour as an hour.
_MIN_ELAPSED = timedelta(hours=1)


@dataclass(frozen=True)
class UsageReport:
    """Metered calls this month per endpoint, against the monthly quota."""

    month: str
    quota: int
    by_endpoint: dict[str, int] = field(default_factory=dict)
    used: int = 0
    projected: int = 0

    @property
    def remaining(self) -> int:
        """Calls left this month (never negative)."""
        return max(self.quota - self.used, 0)

    @property
    def projected_share(self) -> float:
        """The projection as a fraction of the quota (1.0 = exactly the quota)."""
        return self.projected / self.quota

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "month": self.month,
            "quota": self.quota,
            "used": self.used,
            "remaining": self.remaining,
            "projected": self.projected,
            "projected_share": round(self.projected_share, 4),
            "by_endpoint": self.by_endpoint,
        }


def usage_report(ledger: CallLedger, quota: int, now: datetime | None = None) -> UsageReport:
    """Month-to-date metered calls and their linear projection to the end of the month."""
    local = (now or shanghai_now()).astimezone(SHANGHAI)
    by_endpoint = ledger.month_to_date(local)
    used = sum(by_endpoint.values())
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = calendar.monthrange(local.year, local.month)[1]
    elapsed = max(local - month_start, _MIN_ELAPSED)
    projected = round(used * timedelta(days=days) / elapsed)
    return UsageReport(f"{local:%Y-%m}", quota, by_endpoint, used, projected)


@dataclass(frozen=True)
class DingTalkUsage:
    """DingTalk's own figures for a month (meter API), or why they could not be read."""

    month: str
    api_calls: tuple[int, int] | None = None  # (used, quota)
    pushes: tuple[int, int] | None = None
    unavailable: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""

        def pair(value: tuple[int, int] | None) -> dict[str, int] | None:
            return None if value is None else {"used": value[0], "quota": value[1]}

        return {
            "month": self.month,
            "api_calls": pair(self.api_calls),
            "pushes": pair(self.pushes),
            "unavailable": self.unavailable,
        }


def read_dingtalk_usage(client: DingTalkClient, now: datetime | None = None) -> DingTalkUsage:
    """The meter API's figures for `now`'s month; where the app may not call it (403, or any
    refusal), `unavailable` says so and the local ledger stays the source of truth."""
    month = f"{(now or shanghai_now()).astimezone(SHANGHAI):%Y-%m}"
    try:
        found = client.get_resource_usage(month)
    except DingTalkError as error:
        reason = f"the meter API is not available to this app ({error}); the local ledger counts"
        return DingTalkUsage(month, unavailable=reason)

    def pair(code: str) -> tuple[int, int] | None:
        use = found.get(code)
        return None if use is None else (use.used_num, use.quota_num)

    return DingTalkUsage(month, pair(API_CALLS_BENEFIT), pair(PUSHES_BENEFIT))
