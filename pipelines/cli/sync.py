"""`dingtalk-attendance sync`: load a range of days through the same Dagster assets as the UI.

The roster and the report catalogue are refreshed first (contacts are not metered; the
catalogue costs two calls), then the days are pulled in chunks of up to 31 days, each chunk one
Dagster run covering the whole range (range calls, not day-by-day), with a progress bar. The
range runs are `attendance_backfill_job`: its API steps run side by side in processes, so the
run takes as long as its busiest API, not the sum over APIs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

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


@contextmanager
def _instance() -> Iterator[dg.DagsterInstance]:
    # With DAGSTER_HOME set the runs show up in `dagster dev`; otherwise they live in a
    # temporary instance (the step processes of a multiprocess run need one on disk).
    if os.environ.get("DAGSTER_HOME"):
        yield dg.DagsterInstance.get()
        return
    with tempfile.TemporaryDirectory(prefix="sync-dagster-") as home:
        instance = dg.DagsterInstance.local_temp(home)
        try:
            yield instance
        finally:
            instance.dispose()


def _export_credentials(settings) -> None:
    """The step processes build their resources from the environment (the code location's
    EnvVars): hand them the credentials this command read, from a .env file or the shell."""
    os.environ["DINGTALK_CLIENT_ID"] = settings.dingtalk_client_id
    os.environ["DINGTALK_CLIENT_SECRET"] = settings.dingtalk_client_secret.get_secret_value()
    os.environ["DINGTALK_API_BASE_URL"] = settings.dingtalk_api_base_url
    os.environ["DINGTALK_OAPI_BASE_URL"] = settings.dingtalk_oapi_base_url
    os.environ["ATTENDANCE_DATA_DIR"] = str(settings.attendance_data_dir)


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

    first = date.fromisoformat(daily_partitions.get_first_partition_key())
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
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
    _export_credentials(settings)
    with _instance() as instance:
        spent = _sync_days(first, last, chosen, resources_from_settings(settings), instance)
    shown = ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(spent.items()))
    print(f"synced {first}..{last}; metered calls: {sum(spent.values())} ({shown or 'none'})")


def _sync_days(first: date, last: date, chosen: list[str], resources, instance) -> Counter:
    """The catalogue run, then one backfill run per chunk; the metered calls they report."""
    from pipelines.definitions import ATTENDANCE_ASSETS, attendance_backfill_job

    spent: Counter = Counter()
    catalogue = [a for a in ATTENDANCE_ASSETS if a.partitions_def is None]
    result = dg.materialize(
        catalogue, resources=resources, instance=instance, run_config=QUIET, raise_on_error=False
    )
    _collect(result, {}, spent)
    config = {**QUIET, **refresh_run_config(chosen)}
    job = dg.reconstructable(attendance_backfill_job)
    with tqdm(total=(last - first).days + 1, unit="day", desc="sync", file=sys.stderr) as bar:
        for chunk_first, chunk_last in chunks(first, last):
            tags = {
                "dagster/asset_partition_range_start": chunk_first.isoformat(),
                "dagster/asset_partition_range_end": chunk_last.isoformat(),
            }
            with dg.execute_job(job, instance, run_config=config, tags=tags) as result:
                _collect(result, tags, spent)
            bar.update((chunk_last - chunk_first).days + 1)
    return spent


def _collect(result, tags: dict, spent: Counter) -> None:
    """Fail the command on a failed run; else add the metered calls its assets report."""
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        reason = failure.event_specific_data.error.message.strip() if failure else "run failed"
        raise typer.Exit(_fail(reason))
    for event in result.get_asset_materialization_events():
        calls = event.materialization.metadata.get("metered_calls_by_endpoint")
        if calls is not None and event.materialization.partition in (
            None,
            tags.get("dagster/asset_partition_range_end"),
        ):
            spent.update(calls.value)


def _fail(reason: str) -> int:
    print(f"sync failed: {reason.splitlines()[-1] if reason else 'run failed'}", file=sys.stderr)
    return 1
