"""The monthly push quota (Webhook & Stream pushes, reference 3.2 and 11.2), settable mid-run.

DingTalk bills every attendance push and stops pushing once the month's pushes are spent; what
a client sees then is undocumented [I]: "silence" (pushes just stop, the default, as the
reference advises to plan for) or "error_20001" (the bot-message answer: connections are told
to go and new ones refused with errCode 20001).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

EXHAUSTED_MODES = ("silence", "error_20001")
PAUSED_MESSAGE = "受调用量超量影响，当前我的消息服务已经暂停"


@dataclass
class PushQuota:
    """Pushes counted per month of the event's born time, and what happens past the quota."""

    quota: int = 3000
    enforced: bool = False
    on_exhausted: str = "silence"
    per_attempt: bool = False  # True: every frame sent counts, redeliveries included
    by_month: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def exhausted(self, month: str) -> bool:
        return self.by_month[month] >= self.quota

    def admit(self, month: str) -> tuple[bool, bool]:
        """Count one push of `month`: (allowed, over quota). Refused only when enforced."""
        with self._lock:
            over = self.by_month[month] >= self.quota
            if over and self.enforced:
                return False, True
            self.by_month[month] += 1
            return True, over

    def update(self, changes: dict[str, Any], month: str) -> None:
        """Apply `quota`, `enforced`, `on_exhausted`, `per_attempt` and `used` (this month's
        count, so a test can spend the quota at once); bad input raises ValueError."""
        known = {"quota", "enforced", "on_exhausted", "per_attempt", "used"}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown push quota setting: {', '.join(sorted(unknown))}")
        for name in ("enforced", "per_attempt"):
            if name in changes and not isinstance(changes[name], bool):
                raise ValueError(f"{name} must be true or false")
        for name in ("quota", "used"):
            if name in changes and (not isinstance(changes[name], int) or changes[name] < 0):
                raise ValueError(f"{name} must be an integer >= 0")
        mode = changes.get("on_exhausted", self.on_exhausted)
        if mode not in EXHAUSTED_MODES:
            raise ValueError(f"on_exhausted must be one of {EXHAUSTED_MODES}")
        with self._lock:
            self.quota = changes.get("quota", self.quota)
            self.enforced = changes.get("enforced", self.enforced)
            self.per_attempt = changes.get("per_attempt", self.per_attempt)
            self.on_exhausted = mode
            if "used" in changes:
                self.by_month[month] = changes["used"]

    def status(self, month: str) -> dict[str, Any]:
        """The stats entry for `month` (the emulator clock's month)."""
        return {
            "month": month,
            "pushes_this_month": self.by_month[month],
            "quota": self.quota,
            "enforced": self.enforced,
            "exhausted": self.exhausted(month),
            "on_exhausted": self.on_exhausted,
            "per_attempt": self.per_attempt,
        }
