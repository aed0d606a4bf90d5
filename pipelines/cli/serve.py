"""`dingtalk-attendance serve`: listener + Dagster webserver + daemon, one Ctrl-C stops all."""

from __future__ import annotations

from typing import Annotated

import typer

from pipelines.cli import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Webserver address (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Webserver port.")] = 3000,
    emulator: Annotated[
        bool, typer.Option(help="Run against an embedded emulator instead of DingTalk.")
    ] = False,
    employees: Annotated[int, typer.Option(min=1, help="Emulator: employees.")] = 50,
    days: Annotated[int, typer.Option(min=1, help="Emulator: days of history.")] = 14,
    speed: Annotated[
        float, typer.Option(min=0, help="Emulator: simulated seconds per real second.")
    ] = 60.0,
) -> None:
    """Run the Stream listener, the Dagster webserver and the daemon until Ctrl-C or SIGTERM.

    Uses DINGTALK_* credentials, or the embedded emulator with --emulator. The Dagster
    instance lives in $ATTENDANCE_DATA_DIR/dagster_home (a copy of the project's dagster.yaml);
    with --emulator everything goes to $ATTENDANCE_DATA_DIR/emulator instead.
    """
    from pipelines.demo.serve import ServeOptions, run_serve
    from pipelines.settings import load_settings

    options = ServeOptions(host, port, emulator, employees, days, speed)
    raise typer.Exit(run_serve(options, load_settings(), typer.echo))
