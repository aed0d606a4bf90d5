"""`dingtalk-attendance report`: the month's attendance page, one HTML file that opens offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli import app
from pipelines.settings import load_settings


@app.command()
def report(
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")],
    dept: Annotated[
        int | None, typer.Option("--dept", help="Only the members of this department id.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write (default: the data dir's reports/<month>/)."),
    ] = None,
) -> None:
    """Write the monthly report page: 月度汇总, lateness heatmap, leave, overtime, exceptions.

    Reads the marts through a read-only DuckDB connection; makes no DingTalk call.
    """
    from pipelines.reports.data import ReportError, parse_month
    from pipelines.reports.files import default_path, load_with_cost, write_page

    data_dir = load_settings().attendance_data_dir
    try:
        chosen = parse_month(month)
        data = load_with_cost(data_dir, chosen, dept)
        path = write_page(data, out or default_path(data_dir, chosen, "html", dept))
    except ReportError as error:
        print(f"report failed: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    typer.echo(f"report of {chosen}: {len(data.employees)} employees, {path}")
