"""`dingtalk-attendance demo` runs to the end as its own process and exits 0, leaving no child
behind, prints its summary as one JSON object with `--json`, and the DuckDB file it leaves
answers the README's example queries (the demo's own)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.demo.queries import EXAMPLE_QUERIES
from tests.demo.helpers import README, REPO, processes_using, readme_queries


def test_readme_shows_exactly_the_demo_queries():
    assert readme_queries() == {query.name: query.sql.strip() for query in EXAMPLE_QUERIES}


def test_readme_configuration_table_lists_every_variable_of_env_example():
    variables = re.findall(r"^([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.M)
    table = README.read_text()
    assert variables
    assert [name for name in variables if f"| `{name}` |" not in table] == []


@pytest.mark.integration
@pytest.mark.timeout(420)
def test_demo_runs_to_the_end_and_its_warehouse_answers_the_readme(tmp_path: Path):
    data_dir = tmp_path / "demo"
    command = [sys.executable, "-m", "pipelines", "demo", "--employees", "20", "--days", "5"]
    done = subprocess.run(
        [*command, "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=400,
        env={**os.environ, "ATTENDANCE_DATA_DIR": str(data_dir)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert processes_using(data_dir) == []
    summary = json.loads(done.stdout)  # stdout is the one object; the progress goes to stderr
    assert summary["inbox"]["failed_pushes_recovered"] > 0, summary
    assert summary["events"]["undeliverable"] > 0 and summary["metered_calls"] > 0
    assert summary["paths"]["duckdb"] == str((data_dir / "warehouse.duckdb").resolve())
    assert summary["timings_s"]["total"] >= summary["timings_s"]["backfill"] > 0
    assert "backfill" in done.stderr and "live day" in done.stderr  # progress bars, not silence
    assert "demo: emulator on" in done.stderr
    assert "Warning" not in done.stderr  # Dagster's beta/preview notices are not the user's news

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        for name, sql in readme_queries().items():
            assert connection.execute(sql).fetchall(), f"README query {name} returned no rows"
        live_day = connection.execute("SELECT MAX(work_date) FROM attendance_punches").fetchone()
        assert str(live_day[0]) == "2026-11-06"  # the window's last weekday, streamed live

    with dg.DagsterInstance.from_config(str(data_dir / "dagster_home")) as instance:
        tags = [record.dagster_run.tags for record in instance.get_run_records()]
        monthly_runs = instance.get_runs(dg.RunsFilter(job_name="attendance_monthly_marts_job"))
        months = instance.get_materialized_partitions(dg.AssetKey("attendance_monthly"))
        days = instance.get_materialized_partitions(dg.AssetKey("attendance_daily"))
    # Every month with a day in the warehouse is materialized, and only those; the refreshes of
    # the live day and the schedules ran the monthly job after the backfill did.
    assert months == {f"{day[:7]}-01" for day in days}
    assert len(monthly_runs) > 1
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in monthly_runs)
    by_sensor = [t for t in tags if t.get("dagster/sensor_name") == "attendance_events_sensor"]
    by_schedule = {t.get("dagster/schedule_name") for t in tags} - {None}
    assert len(by_sensor) >= 3
    assert by_schedule >= {"settlement_schedule", "failed_push_reconciliation_schedule"}


def test_demo_wipes_only_directories_it_created(tmp_path: Path):
    from pipelines.demo.live import DemoError
    from pipelines.demo.runner import MARKER, prepare_data_dir

    real = tmp_path / "real"
    real.mkdir()
    (real / "inbox.sqlite").write_text("events someone needs")
    with pytest.raises(DemoError, match="not a demo directory"):
        prepare_data_dir(real)
    assert (real / "inbox.sqlite").exists()

    demo = prepare_data_dir(tmp_path / "demo")
    (demo / "warehouse.duckdb").write_text("last run")
    assert prepare_data_dir(demo) == demo.resolve()
    assert sorted(p.name for p in demo.iterdir()) == [MARKER]
