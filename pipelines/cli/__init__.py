"""The `dingtalk-attendance` command: thin commands, each in its own module.

Every command parses its options, builds Settings, calls a library and returns an exit code.
A ConfigError becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import version
from typing import Annotated

import typer

from pipelines.settings import ConfigError

app = typer.Typer(
    name="dingtalk-attendance",
    help="DingTalk attendance into DuckDB and Parquet.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    pretty_exceptions_enable=False,
)


PACKAGE = "dingtalk-attendance"


def _print_version(wanted: bool) -> None:
    if wanted:
        print(f"{PACKAGE} {version(PACKAGE)}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """DingTalk attendance into DuckDB and Parquet (see README.md)."""


COMMAND_MODULES = (
    "compact",
    "config",
    "demo",
    "doctor",
    "emulator",
    "export",
    "inbox",
    "listen",
    "report",
    "plan",
    "serve",
    "sql",
    "state",
    "sync",
    "usage",
)


def _register_commands(argv: Sequence[str] = ()) -> None:
    """Import the command modules; each decorates its functions with `@app.command()`.

    Only the module of the command being run is imported when it can be told from argv, so that
    `listen` (several processes per host) does not pay for importing dagster and duckdb.
    """
    wanted = [argv[1]] if len(argv) > 1 and argv[1] in COMMAND_MODULES else COMMAND_MODULES
    for name in wanted:
        importlib.import_module(f"pipelines.cli.{name}")


def main() -> None:
    _register_commands(sys.argv)
    try:
        app()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    except (NotADirectoryError, FileExistsError, PermissionError) as error:
        # An unusable data dir (a file in its place, no write permission) in any command.
        where = error.filename or "the data directory"
        print(
            f"cannot use {where}: {error.strerror}; set ATTENDANCE_DATA_DIR to a writable folder",
            file=sys.stderr,
        )
        sys.exit(2)
