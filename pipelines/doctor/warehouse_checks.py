"""`doctor` on the configured object store: reachable (the bucket exists), permissions (an
object written and deleted under the prefix). A local warehouse needs no check of its own
(the data directory check covers it)."""

from __future__ import annotations

import uuid

import pyarrow.fs as pafs

from pipelines.doctor.findings import DoctorReport
from pipelines.settings import Settings
from pipelines.warehouse.factory import object_store_config
from pipelines.warehouse.object_store import ObjectStoreConfig

VARIABLES = "ATTENDANCE_WAREHOUSE_URI and ATTENDANCE_S3_*"


def check_warehouse(report: DoctorReport, settings: Settings) -> None:
    """One line each: the object store reachable, and writable under the prefix."""
    config = object_store_config(settings)
    if config is None:
        return
    if _reachable(report, config):
        _writable(report, config)


def _reachable(report: DoctorReport, config: ObjectStoreConfig) -> bool:
    bucket = config.root.split("/", 1)[0]
    try:
        found = config.filesystem().get_file_info(bucket).type != pafs.FileType.NotFound
    except OSError as error:
        report.add(
            "fail",
            "warehouse",
            f"object store unreachable ({_first_line(error)}): fix {VARIABLES}.",
        )
        return False
    if not found:
        report.add(
            "fail", "warehouse", f"bucket {bucket} does not exist: create it or fix {VARIABLES}."
        )
        return False
    report.add("ok", "warehouse", f"object store reachable, bucket {bucket} exists.")
    return True


def _writable(report: DoctorReport, config: ObjectStoreConfig) -> None:
    probe = f"{config.root}/_doctor/{uuid.uuid4().hex}"
    filesystem = config.filesystem()
    try:
        with filesystem.open_output_stream(probe) as stream:
            stream.write(b"doctor")
        filesystem.delete_file(probe)
    except OSError as error:
        report.add(
            "fail",
            "warehouse",
            f"may not write and delete under {config.uri} ({_first_line(error)}): grant "
            "s3:PutObject, GetObject, DeleteObject and ListBucket on the prefix.",
        )
        return
    report.add("ok", "warehouse", f"may write and delete objects under {config.uri}.")


def _first_line(error: OSError) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
