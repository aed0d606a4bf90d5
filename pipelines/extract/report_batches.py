"""Report values pulled in batches of users: joined per batch, published per day.

getcolumnval answers one user's month a call, so a day is complete only once every user was
asked. `load_report_values` stages each batch (`pipelines.warehouse.staging.DayStage`) and then
`publish_staged` replaces each day's partition once, one day in memory at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.catalogue import Table
from pipelines.days import DayRange
from pipelines.warehouse.schemas import REPORT_WINDOW_DAYS, SHOULD_ATTEND_ALIAS
from pipelines.warehouse.staging import DayStage
from pipelines.warehouse.store import ParquetStore

Rows = list[dict]


def user_batches(
    tasks: Sequence[tuple[str, str]], answers: Iterable[dict[date, Rows]], size: int
) -> Iterator[dict[date, Rows]]:
    """The answers of `tasks` ((api, userid), a user's tasks side by side) joined per day, in
    batches of at most `size` users."""
    batch: dict[date, Rows] = defaultdict(list)
    seen: set[str] = set()
    for (_, userid), found in zip(tasks, answers, strict=True):
        if userid not in seen and len(seen) == size:
            yield batch
            batch, seen = defaultdict(list), set()
        seen.add(userid)
        for day, items in found.items():
            batch[day].extend(items)
    if seen:
        yield batch


def publish_staged(
    store: ParquetStore, stage: DayStage, days: DayRange, pulled: set[str], today: date
) -> dict[date, int]:
    """Replace the `pulled` users' rows of each day with the staged ones; rows per day.

    Outside DingTalk's 15-day window 应出勤天数 comes back 0: a value captured earlier, inside
    the window, is kept instead of being overwritten by that 0.
    """
    table = Table.ATTENDANCE_REPORT_VALUES
    counts = {}
    for day in days.days():
        fresh = stage.day(day)
        if abs((today - day).days) > REPORT_WINDOW_DAYS:
            fresh = keep_captured_should_attend(store.read(table, day), fresh)
        counts[day] = store.replace_users(table, day, pulled, fresh)
    return counts


def keep_captured_should_attend(previous: pa.Table, fresh: pa.Table) -> pa.Table:
    """Fresh rows, except 应出勤天数 rows replaced by the value captured earlier in the window
    (rows in any order: the store sorts a partition by its key)."""
    captured = previous.filter(_is_should_attend(previous))
    asked = fresh.filter(_is_should_attend(fresh))["userid"]
    kept = captured.filter(pc.is_in(captured["userid"], value_set=asked))
    replaced = pc.and_(
        _is_should_attend(fresh), pc.is_in(fresh["userid"], value_set=kept["userid"])
    )
    return pa.concat_tables([fresh.filter(pc.invert(replaced)), kept.select(fresh.column_names)])


def _is_should_attend(data: pa.Table) -> pa.ChunkedArray[pa.BooleanScalar]:
    alias = pc.equal(data["column_alias"], pa.scalar(SHOULD_ATTEND_ALIAS))
    should = pc.and_(alias, pc.equal(data["source"], pa.scalar("column")))
    # Columns in, columns out: a table's column gives a chunked mask (the stubs say scalar too).
    return cast("pa.ChunkedArray[pa.BooleanScalar]", pc.fill_null(should, pa.scalar(False)))
