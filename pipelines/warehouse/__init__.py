"""The warehouse: hive-partitioned Parquet written atomically, DuckDB views over it, marts in SQL,
quality findings.

It knows rows, not the client: `pipelines.extract` turns DingTalk answers into rows and hands
them to the store. Nothing here imports dagster: the CLI, the benchmark and unit tests use it
directly.
"""

from pipelines.warehouse.schemas import DAILY_TABLES, TABLES, TableSpec
from pipelines.warehouse.store import ParquetStore
from pipelines.warehouse.views import ensure_views, warehouse_path

__all__ = ["DAILY_TABLES", "TABLES", "ParquetStore", "TableSpec", "ensure_views", "warehouse_path"]
