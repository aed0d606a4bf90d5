"""The README's DuckDB CLI step: the `duckdb` CLI from PyPI (duckdb-cli, pinned with duckdb)
opens the warehouse.duckdb the pipeline writes, read-only, and answers from its views."""

from __future__ import annotations

import subprocess
import sysconfig
from pathlib import Path

import pytest

from pipelines.warehouse import ParquetStore, ensure_views, warehouse_path
from tests.warehouse.test_views_and_marts import DAY, _seed


@pytest.mark.integration
def test_the_duckdb_cli_reads_the_warehouse_file(tmp_path):
    store = ParquetStore(tmp_path)
    _seed(store)
    ensure_views(store)
    query = "SELECT count(*) || ' rows' FROM attendance_results"
    # The wheel installs the `duckdb` binary into this environment's scripts folder.
    duckdb_cli = Path(sysconfig.get_path("scripts")) / "duckdb"
    command = [str(duckdb_cli), "-readonly", "-csv", "-noheader"]
    answer = subprocess.run(
        [*command, str(warehouse_path(tmp_path)), "-c", query],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    expected = len(store.read("attendance_results", DAY))  # _seed writes one day
    assert expected and answer.stdout.strip() == f"{expected} rows"
