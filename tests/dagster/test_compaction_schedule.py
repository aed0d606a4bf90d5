"""The compaction job folds a settled month into one file per table, and its schedule launches
it on a local warehouse and skips object storage (which keeps one object per day)."""

from __future__ import annotations

import dagster as dg

from pipelines.catalogue import Table
from pipelines.resources import WarehouseResource
from pipelines.warehouse import ParquetStore
from sensors.compaction import warehouse_compaction_job, warehouse_compaction_schedule
from tests.warehouse.synthetic_month import write_month

MONTH = "2026-10"


def test_the_job_compacts_the_settled_month(tmp_path):
    store = ParquetStore(tmp_path)
    write_month(store, MONTH, 3)
    assert len(store.day_files(Table.ATTENDANCE_DAILY)) == 31
    result = warehouse_compaction_job.execute_in_process(
        resources={"warehouse": WarehouseResource(data_dir=str(tmp_path))}
    )
    assert result.success
    assert store.day_files(Table.ATTENDANCE_DAILY) == []
    assert store.compacted_months(Table.ATTENDANCE_DAILY) == [MONTH]


def test_the_schedule_runs_locally_and_skips_object_storage(tmp_path, monkeypatch):
    warehouse = WarehouseResource(data_dir=str(tmp_path))
    with dg.build_schedule_context(resources={"warehouse": warehouse}) as context:
        assert isinstance(warehouse_compaction_schedule(context), dg.RunRequest)
    monkeypatch.setenv("ATTENDANCE_WAREHOUSE_URI", "s3://bucket/attendance")
    monkeypatch.setenv("ATTENDANCE_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    with dg.build_schedule_context(resources={"warehouse": warehouse}) as context:
        skipped = warehouse_compaction_schedule(context)
    assert isinstance(skipped, dg.SkipReason) and "local warehouse only" in str(
        skipped.skip_message
    )
