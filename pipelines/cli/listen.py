"""`dingtalk-attendance listen`: run the Stream listener until SIGTERM."""

from __future__ import annotations

import typer

from pipelines.cli import app
from pipelines.settings import load_settings


@app.command()
def listen() -> None:
    """Receive DingTalk Stream events into the inbox (persist before ACK); stop with SIGTERM.

    Configured by DINGTALK_* and ATTENDANCE_DATA_DIR, tuned by LISTENER_* variables
    (see docs/listener.md).
    """
    from pydantic import ValidationError

    from pipelines.settings import ConfigError
    from pipelines.stream.config import ListenerConfig
    from pipelines.stream.listener import run_listener

    settings = load_settings()
    try:
        config = ListenerConfig()
    except ValidationError as error:
        first = error.errors()[0]
        name = "LISTENER_" + str(first["loc"][0]).upper() if first["loc"] else "LISTENER_*"
        raise ConfigError(f"{name} is invalid: {first['msg']}.") from None
    raise typer.Exit(run_listener(settings, config))
