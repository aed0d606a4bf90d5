"""`dingtalk-attendance state migrate --to URL`: the SQLite state into PostgreSQL."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipelines.cli import app
from pipelines.settings import load_settings

state_app = typer.Typer(help="Move the pipeline's state between backends.", no_args_is_help=True)
app.add_typer(state_app, name="state")


@state_app.command()
def migrate(
    to: Annotated[str, typer.Option("--to", help="The target: postgresql://user@host/db")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the rows copied per table as one JSON object.")
    ] = False,
) -> None:
    """Copy the inbox, queues, failed-push pages, call and push ledgers of ATTENDANCE_DATA_DIR.

    Stop the listeners and the Dagster daemon first; then set ATTENDANCE_STATE_URL to the
    same URL on every host. The target must hold no state yet. Exit code 1 on failure.
    """
    from pipelines.state.factory import STATE_ERRORS, is_postgres_url
    from pipelines.state.postgres.copy import TargetNotEmpty, copy_sqlite_state
    from pipelines.state.postgres.database import PostgresDatabase, redacted

    if not is_postgres_url(to):
        typer.echo("--to must be a postgresql:// URL", err=True)
        raise typer.Exit(2)
    data_dir = load_settings().attendance_data_dir
    try:
        database = PostgresDatabase(to)
        try:
            copied = copy_sqlite_state(data_dir, database)
        finally:
            database.close()
    except (TargetNotEmpty, *STATE_ERRORS) as error:
        typer.echo(f"nothing copied to {redacted(to)}: {_first_line(error)}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        summary = {"source": str(data_dir), "target": redacted(to), "copied": copied}
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    for table, rows in copied.items():
        typer.echo(f"{table:<20}{rows:>9,} rows")
    typer.echo(f"copied the SQLite state of {data_dir} to {redacted(to)}")
    typer.echo("next: set ATTENDANCE_STATE_URL to this URL on every host, then restart them")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
