"""Which users and work dates an approval instance covers, read from its form (reference §10).

The form's `value`/`extValue` fields are JSON strings, sometimes nested, and template ids change
when an admin edits a template; so instead of matching component ids we parse every JSON string
and collect every `workDate` (and the overtime suite's `overtimeDate`) wherever it appears.
When nothing is found we fall back to a bounded window around the instance's create and finish
times: refreshing a few extra days costs a few calls, missing a day costs a wrong payroll.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from pipelines.days import SHANGHAI

DATE_KEYS = ("workDate", "overtimeDate")
USER_KEYS = ("originatorUserId", "staffId")
MAX_FALLBACK_DAYS = 31


@dataclass(frozen=True)
class CoveredDays:
    users: frozenset[str]
    days: tuple[date, ...]
    source: str  # "form" when read from the form, "window" for the fallback


def covered_days(instance: Mapping[str, Any]) -> CoveredDays:
    """Users and work dates of one approval instance (`result` of workflow/processInstances)."""
    users = frozenset(str(instance[key]) for key in USER_KEYS if instance.get(key))
    found = sorted({day for day in _form_dates(instance.get("formComponentValues") or [])})
    if found:
        return CoveredDays(users, tuple(found), "form")
    return CoveredDays(users, _fallback_window(instance), "window")


def _form_dates(components: list[Any]) -> Iterator[date]:
    for node in _walk(components):
        if isinstance(node, Mapping):
            for key in DATE_KEYS:
                if key in node:
                    parsed = _to_date(node[key])
                    if parsed is not None:
                        yield parsed


def _walk(node: Any) -> Iterator[Any]:
    """Every dict and list in a structure whose strings may themselves hold JSON."""
    if isinstance(node, str):
        stripped = node.strip()
        if stripped[:1] in ("{", "["):
            try:
                yield from _walk(json.loads(stripped))
            except ValueError:
                return
        return
    if isinstance(node, Mapping):
        yield node
        for value in cast(Mapping[object, object], node).values():
            yield from _walk(value)
    elif isinstance(node, list):
        yield node
        for value in cast(list[object], node):
            yield from _walk(value)


def _to_date(value: Any) -> date | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=SHANGHAI).date()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _fallback_window(instance: Mapping[str, Any]) -> tuple[date, ...]:
    times = [_instance_time(instance.get(key)) for key in ("createTime", "finishTime")]
    known = [moment for moment in times if moment is not None]
    if not known:
        return ()
    first = min(known) - timedelta(days=1)
    last = max(known) + timedelta(days=1)
    span = min((last - first).days, MAX_FALLBACK_DAYS)
    return tuple(first + timedelta(days=offset) for offset in range(span + 1))


def _instance_time(value: Any) -> date | None:
    # Workflow times look like "2022-08-31T11:52Z"; the zone is undocumented, so the fallback
    # window is widened by a day on each side instead of trusting it.
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
