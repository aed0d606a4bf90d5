"""`dingtalk-attendance export`: the month as the admin console exports it, .xlsx or CSV."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from pipelines.cli import app
from pipelines.cli.month_options import DeptOption, JsonOption, MonthOption, OutOption
from pipelines.settings import load_settings


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@app.command()
def export(
    month: MonthOption,
    file_format: Annotated[
        ExportFormat, typer.Option("--format", help="xlsx (four sheets) or csv (one sheet).")
    ] = ExportFormat.xlsx,
    sheet: Annotated[
        str, typer.Option("--sheet", help="CSV only: 月度汇总, 每日统计, 打卡时间 or 原始记录.")
    ] = "月度汇总",
    dept: DeptOption = None,
    out: OutOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export 月度汇总, 每日统计, 打卡时间 and 原始记录 with the console's headers.

    The column mapping is in docs/reports.md.

    Reads the marts through a read-only DuckDB connection (on object storage when
    ATTENDANCE_WAREHOUSE_URI names it); makes no DingTalk call.
    """
    from pipelines.reports.data import ReportError, parse_month
    from pipelines.reports.files import default_path, load_with_cost, write_export
    from pipelines.reports.sheets import SHEET_NAMES
    from pipelines.state.factory import StateLocation
    from pipelines.warehouse.factory import object_store_config

    settings = load_settings()
    data_dir = settings.attendance_data_dir
    try:
        if sheet not in SHEET_NAMES:
            raise ReportError(f"--sheet must be one of {', '.join(SHEET_NAMES)} (got {sheet!r})")
        chosen = parse_month(month)
        objects = object_store_config(settings)
        state = StateLocation.from_settings(settings)
        data = load_with_cost(data_dir, chosen, dept, objects, state)
        target = out or default_path(data_dir, chosen, file_format.value, dept)
        path = write_export(data, target, file_format.value, sheet)
    except ReportError as error:
        print(f"export failed: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    if as_json:
        summary = {"month": chosen, "dept": dept, "format": file_format.value}
        summary |= {"sheet": sheet if file_format is ExportFormat.csv else None}
        summary |= {"headcount": len(data.employees), "path": str(path)}
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    typer.echo(f"export of {chosen} ({file_format.value}): {len(data.employees)} employees, {path}")
