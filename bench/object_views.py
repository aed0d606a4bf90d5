"""What the httpfs view file over object storage costs: build and upload, attach, a month's scan.

Against moto's S3 server on loopback (no network latency: the figures are the request count's
floor, not a real bucket's). Usage: python -m bench.object_views [--days 31] [--people 100]
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from datetime import date, datetime, timedelta

import pyarrow.fs as pafs

from pipelines.days import SHANGHAI
from pipelines.warehouse import ensure_views
from pipelines.warehouse.object_store import ObjectParquetStore, ObjectStoreConfig
from pipelines.warehouse.object_views import s3_connection, view_file_url
from tests.services import s3_server


def _rows(day: date, people: int) -> list[dict[str, object]]:
    return [
        {
            "userid": f"u{person}",
            "check_type": check_type,
            "plan_id": person * 2 + index,
            "plan_check_time": datetime(
                day.year, day.month, day.day, 9 + 9 * index, tzinfo=SHANGHAI
            ),
            "time_result": "Normal",
        }
        for person in range(people)
        for index, check_type in enumerate(("OnDuty", "OffDuty"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--people", type=int, default=100)
    args = parser.parse_args()
    with s3_server() as endpoint, tempfile.TemporaryDirectory() as scratch:
        bucket = f"bench-{secrets.token_hex(4)}"
        pafs.S3FileSystem(
            access_key="bench",
            secret_key="bench",
            region="us-east-1",
            endpoint_override=endpoint.removeprefix("http://"),
            scheme="http",
            allow_bucket_creation=True,
        ).create_dir(bucket)
        config = ObjectStoreConfig(
            uri=f"s3://{bucket}/attendance",
            endpoint_url=endpoint,
            region="us-east-1",
            access_key_id="bench",
            secret_access_key="bench",
        )
        store = ObjectParquetStore(config, scratch)
        first = date(2026, 10, 1)
        for offset in range(args.days):
            day = first + timedelta(days=offset)
            store.write("attendance_results", _rows(day, args.people), day)
        started = time.perf_counter()
        ensure_views(store)
        built = time.perf_counter() - started
        connection = s3_connection(store)
        started = time.perf_counter()
        connection.execute(f"ATTACH '{view_file_url(store)}' AS w (READ_ONLY)")
        attached = time.perf_counter() - started
        started = time.perf_counter()
        count = connection.execute(
            "SELECT count(*), min(work_date), max(work_date) FROM w.attendance_results"
            " WHERE strftime(work_date, '%Y-%m') = '2026-10'"
        ).fetchone()
        scanned = time.perf_counter() - started
        connection.close()
        print(f"{args.days} partitions x {args.people * 2} rows of attendance_results")
        print(f"build + upload of warehouse.duckdb: {built:.2f} s")
        print(f"attach over httpfs: {attached:.2f} s")
        print(f"month scan with min/max(work_date) (the report's freshness query): {scanned:.2f} s")
        print(f"answer: {count}")


if __name__ == "__main__":
    main()
