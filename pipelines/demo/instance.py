"""The Dagster instance of a data directory: `$ATTENDANCE_DATA_DIR/dagster_home` + dagster.yaml."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

DAGSTER_HOME_DIRNAME = "dagster_home"
# The project's instance settings (run queue, pools) live at the repository root.
PROJECT_DAGSTER_YAML = Path(__file__).resolve().parents[2] / "dagster.yaml"
_HEADER = "# Generated from {template} by dingtalk-attendance; edit the template, not this copy.\n"


def render_instance_config(template: Path) -> str:
    """The project's dagster.yaml, with a header saying where it came from."""
    return _HEADER.format(template=template) + template.read_text()


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


def home_for(data_dir: Path) -> Path:
    """The instance every command shares: `$DAGSTER_HOME` when set, else `<data_dir>/dagster_home`
    (created and rendered from the project's dagster.yaml)."""
    explicit = os.environ.get("DAGSTER_HOME")
    if explicit:
        return Path(explicit)
    return prepare_dagster_home(data_dir)


def open_instance(data_dir: Path) -> dg.DagsterInstance:
    """The shared instance (see `home_for`), so runs of `sync` show in `serve` and `dagster dev`."""
    import dagster as dg

    home = home_for(data_dir)
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(home))
