"""The report library stays dagster-free, so the CLI and the demo make reports without Dagster."""

from __future__ import annotations

from pathlib import Path

REPORTS = Path(__file__).resolve().parents[2] / "pipelines" / "reports"


def test_the_report_library_does_not_import_dagster():
    sources = list(REPORTS.rglob("*.py"))
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "import dagster" not in text and "from dagster" not in text, source
