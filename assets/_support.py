"""Shared pieces of the attendance assets: run config, the day range of a run, metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import dagster as dg
import pyarrow as pa

from pipelines.catalogue import Scopes
from pipelines.days import DayRange
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.inputs import missing_inputs

PREVIEW_ROWS = 5


class RefreshConfig(dg.Config):
    """Targeted refresh: re-pull only these users (DingTalk userids) and replace only their rows.

    Empty (the default) refreshes every employee of the partition's days. `scopes` names the
    refresh scope each user asked for (pipelines/refresh/scopes.py); users not in it, and
    everyone on a whole-day run, get `others_scope`. Each asset re-pulls only the users whose
    scope includes it, so one user's full refresh does not cost every user a getcolumnval.
    """

    users: list[str] = []
    scopes: dict[str, str] = {}
    others_scope: str = Scopes.FULL


def require_inputs(
    store: ParquetStore, table: str, days: Sequence[date], users_named: bool = False
) -> None:
    """Fail the step, before any call or write, when an input of `table` was never materialized.

    A `dg.Failure` shows its one line in the UI and the CLI instead of a traceback.
    """
    problem = missing_inputs(store, table, days, users_named)
    if problem:
        raise dg.Failure(description=problem, allow_retries=False)


def run_days(context: dg.AssetExecutionContext) -> DayRange:
    """The work dates of this run: one day, or the whole range of a single-run backfill."""
    keys = context.partition_key_range
    return DayRange(date.fromisoformat(keys.start), date.fromisoformat(keys.end))


def metadata(
    counts: Mapping[date, int],
    metered: Mapping[str, int],
    preview: pa.Table | None,
    extra: Mapping[str, dg.MetadataValue | int] | None = None,
) -> dict[str, dg.MetadataValue | int]:
    """Rows per day of the run, metered DingTalk calls by endpoint and a short markdown preview.

    These values are the run's, copied by Dagster onto every partition of a range run; the
    row count and the metered calls of each partition are set per partition
    (assets/table_metadata.py, assets/partition_figures.py) and take precedence.
    """
    total = sum(metered.values())
    values: dict[str, dg.MetadataValue | int] = {
        "rows_per_day": dg.MetadataValue.json({day.isoformat(): n for day, n in counts.items()}),
        "metered_calls": dg.MetadataValue.int(total),
        "metered_calls_in_run": dg.MetadataValue.int(total),
        "metered_calls_by_endpoint": dg.MetadataValue.json(dict(metered)),
    }
    if preview is not None:
        values["preview"] = dg.MetadataValue.md(markdown_preview(preview))
    values.update(extra or {})
    return values


def markdown_preview(table: pa.Table, rows: int = PREVIEW_ROWS) -> str:
    """The first rows of `table` as a markdown table (cells shortened)."""
    head = table.slice(0, rows).to_pylist()
    if not head:
        return "_no rows_"
    columns = table.column_names
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in head:
        lines.append("| " + " | ".join(_cell(row[column]) for column in columns) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."
