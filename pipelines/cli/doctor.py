"""`dingtalk-attendance doctor`: what to fix before the pipeline can run, one line each."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipelines.cli import app


@app.command()
def doctor(
    op_userid: Annotated[
        str | None,
        typer.Option(
            envvar="DINGTALK_OP_USERID",
            help="An OA administrator's userid for vacation/type/list (default: first employee).",
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option(help="Check only the configuration; make no DingTalk call.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check configuration, credentials, API reachability, permissions and leave columns.

    Spends about 6 metered API calls (one per attendance/workflow permission family); the
    token, contacts and 智能人事 calls are not metered. Exit code 1 when something must be fixed.
    """
    from pipelines.doctor import run_doctor

    report = run_doctor(op_userid=op_userid, offline=offline)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        raise typer.Exit(report.exit_code)
    for line in report.lines():
        typer.echo(line)
    raise typer.Exit(report.exit_code)
