"""`dingtalk-attendance usage`: month-to-date metered DingTalk calls against the monthly quota."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipelines.cli import app
from pipelines.settings import load_settings


@app.command()
def usage(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show metered API calls this month per endpoint, the quota, and a month-end projection.

    Reads the quota ledger that every process of this project writes; makes no DingTalk call.
    """
    from pipelines.dingtalk.ledger import LEDGER_FILENAME
    from pipelines.dingtalk.usage import usage_report
    from pipelines.state.factory import StateLocation

    settings = load_settings()
    state = StateLocation.from_settings(settings)
    path = state.describe() if state.is_postgres else str(state.data_dir / LEDGER_FILENAME)
    ledger = state.ledger()
    try:
        report = usage_report(ledger, settings.dingtalk_monthly_api_quota)
    finally:
        ledger.close()
    if as_json:
        typer.echo(json.dumps({"ledger": path, **report.as_dict()}, ensure_ascii=False))
        return
    typer.echo(f"DingTalk metered API calls, {report.month} (Asia/Shanghai), ledger {path}")
    width = max([len(name) for name in report.by_endpoint] + [8])
    for endpoint, count in report.by_endpoint.items():
        typer.echo(f"  {endpoint:<{width}}  {count:>7,}")
    typer.echo(
        f"  {'total':<{width}}  {report.used:>7,} of {report.quota:,} ({report.remaining:,} left)"
    )
    typer.echo(
        f"  projected by month end: {report.projected:,} ({report.projected_share:.0%} of quota)"
    )
    if report.projected > report.quota:
        typer.echo("  warning: at this pace the monthly quota runs out before the month ends")
