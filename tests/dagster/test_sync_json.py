"""`sync --json`: the dry-run estimate and the closing summary as one JSON object each, with
the same figures as the text (the calls the emulator metered)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from tests.dagster.test_sync_instance import use_emulator

_register_commands()
runner = CliRunner()
pytestmark = pytest.mark.integration


def _metered(emulator) -> int:
    return sum(httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"].values())


def _sync(emulator, *extra: str):
    first = emulator.config.start
    last = first + timedelta(days=2)
    return runner.invoke(app, ["sync", "--start", str(first), "--end", str(last), *extra])


def test_dry_run_json_is_the_estimate_and_spends_nothing(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = _metered(emulator)

    result = _sync(emulator, "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["dry_run"] is True and document["users"] == 30
    assert document["metered_calls"] == sum(document["by_endpoint"].values()) > 0
    assert document["quota_share"] == round(document["metered_calls"] / 5000, 4)
    assert _metered(emulator) == before


def test_the_summary_json_counts_the_calls_spent(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = _metered(emulator)

    result = _sync(emulator, "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout.strip().splitlines()[-1])
    first = emulator.config.start
    assert document["synced"] == [str(first), str(first + timedelta(days=2))]
    assert document["metered_calls"] == sum(document["by_endpoint"].values())
    assert document["metered_calls"] == _metered(emulator) - before
