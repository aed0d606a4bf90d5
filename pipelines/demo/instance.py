"""The Dagster instance of a data directory: `$ATTENDANCE_DATA_DIR/dagster_home` + dagster.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DAGSTER_HOME_DIRNAME = "dagster_home"
# The project's instance settings (run queue, pools) live at the repository root.
PROJECT_DAGSTER_YAML = Path(__file__).resolve().parents[2] / "dagster.yaml"
_RUN_LIMITS = ("max_concurrent_runs", "tag_concurrency_limits")
_HEADER = "# Generated from {template} by dingtalk-attendance; edit the template, not this copy.\n"


def render_instance_config(template: Path) -> str:
    """The project's dagster.yaml as Dagster 1.13 accepts it.

    Dagster refuses legacy spellings next to their replacements, so with a `concurrency` block
    the run limits of `run_queue` move to `concurrency.runs`, `default_op_concurrency_limit`
    gives way to `pools.default_limit`, and an explicit queued `run_coordinator` is dropped
    (`run_queue`/`concurrency` select it anyway). Values are kept, only their place changes.
    """
    config: dict[str, Any] = yaml.safe_load(template.read_text()) or {}
    concurrency = config.get("concurrency")
    if isinstance(concurrency, dict):
        if "default_limit" in (concurrency.get("pools") or {}):
            concurrency.pop("default_op_concurrency_limit", None)
        run_queue = config.get("run_queue") or {}
        runs = concurrency.setdefault("runs", {})
        for key in _RUN_LIMITS:
            if key in run_queue:
                runs.setdefault(key, run_queue.pop(key))
        if not runs:
            concurrency.pop("runs")
        if "run_queue" in config and not run_queue:
            config.pop("run_queue")
    if "QueuedRunCoordinator" in str(config.get("run_coordinator")):
        config.pop("run_coordinator")
    return _HEADER.format(template=template) + yaml.safe_dump(config, sort_keys=False)


def prepare_dagster_home(data_dir: Path, template: Path = PROJECT_DAGSTER_YAML) -> Path:
    """Create `<data_dir>/dagster_home` holding the instance config rendered from the template.

    Rewritten on every start, so a change of the template reaches existing data dirs.

    Raises:
        FileNotFoundError: the template is missing (a broken checkout).
    """
    if not template.is_file():
        raise FileNotFoundError(f"the project's Dagster settings are missing: {template}")
    home = data_dir.resolve() / DAGSTER_HOME_DIRNAME
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    rendered = render_instance_config(template)
    if not target.exists() or target.read_text() != rendered:
        target.write_text(rendered)
    return home


def initialize_instance(home: Path) -> None:
    """Create and migrate the instance's SQLite storages before any child process opens them.

    The webserver, the daemon and the first run would otherwise race to create the same fresh
    databases, and Alembic's version stamping fails for the losers.
    """
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_run_records(limit=1)
