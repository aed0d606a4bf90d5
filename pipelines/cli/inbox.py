"""`dingtalk-attendance inbox stats`: what the listener has received, and what is pending."""

from __future__ import annotations

import json

import typer

from pipelines.catalogue import Sensor
from pipelines.cli import app
from pipelines.settings import load_settings

inbox_app = typer.Typer(help="Inspect the event inbox.", no_args_is_help=True)
app.add_typer(inbox_app, name="inbox")


@inbox_app.command()
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    consumer: str = typer.Option(
        Sensor.ATTENDANCE_EVENTS,  # the cursor the Dagster sensor moves as it consumes events
        help="Whose cursor defines 'pending' (default: the Dagster sensor's).",
    ),
) -> None:
    """Print received, duplicates, quarantined, pending, last event time and gaps."""
    from pipelines.state.factory import STATE_ERRORS, StateLocation
    from pipelines.stream.inbox import INBOX_FILENAME

    state = StateLocation.from_settings(load_settings())
    path = state.data_dir / INBOX_FILENAME
    if not state.is_postgres and not path.exists():
        typer.echo(
            f"no inbox at {path}: has the listener run with this ATTENDANCE_DATA_DIR?", err=True
        )
        raise typer.Exit(1)
    try:
        inbox = state.inbox()
        try:
            summary = inbox.stats(consumer=consumer).to_dict()
        finally:
            inbox.close()
    except STATE_ERRORS as error:
        where = state.describe() if state.is_postgres else str(path)
        typer.echo(f"cannot read the inbox at {where}: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    for key in ("received", "duplicates", "quarantined", "pending", "consumed_seq"):
        typer.echo(f"{key:<17}{summary[key]}")
    typer.echo(f"{'last_event_at':<17}{summary['last_event_at'] or '-'}")
    typer.echo(f"{'last_received_at':<17}{summary['last_received_at'] or '-'}")
    typer.echo(f"{'open_connections':<17}{summary['open_connections']}")
    typer.echo(f"{'gaps':<17}{len(summary['gaps'])}")
    for gap in summary["gaps"][-10:]:
        typer.echo(f"  #{gap['id']} {gap['start']} .. {gap['end']}  {gap['reason']}")
