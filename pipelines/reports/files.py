"""Where reports go and the calls that write them (used by the CLI, the demo and Dagster)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.days import SHANGHAI
from pipelines.reports.cost import month_cost
from pipelines.reports.data import MonthData, load_month
from pipelines.reports.page import render_page
from pipelines.reports.sheets import SHEET_NAMES, build_sheets
from pipelines.reports.workbook import atomic_write, write_csv, write_xlsx
from pipelines.state.factory import StateLocation
from pipelines.warehouse.object_store import ObjectStoreConfig

REPORTS_FOLDER = "reports"


@dataclass(frozen=True)
class MonthReport:
    """The files written for one month, and the data they show."""

    data: MonthData
    page: Path
    workbook: Path


def default_path(data_dir: Path, month: str, suffix: str, dept_id: int | None = None) -> Path:
    """`<data_dir>/reports/<month>/attendance-<month>[-dept<ID>].<suffix>`."""
    scope = "" if dept_id is None else f"-dept{dept_id}"
    return data_dir / REPORTS_FOLDER / month / f"attendance-{month}{scope}.{suffix}"


def load_with_cost(
    data_dir: Path,
    month: str,
    dept_id: int | None = None,
    objects: ObjectStoreConfig | None = None,
    state: StateLocation | None = None,
) -> MonthData:
    """The month's rows (on object storage with `objects`) plus what the month cost in calls
    and pushes, from the ledgers in `state` (SQLite files under the data dir by default)."""
    data = load_month(data_dir, month, dept_id, objects)
    data.cost.update(month_cost(state or StateLocation(data_dir), month))
    return data


def write_page(data: MonthData, path: Path) -> Path:
    """Render the HTML page of `data` to `path` (atomically)."""
    html = render_page(data, datetime.now(SHANGHAI))
    return atomic_write(path, lambda target: Path(target).write_text(html, encoding="utf-8"))


def write_export(
    data: MonthData, path: Path, file_format: str, sheet: str = SHEET_NAMES[0]
) -> Path:
    """The workbook (`xlsx`: every sheet) or one sheet as CSV (`csv`)."""
    sheets = build_sheets(data)
    if file_format == "xlsx":
        return write_xlsx(sheets, path)
    return write_csv(next(s for s in sheets if s.name == sheet), path)


def write_month_report(
    data_dir: Path,
    month: str,
    objects: ObjectStoreConfig | None = None,
    state: StateLocation | None = None,
) -> MonthReport:
    """The page and the workbook of `month` at their default paths under the data dir."""
    data = load_with_cost(data_dir, month, objects=objects, state=state)
    page = write_page(data, default_path(data_dir, month, "html"))
    workbook = write_export(data, default_path(data_dir, month, "xlsx"), "xlsx")
    return MonthReport(data, page, workbook)
