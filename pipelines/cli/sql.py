"""`dingtalk-attendance sql [QUERY]`: query the warehouse read-only, one-shot or interactively.

The DuckDB CLI on PyPI may lag the library the pipeline writes with (it cannot open a DuckDB
2.0 file), so the project ships its own prompt over the same library. It opens the warehouse
through `connect_read_only`, whose views resolve in the folder given: a copied folder answers
from its own Parquet, and a reader never blocks a run. With the warehouse on object storage
(ATTENDANCE_WAREHOUSE_URI) it attaches the view file the writers upload there, over httpfs.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines.cli import app
from pipelines.days import ZONE_NAME

if TYPE_CHECKING:
    import duckdb

    from pipelines.settings import Settings
    from pipelines.warehouse.object_store import ObjectStoreConfig

PROMPT = "attendance> "
CONTINUATION = "      ...> "


@app.command()
def sql(
    query: Annotated[
        str | None, typer.Argument(help="One SQL statement; without it, a prompt until EOF.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="The data folder (default: $ATTENDANCE_DATA_DIR; the demo: data/demo)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as JSON objects.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print rows as CSV with a header.")] = False,
) -> None:
    """Query the warehouse's views read-only (tables: README.md and docs/warehouse.md)."""
    if as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv")
    connection = _open(data_dir)
    output = "json" if as_json else "csv" if as_csv else "table"
    try:
        if query is not None:
            if not _run(connection, query, output):
                raise typer.Exit(1)
            return
        _interactive(connection, output)
    finally:
        connection.close()


def _open(data_dir: Path | None) -> duckdb.DuckDBPyConnection:
    """The read-only connection, or one line naming what to run first. With
    ATTENDANCE_WAREHOUSE_URI set (and no --data-dir) the warehouse is the one on object
    storage: its uploaded view file, attached over httpfs."""
    from pipelines.settings import load_settings
    from pipelines.warehouse.factory import object_store_config

    settings = load_settings()
    objects = object_store_config(settings) if data_dir is None else None
    connection = _attach(objects) if objects is not None else _open_local(data_dir, settings)
    connection.execute(f"SET TimeZone = '{ZONE_NAME}'")  # the days and timestamps of DingTalk
    return connection


def _open_local(data_dir: Path | None, settings: Settings) -> duckdb.DuckDBPyConnection:
    from pipelines.warehouse.views import connect_read_only, warehouse_path

    folder = data_dir if data_dir is not None else settings.attendance_data_dir
    if not warehouse_path(folder).is_file():
        typer.echo(
            f"no warehouse at {warehouse_path(folder)}: run `dingtalk-attendance sync` or "
            "`demo` first, or pass --data-dir (ATTENDANCE_DATA_DIR) of a loaded folder",
            err=True,
        )
        raise typer.Exit(1)
    return connect_read_only(folder)


def _attach(objects: ObjectStoreConfig) -> duckdb.DuckDBPyConnection:
    from pipelines.warehouse.object_views import HttpfsMissing, ViewFileMissing, attach_published

    try:
        return attach_published(objects)
    except (ViewFileMissing, HttpfsMissing) as error:
        typer.echo(f"{error}: run `dingtalk-attendance sync` first", err=True)
        raise typer.Exit(1) from None


def _run(connection: duckdb.DuckDBPyConnection, statement: str, output: str) -> bool:
    """Execute one statement and print its rows; a bad statement is one line on stderr."""
    import duckdb

    try:
        cursor = connection.execute(statement)
        columns = [column[0] for column in cursor.description or []]
        rows: list[tuple[object, ...]] = cursor.fetchall() if columns else []
    except duckdb.Error as error:
        typer.echo("SQL error: " + " ".join(str(error).split()), err=True)
        return False
    if columns:
        typer.echo(render(columns, rows, output), nl=False)
    return True


def render(columns: list[str], rows: list[tuple[object, ...]], output: str) -> str:
    """Rows as an aligned table, JSON lines of objects, or CSV; ends with a newline."""
    if output == "json":
        objects = [dict(zip(columns, row, strict=True)) for row in rows]
        return "".join(json.dumps(o, ensure_ascii=False, default=str) + "\n" for o in objects)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue()
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns)
    shown = frame.to_string(index=False, max_rows=200, max_colwidth=60)
    return f"{shown}\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def _interactive(connection: duckdb.DuckDBPyConnection, output: str) -> None:
    """Read statements ending in `;` until EOF (Ctrl-D); an error is one line, the loop goes on."""
    tty = sys.stdin.isatty()
    if tty:
        importlib.import_module("readline")  # line editing and history for input()

        typer.echo("Read-only warehouse; end statements with ';', Ctrl-D to quit.", err=True)
    buffer: list[str] = []
    while True:
        try:
            line = input((CONTINUATION if buffer else PROMPT) if tty else "")
        except EOFError:
            break
        except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as psql does
            buffer.clear()
            typer.echo("", err=True)
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            _run(connection, "\n".join(buffer), output)
            buffer.clear()
    if "".join(buffer).strip():  # a last statement without its `;`
        _run(connection, "\n".join(buffer), output)
