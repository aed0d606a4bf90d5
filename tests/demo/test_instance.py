"""The Dagster home a data dir gets is accepted by Dagster itself and keeps the project's limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from dagster._core.instance.config import dagster_instance_config

from pipelines.demo.instance import PROJECT_DAGSTER_YAML, prepare_dagster_home

LEGACY = """
run_queue:
  max_concurrent_runs: 8
  tag_concurrency_limits:
    - key: dagster/backfill
      limit: 2
concurrency:
  pools:
    default_limit: 4
  default_op_concurrency_limit: 4
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
"""


def test_project_dagster_yaml_renders_to_a_valid_instance(tmp_path: Path):
    home = prepare_dagster_home(tmp_path / "data")
    assert home == (tmp_path / "data" / "dagster_home").resolve()
    dagster_instance_config(str(home))  # raises DagsterInvalidConfigError if Dagster refuses it
    rendered = yaml.safe_load((home / "dagster.yaml").read_text())
    assert set(rendered) <= set(yaml.safe_load(PROJECT_DAGSTER_YAML.read_text()))


def test_legacy_spellings_move_without_losing_limits(tmp_path: Path):
    template = tmp_path / "dagster.yaml"
    template.write_text(LEGACY)
    home = prepare_dagster_home(tmp_path / "data", template)
    config, _ = dagster_instance_config(str(home))
    runs = config["concurrency"]["runs"]
    assert runs["max_concurrent_runs"] == 8
    assert runs["tag_concurrency_limits"] == [{"key": "dagster/backfill", "limit": 2}]
    assert config["concurrency"]["pools"]["default_limit"] == 4
