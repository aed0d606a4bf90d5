"""`dingtalk-attendance demo`: the whole pipeline on an embedded emulator, then a report."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli import app


@app.command()
def demo(
    employees: Annotated[int, typer.Option(min=1, max=2000, help="Emulated employees.")] = 50,
    days: Annotated[
        int, typer.Option(min=2, max=60, help="Days emulated; the last one is streamed live.")
    ] = 14,
    seed: Annotated[int, typer.Option(help="Seed of the emulated organisation.")] = 7,
    outage: Annotated[
        bool, typer.Option(help="Stop the listener for two simulated hours (failed pushes).")
    ] = True,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where the demo writes (default: $ATTENDANCE_DATA_DIR/demo)."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the summary as one JSON object (progress: stderr)."),
    ] = False,
) -> None:
    """Run emulator, Stream listener, Dagster sensor and schedules end to end; print a report.

    Needs no DingTalk account: the emulator stands in for DingTalk on 127.0.0.1. The warehouse
    stays in the data dir afterwards for you to query.
    """
    from pipelines.demo.live import DemoError
    from pipelines.demo.report import print_report, report_document
    from pipelines.demo.runner import DemoOptions, run_demo
    from pipelines.settings import load_settings

    settings = load_settings()
    target = data_dir or settings.attendance_data_dir / "demo"
    options = DemoOptions(target, settings, employees, days, seed, outage)
    # With --json, stdout carries the one object only: the progress lines go to stderr.
    say: Callable[[str], None] = partial(typer.echo, err=True) if as_json else typer.echo
    try:
        outcome = run_demo(options, say)
    except DemoError as error:
        typer.echo(f"demo failed: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report_document(outcome), ensure_ascii=False))
        return
    print_report(outcome, typer.echo)
