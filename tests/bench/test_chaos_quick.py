"""The reduced `bench/chaos.py --quick` passes every check (CI runs it on every change),
the listener chaos among them: 1,000 events, 0 lost, 0 stored twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHAOS = Path(__file__).resolve().parents[2] / "bench" / "chaos.py"


@pytest.mark.integration
def test_quick_chaos_passes_every_check(tmp_path):
    results = tmp_path / "chaos.json"
    done = subprocess.run(
        [sys.executable, str(CHAOS), "--quick", "--json", str(results)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(results.read_text())
    failed = [check for check in report["checks"] if not check["pass"]]
    assert failed == [] and done.returncode == 0, done.stdout[-2000:]
    assert report["figures"]["fuzz"]["neither"] == 0 and len(report["checks"]) == 11
    delivery = report["figures"]["delivery"]
    assert delivery["lost"] == delivery["stored_twice"] == 0 and delivery["stored"] == 1_000
    assert delivery["from_failed_push"] > 0 and delivery["duplicates_sent"] > 0
