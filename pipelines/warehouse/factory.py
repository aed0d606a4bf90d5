"""Which Parquet store a process uses: `ATTENDANCE_WAREHOUSE_URI` empty means the data dir."""

from __future__ import annotations

from pipelines.settings import Settings
from pipelines.warehouse.object_store import ObjectParquetStore, ObjectStoreConfig
from pipelines.warehouse.store import ParquetStore


def object_store_config(settings: Settings) -> ObjectStoreConfig | None:
    """The object store `settings` name, or None when the warehouse is local."""
    if not settings.attendance_warehouse_uri:
        return None
    return ObjectStoreConfig(
        uri=settings.attendance_warehouse_uri,
        endpoint_url=settings.attendance_s3_endpoint_url,
        region=settings.attendance_s3_region,
        access_key_id=settings.attendance_s3_access_key_id,
        secret_access_key=settings.attendance_s3_secret_access_key.get_secret_value(),
        virtual_addressing=settings.attendance_s3_virtual_addressing,
    )


def open_store(settings: Settings) -> ParquetStore:
    """Parquet under `<data_dir>/parquet`, or on object storage when a URI is configured."""
    config = object_store_config(settings)
    if config is None:
        return ParquetStore(settings.attendance_data_dir)
    return ObjectParquetStore(config, settings.attendance_data_dir)
