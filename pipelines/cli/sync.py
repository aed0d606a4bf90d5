"""`dingtalk-attendance sync`: load a range of days through the same Dagster assets as the UI.

The roster and the report catalogue are refreshed first (contacts are not metered; the
catalogue costs two calls), then the days are pulled in chunks of up to 31 days, each chunk one
Dagster run covering the whole range (range calls, not day-by-day), with a progress bar. The
range runs are `attendance_backfill_job`: its API steps run side by side in processes, so the
run takes as long as its busiest API, not the sum over APIs. After each chunk the command runs
`attendance_monthly_marts_job` over the chunk's months itself: it waits for the chunk anyway,
so no daemon (and no run-status sensor) is needed to rebuild the monthly partitions it touched.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import dagster as dg
import typer
from dagster._core.execution.execution_result import ExecutionResult
from tqdm import tqdm

from pipelines.catalogue import Asset, Job, Tag
from pipelines.cli import app
from pipelines.cli.sync_outcome import cost_document, cost_lines, root_cause, write_log
from pipelines.demo.instance import open_instance
from pipelines.jobs import monthly_marts_tags, refresh_run_config
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings

# getcolumnval and getleavetimebynames take at most 31 days: one call per user per chunk.
CHUNK_DAYS = 31
# Dagster's console logger prints every step at DEBUG: keep the terminal for the progress bar.
# A failure is reported as one line with the log file's path, not as Dagster's traceback.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


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
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the metered calls the range would spend; pull nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Pull the days start..end into the warehouse through the Dagster assets."""
    first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
    _check_range(first, last)
    chosen = sorted({user.strip() for user in users.split(",") if user.strip()})
    settings = load_settings()
    settings.require_credentials()
    resources = resources_from_settings(settings)
    _export_credentials(settings)
    # The instance `serve`, the daemon and `dagster dev` use: the history pulled here shows as
    # materialized there, and a "backfill missing" does not spend the quota a second time.
    instance = open_instance(settings.attendance_data_dir)
    spent: Counter = Counter()
    try:
        span = (first, last)
        if not _pull(settings, resources, instance, chosen, span, (dry_run, as_json), spent):
            return
    except _RunFailed as failure:  # printed once the progress bar is gone
        print(failure, file=sys.stderr)
        raise typer.Exit(1) from None
    if as_json:
        by_endpoint = dict(sorted(spent.items()))
        summary = {"synced": [first.isoformat(), last.isoformat()], "users": chosen or None}
        print(json.dumps({**summary, "metered_calls": spent.total(), "by_endpoint": by_endpoint}))
        return
    shown = ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(spent.items()))
    print(f"synced {first}..{last}; metered calls: {sum(spent.values())} ({shown or 'none'})")


class _RunFailed(Exception):
    """A chunk's run failed; the message is the one line to print."""


def _pull(
    settings, resources, instance, chosen, span: tuple[date, date], modes, spent: Counter
) -> bool:
    """The roster, then (unless a dry run) the catalogue and the days; False after a dry run.

    `modes` is (dry_run, as_json).
    """
    from pipelines.definitions import ATTENDANCE_ASSETS, DAILY_ASSETS

    by_name = {a.key.to_user_string(): a for a in ATTENDANCE_ASSETS}
    # The roster first: contacts are not metered, and it tells which --users exist.
    _run([by_name[Asset.EMPLOYEES]], resources, instance, {}, None, spent)
    roster = _roster(resources)
    _check_users(chosen, roster)
    dry_run, as_json = modes
    if dry_run:
        quota = settings.dingtalk_monthly_api_quota
        first, last = span
        estimate = (len(chosen) or len(roster), first, last, CHUNK_DAYS, quota)
        for line in [json.dumps(cost_document(*estimate))] if as_json else cost_lines(*estimate):
            print(line)
        return False
    _run([by_name[Asset.REPORT_COLUMNS]], resources, instance, {}, None, spent)
    config = refresh_run_config(chosen, [a.key.to_user_string() for a in DAILY_ASSETS])
    _run_chunks(resources, instance, config, spent, span)
    return True


def _run_chunks(resources, instance, config, spent: Counter, span) -> None:
    first, last = span
    total = (last - first).days + 1
    with tqdm(total=total, unit="day", desc="sync", file=sys.stderr, leave=False) as bar:
        for chunk_first, chunk_last in chunks(first, last):
            tags = {Tag.RANGE_START: chunk_first.isoformat(), Tag.RANGE_END: chunk_last.isoformat()}
            _run_backfill(resources, instance, tags, config, spent)
            _run_monthly_marts(resources, instance, (chunk_first, chunk_last), spent)
            bar.update((chunk_last - chunk_first).days + 1)


def _run_backfill(resources, instance, tags, run_config, spent: Counter) -> None:
    """One chunk through `attendance_backfill_job`: its API steps run side by side in processes
    that build their resources from the environment `_export_credentials` prepared."""
    from pipelines.definitions import attendance_backfill_job

    job = dg.reconstructable(attendance_backfill_job)
    config = {**QUIET, **(run_config or {})}
    try:
        with dg.execute_job(job, instance, run_config=config, tags=tags) as result:
            _collect(result, resources, tags, spent)
    finally:
        _stop_forkserver()


def _stop_forkserver() -> None:
    """Stop the executor's forkserver: it holds the environment (settings) of the sync that
    started it, and a later sync in this process (tests, notebooks) must not fork from it.
    The next run starts a fresh one. `_stop` is the stdlib's own (used by its tests)."""
    import multiprocessing.forkserver

    multiprocessing.forkserver._forkserver._stop()  # noqa: SLF001  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]


def _run_monthly_marts(resources, instance, days: tuple[date, date], spent: Counter) -> None:
    """The monthly marts of the months the days first..last touch, in one run (no API calls)."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def(Job.ATTENDANCE_MONTHLY_MARTS)
    tags = monthly_marts_tags(*days)
    result = job.execute_in_process(
        instance=instance, tags=tags, run_config=QUIET, raise_on_error=False
    )
    _collect(result, resources, tags, spent)


def _roster(resources: dict) -> list[str]:
    employees = resources["warehouse"].store().read(Asset.EMPLOYEES)
    return [row["userid"] for row in employees.select(["userid"]).to_pylist()]


def _check_users(chosen: list[str], roster: list[str]) -> None:
    unknown = sorted(set(chosen) - set(roster))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        print(
            f"sync refused: unknown userid(s) {shown}: not in the roster of {len(roster)}"
            " employees (DingTalk userids, not names or job numbers); nothing was pulled",
            file=sys.stderr,
        )
        raise typer.Exit(2)


def _run(assets, resources, instance, tags, run_config, spent: Counter) -> None:
    result = dg.materialize(
        assets,
        resources=resources,
        instance=instance,
        tags=tags,
        run_config={**QUIET, **(run_config or {})},
        raise_on_error=False,
    )
    _collect(result, resources, tags, spent)


def _collect(result, resources, tags, spent: Counter) -> None:
    """Fail the command on a failed run; else add the metered calls its assets report."""
    if not result.success:
        raise _RunFailed(_failure_line(result, resources["warehouse"].path))
    for event in result.get_asset_materialization_events():
        calls = event.materialization.metadata.get("metered_calls_by_endpoint")
        if calls is not None and event.materialization.partition in (
            None,
            tags.get(Tag.RANGE_END),
        ):
            # The asset writes it as JSON metadata: {endpoint: calls}.
            spent.update(cast(Mapping[str, int], calls.value))


def _failure_line(result: ExecutionResult, data_dir: Path) -> str:
    """The root cause and where the full error is, in one line."""
    failure = next((e for e in result.all_events if e.is_step_failure), None)
    error = failure.step_failure_data.error if failure is not None else None
    if error is None:
        return f"sync failed: run {result.run_id} failed (see the Dagster UI)"
    log = write_log(data_dir, result.run_id, error)
    return f"sync failed: {root_cause(error)} (full log: {log})"
