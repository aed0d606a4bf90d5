"""`dingtalk-attendance report`: the month's attendance page, one HTML file that opens offline."""

from __future__ import annotations

import json
import sys

import typer

from pipelines.cli import app
from pipelines.cli.month_options import DeptOption, JsonOption, MonthOption, OutOption
from pipelines.settings import load_settings


@app.command()
def report(
    month: MonthOption,
    dept: DeptOption = None,
    out: OutOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the monthly report page: 月度汇总, lateness heatmap, leave, overtime, exceptions.

    Reads the marts through a read-only DuckDB connection (on object storage when
    ATTENDANCE_WAREHOUSE_URI names it); makes no DingTalk call.
    """
    from pipelines.reports.data import ReportError, parse_month
    from pipelines.reports.files import default_path, load_with_cost, write_page
    from pipelines.state.factory import StateLocation
    from pipelines.warehouse.factory import object_store_config

    settings = load_settings()
    data_dir = settings.attendance_data_dir
    try:
        chosen = parse_month(month)
        objects = object_store_config(settings)
        state = StateLocation.from_settings(settings)
        data = load_with_cost(data_dir, chosen, dept, objects, state)
        path = write_page(data, out or default_path(data_dir, chosen, "html", dept))
    except ReportError as error:
        print(f"report failed: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    if as_json:
        summary = {"month": chosen, "dept": dept, "headcount": len(data.employees)}
        typer.echo(json.dumps({**summary, "path": str(path)}, ensure_ascii=False))
        return
    typer.echo(f"report of {chosen}: {len(data.employees)} employees, {path}")
