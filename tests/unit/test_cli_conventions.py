"""CLI conventions: `--version`, shell completion that completes command names, `--json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "dingtalk-attendance"


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_version_prints_the_package_version():
    result = _cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"dingtalk-attendance {version('dingtalk-attendance')}"


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


def test_config_dagster_home_as_json(tmp_path):
    result = _cli("config", "--dagster-home", "--json")
    assert result.returncode == 0, result.stderr
    home = json.loads(result.stdout)["dagster_home"]
    assert Path(home) == (tmp_path / "data" / "dagster_home").resolve()
