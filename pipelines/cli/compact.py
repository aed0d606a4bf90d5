"""`dingtalk-attendance compact [--month YYYY-MM]`: one Parquet file per daily table and settled
month (pipelines/warehouse/compaction.py); prints files and bytes before and after."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, NoReturn

import typer

from pipelines.cli import app


@app.command()
def compact(
    month: Annotated[
        list[str] | None,
        typer.Option(help="A settled month YYYY-MM (repeatable; default: every settled month)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fold the day files of settled months into one file per table and month.

    A month is settled when every day has attendance_daily rows and all of them are settled
    (DingTalk will not change them). Readers keep reading throughout; a later correction of a
    day rewrites the month's file.
    """
    from pipelines.settings import load_settings
    from pipelines.warehouse.compaction import CannotCompact, summary_lines
    from pipelines.warehouse.compaction import compact as compact_months
    from pipelines.warehouse.factory import open_store

    for value in month or []:
        _check_month(value)
    settings = load_settings()
    try:
        done = compact_months(open_store(settings), month or None)
    except CannotCompact as error:
        _fail(str(error))
    if as_json:
        typer.echo(json.dumps({"compacted": [asdict(item) for item in done]}))
        return
    if not done:
        typer.echo(
            f"nothing to compact in {settings.attendance_data_dir}: "
            "no settled month has day files left"
        )
        return
    for line in summary_lines(done):
        typer.echo(line)


def _check_month(value: str) -> None:
    from datetime import date

    try:
        date.fromisoformat(f"{value}-01")
    except ValueError:
        _fail(f"--month {value!r}: give YYYY-MM, e.g. 2026-10")


def _fail(message: str) -> NoReturn:
    """One line on stderr, exit code 1 (the convention of every command)."""
    typer.echo(f"compact failed: {message}", err=True)
    raise typer.Exit(1)
