"""`dingtalk-attendance usage`: month-to-date metered DingTalk calls against the monthly quota."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines.cli import app
from pipelines.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipelines.dingtalk.usage import DingTalkUsage, UsageReport
    from pipelines.state.factory import StateLocation


@app.command()
def usage(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    from_dingtalk: Annotated[
        bool,
        typer.Option(
            "--dingtalk",
            help="Also ask DingTalk's meter API for its own figures (one call, where permitted).",
        ),
    ] = False,
) -> None:
    """Show metered API calls this month per endpoint, the quota, and a month-end projection.

    Reads the quota ledger that every process of this project writes; makes no DingTalk call
    unless --dingtalk is given.
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
    pushes = _push_usage(settings, state)
    remote = _dingtalk_usage(settings) if from_dingtalk else None
    if as_json:
        document: dict[str, object] = {
            "ledger": path,
            **report.as_dict(),
            "pushes": {**pushes[0].as_dict(), "status": pushes[1]},
        }
        if remote is not None:
            document["dingtalk"] = remote.as_dict()
        typer.echo(json.dumps(document, ensure_ascii=False))
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
    typer.echo(f"Stream pushes: {pushes[1]}")
    for event_type, count in pushes[0].by_endpoint.items():
        typer.echo(f"  {event_type:<{width}}  {count:>7,}")
    if remote is not None:
        _echo_remote(remote)


def _push_usage(settings: Settings, state: StateLocation) -> tuple[UsageReport, str]:
    """(the push ledger's usage report, its one-line status) against the profile's quota."""
    from pipelines.quota.profile import load_profile, profile_file
    from pipelines.quota.pushes import push_status, push_usage, starvation_line

    ledger = state.push_ledger()
    try:
        usage = push_usage(ledger, load_profile(profile_file(settings)).pushes_quota)
        starved = starvation_line(ledger.starved_since())
    finally:
        ledger.close()
    line = push_status(usage)[1]
    return usage, line if starved is None else f"{line}\n  warning: {starved}"


def _dingtalk_usage(settings: Settings) -> DingTalkUsage:
    from pipelines.dingtalk import DingTalkClient
    from pipelines.dingtalk.usage import read_dingtalk_usage

    with DingTalkClient.from_settings(settings) as client:
        return read_dingtalk_usage(client)


def _echo_remote(remote: DingTalkUsage) -> None:
    typer.echo(f"DingTalk's own figures (meter API), {remote.month}:")
    if remote.unavailable:
        typer.echo(f"  {remote.unavailable}")
        return
    for label, pair in (("API calls", remote.api_calls), ("pushes", remote.pushes)):
        if pair is not None:
            typer.echo(f"  {label:<9}  {pair[0]:>7,} of {pair[1]:,}")
