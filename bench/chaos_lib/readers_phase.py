"""Concurrent partition writers (processes) and view maintenance beside a held reader."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

from pipelines.warehouse import ParquetStore, ensure_views, warehouse_path

READER = textwrap.dedent(
    """
    import sys, duckdb
    held = duckdb.connect(sys.argv[1], read_only=True)
    held.execute("SELECT count(*) FROM attendance_results").fetchone()
    print("ready", flush=True)
    sys.stdin.readline()
    held.execute("SELECT count(*) FROM attendance_results").fetchone()
    print("done", flush=True)
    """
)


def _row(user: str, day: date) -> dict[str, object]:
    return {"userid": user, "check_type": "OnDuty", "time_result": "Normal"}


def _partition_run(args: tuple[str, int]) -> str:
    """One 'partition run': write a day's partition, then refresh the views."""
    data_dir, offset = args
    day = date(2026, 11, 1) + timedelta(days=offset)
    try:
        ParquetStore(data_dir).write("attendance_results", [_row("u1", day)], day)
        ensure_views(data_dir)
        return "ok"
    except Exception as error:  # the figure counts failures, whatever they are
        return repr(error)


def _with_reader(data_dir: Path, runs: int, start: int) -> list[str]:
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse_path(data_dir))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=data_dir,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        if reader.stdout.readline().strip() != "ready":
            return ["the reader did not start"]
        with multiprocessing.get_context("spawn").Pool(min(runs, 8)) as pool:
            outcomes = pool.map(_partition_run, [(str(data_dir), start + n) for n in range(runs)])
        reader.stdin.write("\n")
        reader.stdin.flush()
        if reader.stdout.readline().strip() != "done":
            outcomes.append("the reader failed")
        return outcomes
    finally:
        reader.kill()
        reader.wait()


def run(work: Path, runs: int) -> dict[str, object]:
    data_dir = work / "readers"
    data_dir.mkdir(parents=True)
    ensure_views(data_dir)
    cold = _with_reader(data_dir, runs, 0)  # the tables get their first partitions
    warehouse_path(data_dir).unlink()  # the DuckDB file recreated under a warm reader
    ensure_views(data_dir)
    warm = _with_reader(data_dir, runs, runs)
    failures = [o for o in cold + warm if o != "ok"]
    return {"runs": 2 * runs, "failed_runs": len(failures), "failures": failures[:5]}
