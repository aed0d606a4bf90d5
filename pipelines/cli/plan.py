"""`dingtalk-attendance plan`: what each strategy costs a month, and the profile to run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines.cli import app
from pipelines.quota.leave_cost import DEFAULT_LEAVE_TYPES
from pipelines.settings import load_settings

if TYPE_CHECKING:
    from pipelines.quota.plan import Plan


def _minutes(text: str) -> float:
    """`15m`, `1h` or a number of minutes."""
    text = text.strip().lower()
    if text.endswith("h"):
        return float(text[:-1]) * 60
    return float(text.removesuffix("m"))


@app.command()
def plan(
    employees: Annotated[int, typer.Option("--employees", help="Employees to cover.")],
    edition_name: Annotated[
        str, typer.Option("--edition", help="standard, professional or custom.")
    ] = "standard",
    calls: Annotated[int | None, typer.Option(help="Metered calls a month.")] = None,
    pushes: Annotated[int | None, typer.Option(help="Stream pushes a month.")] = None,
    qps: Annotated[float | None, typer.Option(help="Calls per second per API.")] = None,
    freshness: Annotated[str, typer.Option(help="p95 staleness target, e.g. 15m or 1h.")] = "15m",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    write: Annotated[bool, typer.Option(help="Write the profile (ATTENDANCE_PROFILE).")] = True,
    leave_types: Annotated[
        int, typer.Option(help="Leave types enabled, for the optional leave balances' cost.")
    ] = DEFAULT_LEAVE_TYPES,
) -> None:
    """Cost every pull strategy for a month and choose the profile the pipeline runs."""
    from pipelines.dingtalk.ledger import shanghai_now
    from pipelines.quota.density import density_in
    from pipelines.quota.editions import edition
    from pipelines.quota.leave_cost import LeaveBalanceCost
    from pipelines.quota.plan import make_plan
    from pipelines.quota.profile import profile_path, write_profile
    from pipelines.warehouse.factory import open_store

    settings = load_settings()
    # The density the polling sensor will place polls by: learned from the warehouse's punches
    # once there are enough of them, the default before.
    density = density_in(open_store(settings), shanghai_now().date())
    try:
        chosen_edition = edition(edition_name, calls, pushes, qps)
        made = make_plan(
            employees, chosen_edition, _minutes(freshness), density.bins, density.describe()
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    leave = LeaveBalanceCost(employees, leave_types)
    path = profile_path(settings.attendance_data_dir, settings.attendance_profile)
    if write:
        write_profile(path, made.profile())
    if as_json:
        strategies = [
            {"name": s.name, "calls": s.calls, "total_calls": s.total_calls, "pushes": s.pushes,
             "total_pushes": s.total_pushes, "polls_per_day": s.polls_per_day,
             "p95_staleness_minutes": round(s.p95_minutes, 1), "fits": s.fits(chosen_edition)}
            for s in made.strategies
        ]  # fmt: skip
        document = {
            "strategies": strategies,
            "profile": made.profile(),
            "written": write,
            "leave_balance_cost": {
                "calls_per_month": leave.calls_per_month,
                "enabled": settings.attendance_leave_balances,
            },
        }
        typer.echo(json.dumps({**document, "path": str(path)}, ensure_ascii=False))
        return
    _echo(made, path if write else None)
    typer.echo(leave.line(settings.attendance_leave_balances))


def _echo(made: Plan, path: Path | None) -> None:
    edition = made.edition
    typer.echo(
        f"{made.employees:,} employees, {edition.name} edition: {edition.calls:,} calls, "
        f"{edition.pushes:,} pushes a month, {edition.qps:g} QPS per API"
    )
    for cost in made.strategies:
        verdict = "fits" if cost.fits(edition) else "does not fit"
        typer.echo(
            f"\n{cost.name}: {cost.total_calls:,} calls, {cost.total_pushes:,} pushes, "
            f"p95 staleness {cost.p95_minutes:.0f} min, {verdict}"
        )
        for name, count in {**cost.calls, **cost.pushes}.items():
            typer.echo(f"  {name:<52} {count:>8,}")
    make, skip = made.subscriptions()
    typer.echo(f"\nchosen profile: {made.chosen.name} ({made.chosen.polls_per_day} polls a day)")
    typer.echo(f"punch-time density: {made.density_source}")
    typer.echo("subscribe to: " + ", ".join(make))
    typer.echo("do not subscribe to: " + (", ".join(skip) or "-"))
    if path is not None:
        typer.echo(f"profile written to {path}")
