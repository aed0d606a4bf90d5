"""What a month cost in DingTalk quota: metered calls from the ledger, pushes from the inbox.

Calls are counted on the day they were made (the ledger's Asia/Shanghai day: what DingTalk bills
for that calendar month). Pushes are counted by the time DingTalk emitted the event (`born_at`),
which is the month DingTalk bills them to.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import LEDGER_FILENAME, QuotaLedger
from pipelines.stream.inbox import INBOX_FILENAME, Inbox

PAGE = 1000


def month_cost(data_dir: Path, month: str) -> dict[str, int]:
    """`metered_calls`, `pushes` (all sources) and pushes by source (`pushes_stream`, ...)."""
    cost = {"metered_calls": _metered_calls(data_dir, month), "pushes": 0}
    for source, count in sorted(_pushes(data_dir, month).items()):
        cost[f"pushes_{source}"] = count
        cost["pushes"] += count
    return cost


def _metered_calls(data_dir: Path, month: str) -> int:
    path = data_dir / LEDGER_FILENAME
    if not path.exists():
        return 0
    year, number = (int(part) for part in month.split("-"))
    last_day = date(year, number, calendar.monthrange(year, number)[1])
    ledger = QuotaLedger(path)
    try:
        return sum(ledger.month_to_date(datetime.combine(last_day, time.max, SHANGHAI)).values())
    finally:
        ledger.close()


def _pushes(data_dir: Path, month: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not (data_dir / INBOX_FILENAME).exists():
        return counts
    with Inbox.in_data_dir(data_dir) as inbox:
        seq = 0
        while batch := inbox.read_after(seq, limit=PAGE):
            counts.update(event.source for event in batch if f"{event.born_at:%Y-%m}" == month)
            seq = batch[-1].seq
    return counts
