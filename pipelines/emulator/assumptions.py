"""Wire behaviours the reference marks uncertain ([I]): one switch each, settable mid-run.

Defaults are the emulator's best reading of `dingtalk-api.md`; tests and benchmarks flip them
(config, or `POST /_emulator/assumptions`) to see whether a strategy depends on the guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUOTA_ERROR_STYLES = ("90020", "88")


def _default_benefits() -> dict[str, str]:
    # The meter API's benefit codes are undocumented [I]: code -> what the emulator counts.
    return {"OPEN_API_CALL": "api", "WEBHOOK_STREAM_PUSH": "push"}


@dataclass
class Assumptions:
    """Switches for behaviours DingTalk does not document (reference sections 2.3, 3, 11)."""

    supply_punch_in_records: bool = True
    """A 补卡 shows as a raw punch with sourceType APPROVE (listRecord, check_record_list)."""

    boss_punch_in_records: bool = False
    """An admin edit of a missed check point shows as a raw punch with sourceType BOSS."""

    quota_error_style: str = "90020"
    """Old-API answer once the month's calls are spent: "90020", or "88" (errcode 88 with
    sub_code "90020", as seen in the wild [C3])."""

    meter_api_permitted: bool = True
    """False: `/v1.0/meter/resources/useInfos/query` answers 403 AccessTokenPermissionDenied."""

    meter_api_metered: bool = False
    """Whether a meter API call counts against the monthly quota (undocumented [I])."""

    benefit_codes: dict[str, str] = field(default_factory=_default_benefits)
    """Meter API benefit codes: code -> "api" (metered calls) or "push" (Stream pushes)."""

    listschedule_max_employees: int = 10_000

    approvals_query_max_users: int = 50
    """ListApproveByUsers (`/v1.0/attendance/approvals/query`): users a call (undocumented [I])."""

    approvals_query_max_days: int = 31
    """ListApproveByUsers: days a call may span (undocumented [I])."""
    """listschedule refuses orgs of this many people or more [C]; 0 lifts the limit."""

    def validate(self) -> None:
        if self.quota_error_style not in QUOTA_ERROR_STYLES:
            raise ValueError(f"quota_error_style must be one of {QUOTA_ERROR_STYLES}")
        if set(self.benefit_codes.values()) - {"api", "push"}:
            raise ValueError('benefit_codes values must be "api" or "push"')
        if self.listschedule_max_employees < 0:
            raise ValueError("listschedule_max_employees must be >= 0")

    def update(self, changes: dict[str, Any]) -> None:
        """Apply switches by name (unknown names or bad values raise ValueError, nothing set)."""
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown assumption: {', '.join(sorted(unknown))}")
        updated = Assumptions(**{**self.__dict__, **changes})
        for name, value in changes.items():
            if type(value) is not type(getattr(self, name)):
                raise ValueError(f"{name} must be a {type(getattr(self, name)).__name__}")
        updated.validate()
        self.__dict__.update(updated.__dict__)
