"""The demo's closing report: rows per table, analyst answers, quotas spent, where things are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


def quota_lines(outcome: DemoOutcome) -> list[str]:
    """Metered calls and pushes as the emulator counted them, against the monthly quotas."""
    stats = outcome.emulator_stats
    stream = stats.get("stream") or {}
    inbox = outcome.inbox_by_source
    calls = int(stats.get("metered_calls_total", 0))
    pushes = int(stats.get("pushes_metered", 0))
    runs = ", ".join(f"{job} {count}" for job, count in sorted(outcome.runs_by_job.items()))
    return [
        "",
        "== DingTalk quota spent by this demo (as the emulator metered it) ==",
        f"  metered API calls  {calls:>6} of {MONTHLY_API_QUOTA} a month "
        f"({100 * calls / MONTHLY_API_QUOTA:.1f} %)",
        f"  Stream pushes      {pushes:>6} of {MONTHLY_PUSH_QUOTA} a month "
        f"({100 * pushes / MONTHLY_PUSH_QUOTA:.1f} %)",
        f"  events: {stream.get('events_published', 0)} published, "
        f"{stream.get('events_delivered', 0)} delivered live, "
        f"{stream.get('failed_total', 0)} undeliverable (listener down)",
        f"  inbox:  {inbox.get('stream', 0)} from Stream, "
        f"{inbox.get('failed_push', 0)} recovered from the failed-push list",
        f"  Dagster runs: {runs}",
    ]


def location_lines(data_dir: Path) -> list[str]:
    """Where the user finds the warehouse."""
    return [
        "",
        "== Where the data is ==",
        f"  DuckDB:  {warehouse_path(data_dir)}",
        f"  Parquet: {data_dir / 'parquet'}/<table>/work_date=YYYY-MM-DD/part-0.parquet",
        f"  Dagster: DAGSTER_HOME={data_dir / 'dagster_home'} (dagster dev shows the runs)",
        f"  Query:   dingtalk-attendance sql --data-dir {data_dir}  (example queries: README.md)",
    ]


def report_file_lines(data_dir: Path) -> list[str]:
    """Write the monthly page and workbook of every loaded month; say where they are."""
    lines = ["", "== Monthly reports (HR: open the page, or the workbook in Excel) =="]
    for month in ParquetStore(data_dir).partitions(Table.ATTENDANCE_MONTHLY):
        try:
            written = write_month_report(data_dir, month)
        except ReportError as error:  # a month partition without rows: say so, go on
            lines.append(f"  {month}: no report ({error})")
            continue
        lines += [f"  {month} page:     {written.page}", f"  {month} workbook: {written.workbook}"]
    return lines


def print_report(outcome: DemoOutcome, say: Callable[[str], None]) -> None:
    for line in report_lines(outcome):
        say(line)
