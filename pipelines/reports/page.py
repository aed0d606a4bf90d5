"""The monthly report as one self-contained HTML file (Jinja2, inline CSS and SVG, no script).

Everything the page shows comes from `MonthData`; this module only arranges and formats it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2

from pipelines.reports import charts
from pipelines.reports.columns import (
    DECIMAL,
    IDENTITY,
    INTEGER,
    MONTHLY_FIGURES,
    MONTHLY_STATUS,
    Column,
    leave_column,
)
from pipelines.reports.data import MonthData, Row

EXCEPTION_LABELS = {
    "absent": "旷工 (天)",
    "missing": "缺卡 (次)",
    "serious_late": "严重迟到 (分钟)",
    "unsettled": "未结算",
}

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("pipelines.reports", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def monthly_columns(data: MonthData) -> list[Column]:
    """The 月度汇总 columns: identity, figures, one per leave type, settlement."""
    leave = [leave_column(name) for name in data.leave_types]
    return [*IDENTITY, *MONTHLY_FIGURES, *leave, *MONTHLY_STATUS]


def cell_value(row: Row, column: Column) -> Any:
    """The value of `column` in a loaded row (leave columns read the row's leave map)."""
    if column.key.startswith("leave:"):
        return (row.get("leave_hours_by_type") or {}).get(column.key.removeprefix("leave:"), 0.0)
    return row.get(column.key)


def format_cell(value: Any, number_format: str) -> str:
    """A value as the page prints it: integers whole, decimals with at most two places."""
    if value is None:
        return ""
    if number_format == INTEGER:
        return str(int(value))
    if number_format == DECIMAL:
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    return str(value)


def render_page(data: MonthData, generated_at: datetime) -> str:
    """The whole page as one HTML string."""
    columns = monthly_columns(data)
    rows = [
        {
            "userid": row["userid"],
            "cells": [(c.key, format_cell(cell_value(row, c), c.number_format)) for c in columns],
        }
        for row in data.employees
    ]
    return _ENVIRONMENT.get_template("report.html.j2").render(
        data=data,
        generated_at=generated_at,
        columns=columns,
        rows=rows,
        numeric={c.key for c in columns if c.number_format in (INTEGER, DECIMAL)},
        lateness=_lateness_chart(data),
        leave=_leave_chart(data),
        overtime=_overtime_chart(data),
        exceptions=[
            {
                **row,
                "label": EXCEPTION_LABELS[row["kind"]],
                "shown": format_cell(row["value"], DECIMAL),
            }
            for row in data.exceptions
        ],
        fmt=format_cell,
        DECIMAL=DECIMAL,
    )


def _lateness_chart(data: MonthData) -> dict[str, Any]:
    departments: dict[int, str] = {}
    late: dict[tuple[int, Any], int] = {}
    for row in data.lateness:
        departments.setdefault(row["dept_id"], row["dept_name"] or str(row["dept_id"]))
        late[(row["dept_id"], row["work_date"])] = row["late"]
    keys = {dept: f"D{index}" for index, dept in enumerate(departments, start=1)}
    matrix = [[late.get((dept, day), 0) for day in data.days] for dept in departments]
    svg = charts.lateness_heatmap(list(keys.values()), data.days, matrix) if matrix else ""
    legend = [(keys[dept], name) for dept, name in departments.items()]
    return {"svg": svg, "legend": legend}


def _leave_chart(data: MonthData) -> dict[str, Any]:
    rows = [{**row, "key": f"L{i}"} for i, row in enumerate(data.leave_by_type, start=1)]
    labels, hours = [row["key"] for row in rows], [row["hours"] for row in rows]
    return {"svg": charts.bar_chart("leave", labels, hours, "hours") if rows else "", "rows": rows}


def _overtime_chart(data: MonthData) -> dict[str, Any]:
    rows = data.overtime_by_week
    labels = [f"{row['week']:%m-%d}" for row in rows]
    hours = [row["hours"] for row in rows]
    return {
        "svg": charts.bar_chart("overtime", labels, hours, "hours") if rows else "",
        "rows": rows,
    }
