"""Month-to-date quota usage and a linear projection to the month's end (Asia/Shanghai)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import CallLedger, shanghai_now

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

    def as_dict(self) -> dict:
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
