"""Dagster's standard table metadata, from the warehouse's own table definitions.

Definition metadata (`dagster/column_schema`, `dagster/table_name`) shows the columns and the
DuckDB view of each asset in the UI; materialization metadata is set per partition, so that
`dagster/row_count` of a day is that day's rows, not the whole range run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dagster as dg

from pipelines.warehouse import ParquetStore
from pipelines.warehouse.schemas import TABLES

# The DuckDB catalogue of warehouse.duckdb is named after its file.
WAREHOUSE_CATALOG = "warehouse"
PARTITION_TYPES = {"work_date": "date", "month": "date"}


def column_schema(table: str) -> dg.TableSchema:
    """The table's columns and types as analysts see them (the partition column included)."""
    spec = TABLES[table]
    columns = [dg.TableColumn(field.name, str(field.type)) for field in spec.schema]
    if spec.partition is not None and spec.partition not in spec.columns:
        columns.insert(
            0,
            dg.TableColumn(
                spec.partition, PARTITION_TYPES[spec.partition], description="partition"
            ),
        )
    return dg.TableSchema(columns=columns)


def definition_metadata(table: str) -> dict[str, object]:
    """What the asset's page shows before anything ran: its columns and its DuckDB view."""
    return {
        "dagster/column_schema": column_schema(table),
        "dagster/table_name": f"{WAREHOUSE_CATALOG}.main.{table}",
    }


def add_partition_rows(
    context: dg.AssetExecutionContext, store: ParquetStore, table: str, rows: Mapping[date, int]
) -> None:
    """`dagster/row_count` and `dagster/uri` of each daily partition the run wrote."""
    for day, count in rows.items():
        _add_rows(context, store, table, day.isoformat(), day.isoformat(), count)


def add_month_rows(
    context: dg.AssetExecutionContext, store: ParquetStore, table: str, rows: Mapping[str, int]
) -> None:
    """The same keys for each month (`YYYY-MM`) of a monthly mart's run."""
    for month, count in rows.items():
        _add_rows(context, store, table, month, f"{month}-01", count)


def _add_rows(
    context: dg.AssetExecutionContext,
    store: ParquetStore,
    table: str,
    stored: str,
    partition_key: str,
    count: int,
) -> None:
    # `stored` names the warehouse partition (a day or a month), `partition_key` Dagster's; a
    # day of a compacted month is in the month's file (a late correction rewrote it).
    path = store.holding_file(table, stored) or store.file_path(table, stored)
    context.add_asset_metadata(
        {
            "dagster/row_count": dg.MetadataValue.int(count),
            "dagster/uri": dg.MetadataValue.path(str(path.resolve())),
        },
        partition_key=partition_key,
    )


def unpartitioned_rows(
    store: ParquetStore, table: str, count: int
) -> dict[str, dg.MetadataValue | int]:
    """The same two keys for a table held in one file."""
    return {
        "dagster/row_count": dg.MetadataValue.int(count),
        "dagster/uri": dg.MetadataValue.path(str(store.file_path(table).resolve())),
    }
