"""The `dingtalk-attendance` command: thin commands, each in its own module.

Every command parses its options, builds Settings, calls a library and returns an exit code.
A ConfigError becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from pipelines.settings import ConfigError

app = typer.Typer(
    name="dingtalk-attendance",
    help="DingTalk attendance into DuckDB and Parquet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """DingTalk attendance into DuckDB and Parquet (see README.md)."""


def _register_commands() -> None:
    # Imported here so that each command module can import `app` from this package.
    # One line per command module; each module decorates its functions with @app.command().
    from pipelines.cli import (  # noqa: F401
        config,
        demo,
        doctor,
        emulator,
        inbox,
        listen,
        serve,
        sync,
        usage,
    )


def main() -> None:
    _register_commands()
    try:
        app()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        sys.exit(2)
