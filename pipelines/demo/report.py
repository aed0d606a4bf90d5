"""The demo's closing report: rows per table, analyst answers, quotas spent, where things are.

`report_lines` prints it for a person; `report_document` is the same figures as one JSON object
(`demo --json`), for a script or CI to read without parsing text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.catalogue import Table
from pipelines.demo.queries import EXAMPLE_QUERIES, connect_read_only, row_counts, run_query
from pipelines.demo.runner import DemoOutcome
from pipelines.reports.data import ReportError
from pipelines.reports.files import write_month_report
from pipelines.warehouse import ParquetStore, warehouse_path

# Standard edition since 2025-11-19 (reference 3.2): metered API calls and Stream/webhook pushes.
MONTHLY_API_QUOTA = 5000
MONTHLY_PUSH_QUOTA = 3000


def report_lines(outcome: DemoOutcome) -> list[str]:
    """The whole report as printable lines."""
    connection = connect_read_only(outcome.data_dir)
    try:
        lines = ["", "== Rows per table =="]
        lines += [f"  {table:<32}{count:>8}" for table, count in row_counts(connection).items()]
        for query in EXAMPLE_QUERIES:
            columns, rows = run_query(connection, query)
            frame = pd.DataFrame(rows, columns=columns)
            lines += ["", f"== {query.title} ==", frame.to_string(index=False, max_rows=12)]
    finally:
        connection.close()
    lines += quota_lines(outcome) + location_lines(outcome.data_dir)
    return lines + report_file_lines(outcome.data_dir)


def report_document(outcome: DemoOutcome) -> dict[str, Any]:
    """The report's figures as one JSON-ready object; writes the monthly reports like the text."""
    connection = connect_read_only(outcome.data_dir)
    try:
        rows = row_counts(connection)
    finally:
        connection.close()
    reports: dict[str, Any] = {}
    for month, written in write_reports(outcome.data_dir):
        reports[month] = (
            {"error": written}
            if isinstance(written, str)
            else {"page": str(written[0]), "workbook": str(written[1])}
        )
    return {
        **quota_figures(outcome),
        "runs_by_job": dict(sorted(outcome.runs_by_job.items())),
        "events_in_live_day": outcome.events_in_live_day,
        "rows": rows,
        "paths": {**locations(outcome.data_dir), "reports": reports},
        "timings_s": {step: round(seconds, 1) for step, seconds in outcome.timings.items()},
    }


def quota_figures(outcome: DemoOutcome) -> dict[str, Any]:
    """Metered calls, pushes and events as the emulator counted them, with the quotas."""
    stats = outcome.emulator_stats
    stream = stats.get("stream") or {}
    inbox = outcome.inbox_by_source
    return {
        "metered_calls": int(stats.get("metered_calls_total", 0)),
        "monthly_api_quota": MONTHLY_API_QUOTA,
        "pushes": int(stats.get("pushes_metered", 0)),
        "monthly_push_quota": MONTHLY_PUSH_QUOTA,
        "events": {
            "published": int(stream.get("events_published", 0)),
            "delivered_live": int(stream.get("events_delivered", 0)),
            "undeliverable": int(stream.get("failed_total", 0)),
        },
        "inbox": {
            "from_stream": inbox.get("stream", 0),
            "failed_pushes_recovered": inbox.get("failed_push", 0),
        },
    }


def quota_lines(outcome: DemoOutcome) -> list[str]:
    """Metered calls and pushes as the emulator counted them, against the monthly quotas."""
    figures = quota_figures(outcome)
    calls, pushes = figures["metered_calls"], figures["pushes"]
    events, inbox = figures["events"], figures["inbox"]
    runs = ", ".join(f"{job} {count}" for job, count in sorted(outcome.runs_by_job.items()))
    return [
        "",
        "== DingTalk quota spent by this demo (as the emulator metered it) ==",
        f"  metered API calls  {calls:>6} of {MONTHLY_API_QUOTA} a month "
        f"({100 * calls / MONTHLY_API_QUOTA:.1f} %)",
        f"  Stream pushes      {pushes:>6} of {MONTHLY_PUSH_QUOTA} a month "
        f"({100 * pushes / MONTHLY_PUSH_QUOTA:.1f} %)",
        f"  events: {events['published']} published, "
        f"{events['delivered_live']} delivered live, "
        f"{events['undeliverable']} undeliverable (listener down)",
        f"  inbox:  {inbox['from_stream']} from Stream, "
        f"{inbox['failed_pushes_recovered']} recovered from the failed-push list",
        f"  Dagster runs: {runs}",
    ]


def locations(data_dir: Path) -> dict[str, str]:
    """Where the warehouse, its Parquet files and the Dagster instance are."""
    return {
        "duckdb": str(warehouse_path(data_dir)),
        "parquet": str(data_dir / "parquet"),
        "dagster_home": str(data_dir / "dagster_home"),
    }


def location_lines(data_dir: Path) -> list[str]:
    """Where the user finds the warehouse."""
    where = locations(data_dir)
    return [
        "",
        "== Where the data is ==",
        f"  DuckDB:  {where['duckdb']}",
        f"  Parquet: {where['parquet']}/<table>/work_date=YYYY-MM-DD/part-0.parquet",
        f"  Dagster: DAGSTER_HOME={where['dagster_home']} (dagster dev shows the runs)",
        f"  Query:   dingtalk-attendance sql --data-dir {data_dir}  (example queries: README.md)",
    ]


def write_reports(data_dir: Path) -> list[tuple[str, tuple[Path, Path] | str]]:
    """Write the page and workbook of every loaded month: (month, (page, workbook) or why not)."""
    written: list[tuple[str, tuple[Path, Path] | str]] = []
    for month in ParquetStore(data_dir).partitions(Table.ATTENDANCE_MONTHLY):
        try:
            report = write_month_report(data_dir, month)
        except ReportError as error:  # a month partition without rows: say so, go on
            written.append((month, str(error)))
            continue
        written.append((month, (report.page, report.workbook)))
    return written


def report_file_lines(data_dir: Path) -> list[str]:
    """Write the monthly page and workbook of every loaded month; say where they are."""
    lines = ["", "== Monthly reports (HR: open the page, or the workbook in Excel) =="]
    for month, written in write_reports(data_dir):
        if isinstance(written, str):
            lines.append(f"  {month}: no report ({written})")
            continue
        lines += [f"  {month} page:     {written[0]}", f"  {month} workbook: {written[1]}"]
    return lines


def print_report(outcome: DemoOutcome, say: Callable[[str], None]) -> None:
    for line in report_lines(outcome):
        say(line)
