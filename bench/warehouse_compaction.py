"""Compaction of settled months: files, bytes and the late-ranking query, before and after.

Writes `--employees` x `--months` settled months straight into a fresh warehouse (the rows of
tests/warehouse/synthetic_month.py: two check points per employee and weekday, ~7 % late),
copies it, runs `compaction.compact` on the copy, then times the README's late ranking
(`pipelines/demo/queries.py`) through the read-only views (`connect_read_only`, what
`dingtalk-attendance sql` uses) on both folders, alternately in one process, so that whatever
else loads the machine weighs on both.

    .venv/bin/python bench/warehouse_compaction.py [--employees 2000] [--months 1] [--repeat 15]

Figures are printed (and recorded with `--json PATH`, bench/results_io.py); nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.demo.queries import LATE_RANKING  # noqa: E402
from pipelines.warehouse import DAILY_TABLES, ParquetStore, ensure_views  # noqa: E402
from pipelines.warehouse.compaction import compact  # noqa: E402
from pipelines.warehouse.views import connect_read_only  # noqa: E402
from tests.warehouse.synthetic_month import write_month  # noqa: E402

FIRST_MONTH = date(2026, 1, 1)
MIB = 1024 * 1024


def months(count: int) -> list[str]:
    return [
        date(
            FIRST_MONTH.year + (FIRST_MONTH.month - 1 + n) // 12,
            (FIRST_MONTH.month - 1 + n) % 12 + 1,
            1,
        ).isoformat()[:7]
        for n in range(count)
    ]


def footprint(store: ParquetStore) -> dict[str, float]:
    files = [path for table in DAILY_TABLES for path in store.table_dir(table).rglob("*.parquet")]
    return {"files": len(files), "mib": sum(path.stat().st_size for path in files) / MIB}


def time_query(data_dir: Path) -> tuple[float, float, list[tuple]]:
    """Seconds of the late ranking with the session opening, and on the open session."""
    began = time.perf_counter()
    with connect_read_only(data_dir) as connection:
        ready = time.perf_counter()
        rows = connection.execute(LATE_RANKING.sql).fetchall()
        done = time.perf_counter()
    return done - began, done - ready, rows


def compare_queries(folders: dict[str, Path], repeat: int) -> dict[str, dict[str, object]]:
    """Median times per folder, measured alternately so that load on the machine hits both."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in folders}
    answers: dict[str, list[tuple]] = {}
    for _ in range(repeat):
        for name, folder in folders.items():
            opened, queried, answers[name] = time_query(folder)
            times[name].append((opened, queried))
    return {
        name: {
            "open_and_query_ms": statistics.median(t[0] for t in runs) * 1000,
            "query_ms": statistics.median(t[1] for t in runs) * 1000,
            "answer": answers[name],
        }
        for name, runs in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Compaction: files, bytes and query time.")
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--months", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compaction-bench-") as folder:
        days_dir, compacted_dir = Path(folder) / "day-files", Path(folder) / "compacted"
        began = time.perf_counter()
        for month in months(options.months):
            write_month(ParquetStore(days_dir), month, options.employees)
        written = time.perf_counter() - began
        shutil.copytree(days_dir / "parquet", compacted_dir / "parquet")
        stores = {"day_files": ParquetStore(days_dir), "compacted": ParquetStore(compacted_dir)}
        for store in stores.values():
            ensure_views(store)
        began = time.perf_counter()
        compact(stores["compacted"])
        compaction_seconds = time.perf_counter() - began
        sizes = {name: footprint(store) for name, store in stores.items()}
        queries = compare_queries(
            {"day_files": days_dir, "compacted": compacted_dir}, options.repeat
        )
    same = queries["day_files"].pop("answer") == queries["compacted"].pop("answer")
    figures = {
        "employees": options.employees,
        "months": options.months,
        "repeat": options.repeat,
        "write_seconds": written,
        "compaction_seconds": compaction_seconds,
        "same_answer": same,
        **{name: {**sizes[name], **queries[name]} for name in stores},
    }
    _print(figures)


def _print(f: dict) -> None:
    b, a = f["day_files"], f["compacted"]  # before, after
    print(
        f"{f['employees']} employees x {f['months']} month(s), daily tables ({len(DAILY_TABLES)}):"
    )
    print(f"  {'':24}{'day files':>12}{'compacted':>12}{'ratio':>8}")
    for label, key, unit in (
        ("files", "files", ""),
        ("size", "mib", " MiB"),
        ("late ranking, query", "query_ms", " ms"),
        ("late ranking, open+query", "open_and_query_ms", " ms"),
    ):
        ratio = b[key] / a[key] if a[key] else float("inf")
        print(f"  {label:24}{b[key]:>8.1f}{unit:<4}{a[key]:>8.1f}{unit:<4}{ratio:>7.2f}x")
    seconds = f["compaction_seconds"]
    print(f"  same top-10 before and after: {f['same_answer']}; compaction took {seconds:.2f} s")


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("warehouse_compaction"):
        main()
