"""CLI conventions: `--version`, shell completion that completes command names, `--json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "dingtalk-attendance"


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.integration
def test_version_prints_the_package_version():
    result = _cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"dingtalk-attendance {version('dingtalk-attendance')}"


@pytest.mark.integration
def test_completion_script_is_offered_and_completes_command_names():
    shown = subprocess.run(
        [str(SCRIPT), "--show-completion", "bash"], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "_DINGTALK_ATTENDANCE_COMPLETE" in shown.stdout

    completing = subprocess.run(  # what bash runs when the user presses Tab after `sq`
        [str(SCRIPT)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "_DINGTALK_ATTENDANCE_COMPLETE": "complete_bash",
            "COMP_WORDS": "dingtalk-attendance sq",
            "COMP_CWORD": "1",
        },
    )
    assert completing.stdout.split() == ["sql"], completing.stderr


@pytest.mark.integration
def test_config_dagster_home_as_json(tmp_path):
    result = _cli("config", "--dagster-home", "--json")
    assert result.returncode == 0, result.stderr
    home = json.loads(result.stdout)["dagster_home"]
    assert Path(home) == (tmp_path / "data" / "dagster_home").resolve()


# Commands that report nothing to parse: they run until stopped (listen, serve) or already
# print JSON (emulator prints its connection info as one JSON object).
NOT_REPORTING = {"listen", "serve", "emulator"}


def test_every_command_that_reports_has_json():
    import typer.main

    from pipelines.cli import _register_commands, app

    _register_commands()
    root = typer.main.get_command(app)
    missing = []
    for name, command in _leaf_commands(root):
        if name.split()[0] in NOT_REPORTING:
            continue
        options = {flag for param in command.params for flag in getattr(param, "opts", [])}
        if "--json" not in options:
            missing.append(name)
    assert missing == []


def _leaf_commands(group, prefix: str = ""):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group of subcommands (`state`)
            yield from _leaf_commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command
