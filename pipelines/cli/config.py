"""`dingtalk-attendance config`: print the effective configuration, secrets masked."""

from __future__ import annotations

import json

from pipelines.cli import app
from pipelines.settings import load_settings


@app.command()
def config() -> None:
    """Show the configuration this process would use (the client secret is masked)."""
    settings = load_settings()
    shown = settings.model_dump(mode="json")
    shown["dingtalk_client_secret"] = "***" if settings.dingtalk_client_secret else ""
    print(json.dumps({key.upper(): value for key, value in shown.items()}, indent=2))
