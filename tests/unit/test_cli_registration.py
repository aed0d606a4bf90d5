"""The CLI lists every command, but running one imports only that command's module."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.cli import COMMAND_MODULES

PROBE = """
import sys
from pipelines.cli import _register_commands
_register_commands(["dingtalk-attendance", "listen"])
print("dagster" in sys.modules, "duckdb" in sys.modules)
"""


@pytest.mark.integration
def test_listen_does_not_import_dagster_or_duckdb():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.integration
def test_help_lists_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "pipelines", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for name in COMMAND_MODULES:
        assert f" {name} " in result.stdout, name
