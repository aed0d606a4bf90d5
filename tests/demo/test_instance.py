"""The Dagster home a data dir gets is accepted by Dagster itself and keeps the project's limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from dagster._core.instance.config import dagster_instance_config

from pipelines.demo.instance import PROJECT_DAGSTER_YAML, prepare_dagster_home


def test_project_dagster_yaml_renders_to_a_valid_instance(tmp_path: Path):
    home = prepare_dagster_home(tmp_path / "data")
    assert home == (tmp_path / "data" / "dagster_home").resolve()
    dagster_instance_config(str(home))  # raises DagsterInvalidConfigError if Dagster refuses it
    rendered = yaml.safe_load((home / "dagster.yaml").read_text())
    assert set(rendered) <= set(yaml.safe_load(PROJECT_DAGSTER_YAML.read_text()))


def test_run_retries_are_enabled_for_runs_that_ask_for_them(tmp_path: Path):
    # Event and schedule runs carry dagster/max_retries: their events are already consumed.
    config, _ = dagster_instance_config(str(prepare_dagster_home(tmp_path / "data")))
    assert config["run_retries"]["enabled"] is True


def test_config_prints_the_shared_dagster_home(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from pipelines.cli import _register_commands, app

    _register_commands()
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    result = CliRunner().invoke(app, ["config", "--dagster-home"])
    assert result.exit_code == 0, result.output
    home = Path(result.output.strip())
    assert home == (tmp_path / "data" / "dagster_home").resolve()
    assert (home / "dagster.yaml").is_file()
