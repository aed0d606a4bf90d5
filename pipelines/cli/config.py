"""`dingtalk-attendance config`: print the effective configuration, secrets masked."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pipelines.cli import app
from pipelines.settings import load_settings


@app.command()
def config(
    dagster_home: Annotated[
        bool,
        typer.Option(
            "--dagster-home",
            help="Print the shared Dagster instance's directory (created if missing), for "
            "`export DAGSTER_HOME=$(dingtalk-attendance config --dagster-home)`.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON (the default output; with --dagster-home too).")
    ] = False,
) -> None:
    """Show the configuration this process would use (the client secret is masked)."""
    settings = load_settings()
    if dagster_home:
        from pipelines.demo.instance import home_for

        home = str(home_for(settings.attendance_data_dir).resolve())
        print(json.dumps({"dagster_home": home}) if as_json else home)
        return
    shown = settings.model_dump(mode="json")
    shown["dingtalk_client_secret"] = "***" if settings.dingtalk_client_secret else ""
    print(json.dumps({key.upper(): value for key, value in shown.items()}, indent=2))
