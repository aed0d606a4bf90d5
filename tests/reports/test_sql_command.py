"""`dingtalk-attendance sql`: a copied data folder answers the README's queries read-only,
one-shot and at the prompt; bad SQL and a missing warehouse are one line each."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.demo.queries import DEPARTMENT_MONTHLY, LATE_RANKING
from pipelines.warehouse import ensure_views
from tests.reports.conftest import Loaded, mart_rows


def _sql(*args: str, stdin: str | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "pipelines", "sql", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env or dict(os.environ),
    )


@pytest.fixture(scope="module")
def copied(loaded: Loaded, tmp_path_factory) -> Path:
    """A copy of a folder whose stored views name files that no longer exist: only views
    resolved in the copy itself can answer."""
    first = tmp_path_factory.mktemp("built") / "attendance"
    shutil.copytree(loaded.data_dir, first)
    assert ensure_views(first)  # the stored views now name `first`'s files
    copy = tmp_path_factory.mktemp("travelled") / "attendance"
    shutil.copytree(first, copy)
    shutil.rmtree(first)
    return copy


@pytest.mark.integration
def test_a_copied_folder_answers_the_readme_query_as_json(loaded, copied):
    expected = mart_rows(loaded.data_dir, LATE_RANKING.sql)
    assert expected  # the emulator's week has late arrivals

    result = _sql("--data-dir", str(copied), "--json", LATE_RANKING.sql)

    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == json.loads(json.dumps(expected, default=str))
    assert not (copied / "warehouse.duckdb.wal").exists()  # read-only: nothing written


@pytest.mark.integration
def test_csv_and_the_table_print_every_row(loaded, copied):
    expected = mart_rows(loaded.data_dir, DEPARTMENT_MONTHLY.sql)

    as_csv = _sql("--data-dir", str(copied), "--csv", DEPARTMENT_MONTHLY.sql)
    table = _sql("--data-dir", str(copied), DEPARTMENT_MONTHLY.sql)

    assert as_csv.returncode == 0, as_csv.stderr
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [row["dept_name"] for row in parsed] == [row["dept_name"] for row in expected]
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[-1] == f"({len(expected)} rows)"
    for row in expected:
        assert row["dept_name"] in table.stdout


@pytest.mark.integration
def test_the_prompt_reads_statements_until_eof_and_survives_an_error(copied):
    script = (
        "SELECT count(*) AS n\nFROM employees;\n"
        "SELECT nosuchcolumn FROM employees;\n"
        "SELECT 41 + 1 AS answer"  # the last statement may lack its semicolon
    )

    result = _sql("--data-dir", str(copied), "--csv", stdin=script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["n", "12", "answer", "42"]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("SQL error: "), result.stderr
    assert "nosuchcolumn" in errors[0]


@pytest.mark.integration
def test_bad_sql_and_writes_are_one_line_and_exit_1(copied):
    for statement in ("SELEC 1", "CREATE TABLE t AS SELECT 1"):
        result = _sql("--data-dir", str(copied), statement)
        assert result.returncode == 1
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("SQL error: "), result.stderr


@pytest.mark.integration
def test_a_missing_warehouse_names_what_to_run(tmp_path):
    env = {**os.environ, "ATTENDANCE_DATA_DIR": str(tmp_path / "empty")}

    result = _sql("SELECT 1", env=env)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no warehouse at" in lines[0] and "dingtalk-attendance sync" in lines[0]


@pytest.mark.integration
@pytest.mark.parametrize("where", ["in place", "copied"])
def test_show_tables_lists_every_view_once(loaded, copied, where):
    from pipelines.warehouse import TABLES

    folder = loaded.data_dir if where == "in place" else copied

    result = _sql("--data-dir", str(folder), "--csv", "SHOW TABLES")

    assert result.returncode == 0, result.stderr
    names = result.stdout.split()[1:]  # after the `name` header
    assert sorted(names) == sorted(TABLES), result.stdout
