"""What a month cost in DingTalk quota: metered calls from the ledger, pushes from the inbox,
wherever the state lives (SQLite files under the data dir, or PostgreSQL).

Calls are counted on the day they were made (the ledger's Asia/Shanghai day: what DingTalk bills
for that calendar month). Pushes are counted by the time DingTalk emitted the event (`born_at`),
which is the month DingTalk bills them to.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, time

from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import LEDGER_FILENAME
from pipelines.state.factory import StateLocation
from pipelines.stream.inbox import INBOX_FILENAME

PAGE = 1000


def month_cost(state: StateLocation, month: str) -> dict[str, int]:
    """`metered_calls`, `pushes` (all sources) and pushes by source (`pushes_stream`, ...)."""
    cost = {"metered_calls": _metered_calls(state, month), "pushes": 0}
    for source, count in sorted(_pushes(state, month).items()):
        cost[f"pushes_{source}"] = count
        cost["pushes"] += count
    return cost


def _metered_calls(state: StateLocation, month: str) -> int:
    if not state.is_postgres and not (state.data_dir / LEDGER_FILENAME).exists():
        return 0  # nothing recorded: a report does not create the ledger
    year, number = (int(part) for part in month.split("-"))
    last_day = date(year, number, calendar.monthrange(year, number)[1])
    ledger = state.ledger()
    try:
        return sum(ledger.month_to_date(datetime.combine(last_day, time.max, SHANGHAI)).values())
    finally:
        ledger.close()


def _pushes(state: StateLocation, month: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not state.is_postgres and not (state.data_dir / INBOX_FILENAME).exists():
        return counts
    inbox = state.inbox()
    try:
        seq = 0
        while batch := inbox.read_after(seq, limit=PAGE):
            counts.update(event.source for event in batch if f"{event.born_at:%Y-%m}" == month)
            seq = batch[-1].seq
    finally:
        inbox.close()
    return counts
