"""Every job, schedule and sensor says what it does; every table asset shows its columns."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import ATTENDANCE_ASSETS, defs
from pipelines.warehouse.schemas import TABLES


def test_every_job_schedule_and_sensor_has_a_description():
    instigators = [*defs.jobs, *defs.schedules, *defs.sensors]
    assert {item.name for item in instigators if not (item.description or "").strip()} == set()


def test_every_table_asset_declares_its_column_schema_and_table_name():
    for asset in ATTENDANCE_ASSETS:
        metadata = asset.specs_by_key[asset.key].metadata
        schema = metadata["dagster/column_schema"]
        assert isinstance(schema, dg.TableSchema)
        names = {column.name for column in schema.columns}
        assert set(TABLES[asset.key.path[-1]].columns) <= names
        assert metadata["dagster/table_name"] == f"warehouse.main.{asset.key.path[-1]}"


def test_every_pulled_asset_states_its_cost_per_employee_day():
    pulled = [a for a in ATTENDANCE_ASSETS if "dingtalk" in a.required_resource_keys]
    pulled = [a for a in pulled if a.key.path[-1] != "report_columns"]
    assert pulled
    for asset in pulled:
        description = asset.descriptions_by_key[asset.key]
        assert "Cost:" in description and "metered calls" in description, asset.key
