"""`sync --json`: the dry-run estimate and the closing summary as one JSON object each, with
the same figures as the text (the calls the emulator metered)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.dagster.test_sync_instance import metered_calls, sync_days, use_emulator

pytestmark = pytest.mark.integration


def test_dry_run_json_is_the_estimate_and_spends_nothing(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = metered_calls(emulator)

    result = sync_days(emulator, 3, "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["dry_run"] is True and document["users"] == 30
    assert document["metered_calls"] == sum(document["by_endpoint"].values()) > 0
    assert document["quota_share"] == round(document["metered_calls"] / 5000, 4)
    assert metered_calls(emulator) == before


def test_the_summary_json_counts_the_calls_spent(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    before = metered_calls(emulator)

    result = sync_days(emulator, 3, "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout.strip().splitlines()[-1])
    first = emulator.config.start
    assert document["synced"] == [str(first), str(first + timedelta(days=2))]
    assert document["metered_calls"] == sum(document["by_endpoint"].values())
    assert document["metered_calls"] == metered_calls(emulator) - before
