"""The generic top-level package names resolve to this repository, not to another install."""

from __future__ import annotations

from pathlib import Path

import assets
import pipelines
import sensors

REPO = Path(__file__).resolve().parents[2]


def test_top_level_packages_come_from_this_repo():
    for package in (pipelines, assets, sensors):
        assert Path(package.__file__).resolve().parent.parent == REPO


def test_libraries_at_the_edges_do_not_import_dagster():
    for folder in ("dingtalk", "stream", "emulator", "warehouse", "refresh"):
        for source in (REPO / "pipelines" / folder).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            assert "import dagster" not in text, source
            assert "from dagster" not in text, source
