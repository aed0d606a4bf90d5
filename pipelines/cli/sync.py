"""`dingtalk-attendance sync`: load a range of days through the same Dagster assets as the UI.

The roster and the report catalogue are refreshed first (contacts are not metered; the
catalogue costs two calls), then the days are pulled in chunks of up to 31 days, each chunk one
Dagster run covering the whole range (range calls, not day-by-day), with a progress bar.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from typing import cast

import dagster as dg
import typer
from tqdm import tqdm

from pipelines.cli import app
from pipelines.jobs import refresh_run_config
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings

# getcolumnval and getleavetimebynames take at most 31 days: one call per user per chunk.
CHUNK_DAYS = 31
# Dagster's console logger prints every step at DEBUG: keep the terminal for the progress bar.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set the runs show up in `dagster dev`; otherwise they stay in memory.
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def chunks(start: date, end: date, size: int = CHUNK_DAYS) -> list[tuple[date, date]]:
    """Consecutive inclusive (first, last) ranges of at most `size` days covering start..end."""
    ranges, first = [], start
    while first <= end:
        last = min(first + timedelta(days=size - 1), end)
        ranges.append((first, last))
        first = last + timedelta(days=1)
    return ranges


def _check_range(start: date, end: date) -> None:
    from pipelines.partitions import daily_partitions

    first_key = daily_partitions.get_first_partition_key()
    last_key = daily_partitions.get_last_partition_key()
    if first_key is None or last_key is None:  # ATTENDANCE_START_DATE is in the future
        raise typer.BadParameter("there are no daily partitions yet")
    first, last = date.fromisoformat(first_key), date.fromisoformat(last_key)
    if start > end:
        raise typer.BadParameter(f"--start {start} is after --end {end}")
    if start < first or end > last:
        raise typer.BadParameter(
            f"{start}..{end} is outside the partitions {first}..{last} "
            "(set ATTENDANCE_START_DATE for earlier days)"
        )


@app.command()
def sync(
    start: str = typer.Option(..., "--start", help="First work date, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last work date, YYYY-MM-DD."),
    users: str = typer.Option("", "--users", help="Comma-separated userids (targeted refresh)."),
) -> None:
    """Pull the days start..end into the warehouse through the Dagster assets."""
    first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
    _check_range(first, last)
    chosen = sorted({user.strip() for user in users.split(",") if user.strip()})
    settings = load_settings()
    settings.require_credentials()
    from pipelines.definitions import ATTENDANCE_ASSETS

    resources, instance = resources_from_settings(settings), _instance()
    spent: Counter = Counter()
    daily = [a for a in ATTENDANCE_ASSETS if a.partitions_def is not None]
    catalogue = [a for a in ATTENDANCE_ASSETS if a.partitions_def is None]
    _run(catalogue, resources, instance, {}, None, spent)
    config = refresh_run_config(chosen, [a.key.to_user_string() for a in daily])
    with tqdm(total=(last - first).days + 1, unit="day", desc="sync", file=sys.stderr) as bar:
        for chunk_first, chunk_last in chunks(first, last):
            tags = {
                "dagster/asset_partition_range_start": chunk_first.isoformat(),
                "dagster/asset_partition_range_end": chunk_last.isoformat(),
            }
            _run(daily, resources, instance, tags, config, spent)
            bar.update((chunk_last - chunk_first).days + 1)
    shown = ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(spent.items()))
    print(f"synced {first}..{last}; metered calls: {sum(spent.values())} ({shown or 'none'})")


def _run(assets, resources, instance, tags, run_config, spent: Counter) -> None:
    result = dg.materialize(
        assets,
        resources=resources,
        instance=instance,
        tags=tags,
        run_config={**QUIET, **(run_config or {})},
        raise_on_error=False,
    )
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        error = failure.step_failure_data.error if failure is not None else None
        reason = error.message.strip() if error is not None else "run failed"
        raise typer.Exit(_fail(reason))
    for event in result.get_asset_materialization_events():
        calls = event.materialization.metadata.get("metered_calls_by_endpoint")
        if calls is not None and event.materialization.partition in (
            None,
            tags.get("dagster/asset_partition_range_end"),
        ):
            # The asset writes it as JSON metadata: {endpoint: calls}.
            spent.update(cast(Mapping[str, int], calls.value))


def _fail(reason: str) -> int:
    print(f"sync failed: {reason.splitlines()[-1] if reason else 'run failed'}", file=sys.stderr)
    return 1
