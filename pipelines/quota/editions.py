"""DingTalk editions: metered calls and pushes a month, QPS per API (reference 3.2, 11.3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    """What an organisation may spend a month; the quotas are shared by all its internal apps."""

    name: str
    calls: int
    pushes: int
    qps: float


EDITIONS = {
    "standard": Edition("standard", calls=5_000, pushes=3_000, qps=20),
    # One app-development entitlement of 专业版 reads as 200k calls + 50k pushes [C; reading I].
    "professional": Edition("professional", calls=200_000, pushes=50_000, qps=40),
}


def edition(
    name: str, calls: int | None = None, pushes: int | None = None, qps: float | None = None
) -> Edition:
    """A named edition, or `custom` (every figure given), with any figure overridden."""
    if name == "custom":
        if calls is None or pushes is None or qps is None:
            raise ValueError("the custom edition needs --calls, --pushes and --qps")
        return Edition("custom", calls, pushes, qps)
    if name not in EDITIONS:
        raise ValueError(f"unknown edition {name!r}: standard, professional or custom")
    base = EDITIONS[name]
    return Edition(
        base.name,
        calls if calls is not None else base.calls,
        pushes if pushes is not None else base.pushes,
        qps if qps is not None else base.qps,
    )
