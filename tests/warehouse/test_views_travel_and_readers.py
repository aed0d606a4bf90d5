"""The warehouse folder travels (views resolve in the folder they are read from), and a reader
holding `warehouse.duckdb` open never makes a run fail: not when a table gets its first
partition, not when the DuckDB file was deleted and is recreated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pytest

from pipelines.warehouse import ParquetStore, ensure_views, warehouse_path
from pipelines.warehouse.views import connect_read_only
from tests.warehouse.test_views_and_marts import DAY, _seed


@pytest.mark.integration
def test_a_copied_folder_answers_from_its_own_files_read_only(tmp_path):
    original, copy = tmp_path / "original", tmp_path / "elsewhere" / "copy"
    _seed(ParquetStore(original))
    ensure_views(original)
    shutil.copytree(original, copy)
    shutil.rmtree(original)  # the copy must not lean on the original's files

    with connect_read_only(copy) as connection:  # resolved at open, nothing written
        assert connection.execute("SELECT count(*) FROM attendance_results").fetchone() == (4,)
    assert ensure_views(copy) is True  # the first run in the new place rewrites the views
    query = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
        "print(c.execute('SELECT count(*) FROM attendance_results').fetchone()[0])"
    )
    plain = subprocess.run(  # any DuckDB client, from any working directory
        [sys.executable, "-c", query, str(warehouse_path(copy))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert plain.stdout.strip() == "4"


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    held = duckdb.connect(sys.argv[1], read_only=True)  # held open for the whole test
    held.execute("SELECT count(*) FROM attendance_results").fetchone()
    print("ready", flush=True)
    sys.stdin.readline()
    held.execute("SELECT count(*) FROM attendance_results").fetchone()
    held.close()
    print("done", flush=True)
    """
)


@pytest.mark.integration
def test_a_reader_holding_the_file_never_fails_view_maintenance(tmp_path):
    ensure_views(tmp_path)  # cold: every view typed and empty
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse_path(tmp_path))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert reader.stdout.readline().strip() == "ready"
        _seed(ParquetStore(tmp_path))  # tables get their first partitions
        assert ensure_views(tmp_path) is True
        os.remove(warehouse_path(tmp_path))  # the DuckDB file is recreated (warm reader)
        assert ensure_views(tmp_path) is True
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "done"
    finally:
        reader.kill()
        reader.wait()
    with connect_read_only(tmp_path) as connection:
        got = connection.execute("SELECT work_date, count(*) FROM attendance_results GROUP BY 1")
        assert got.fetchall() == [(DAY, 4)]
    assert not list(tmp_path.glob(".warehouse.duckdb.*.tmp"))


def test_view_files_are_swapped_not_rewritten_in_place(tmp_path):
    ensure_views(tmp_path)
    before = os.stat(warehouse_path(tmp_path)).st_ino
    _seed(ParquetStore(tmp_path))
    ensure_views(tmp_path)
    assert os.stat(warehouse_path(tmp_path)).st_ino != before
    with duckdb.connect(str(warehouse_path(tmp_path)), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM attendance_results").fetchone() == (4,)
