"""The export files: an .xlsx with the console's four sheets (openpyxl), or one sheet as CSV.

Each sheet has its title on row 1 and the header on row 2, frozen with the name column, number
formats per column, and column widths fitted to the header. The CSV is UTF-8 with a byte-order
mark (Excel needs it to show Chinese) and holds the header and the rows, without the title.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipelines.reports.sheets import Sheet

HEADER_ROW = 2
_HEADER_FILL = PatternFill("solid", fgColor="F2F3F5")


def write_xlsx(sheets: list[Sheet], path: Path) -> Path:
    """Write every sheet to one workbook at `path` (replaced atomically)."""
    workbook = Workbook()
    if workbook.active is not None:  # a new workbook comes with one empty sheet
        workbook.remove(workbook.active)
    for sheet in sheets:
        _fill(workbook.create_sheet(sheet.name), sheet)
    return atomic_write(path, workbook.save)


def write_csv(sheet: Sheet, path: Path) -> Path:
    """Write one sheet as CSV (UTF-8 with BOM, header then rows) at `path`."""

    def save(target: str) -> None:
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([column.header for column in sheet.columns])
            writer.writerows([[_text(value) for value in row] for row in sheet.rows])

    return atomic_write(path, save)


def _fill(target: Any, sheet: Sheet) -> None:
    target.append([sheet.title])
    target.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(sheet.columns))
    target["A1"].font = Font(bold=True, size=12)
    target.append([column.header for column in sheet.columns])
    for cell in target[HEADER_ROW]:
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in sheet.rows:
        target.append(row)
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        for (cell,) in target.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index):
            cell.number_format = column.number_format
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        target.column_dimensions[letter].width = max(8, 2 * len(column.header) + 2)
    # Keep the header and the name column in view while scrolling, as the console's file does.
    target.freeze_panes = target.cell(row=HEADER_ROW + 1, column=2)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def atomic_write(path: Path, save: Callable[[str], object]) -> Path:
    # A half-written workbook must never replace yesterday's: write aside, then rename.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        save(str(temporary))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
