"""Compaction of settled months, every morning after the settlement re-pulls.

A month becomes settled some hours after its last day ends (the settlement schedule re-pulls
D-1 and D-2 at 06:30). The job compacts every settled month that still has day files
(pipelines/warehouse/compaction.py), so it is a few directory listings on most mornings and
folds the previous month once it is final; `dingtalk-attendance compact` does the same by hand.
"""

# No `from __future__ import annotations`: dagster checks the op's context annotation as a type.
import dagster as dg

from pipelines.catalogue import Job, Schedule
from pipelines.partitions import TIMEZONE
from pipelines.resources import WarehouseResource
from pipelines.warehouse.compaction import compact, summary_lines
from pipelines.warehouse.object_store import ObjectParquetStore

# After the settlement (06:30) and the report settlement (07:00) runs of the morning.
COMPACTION_CRON = "30 9 * * *"


@dg.op(description="Fold the day files of every settled month into one file per table.")
def compact_settled_months(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
    done = compact(warehouse.store())
    for line in summary_lines(done) or ["nothing to compact: no settled month has day files left"]:
        context.log.info(line)


@dg.job(name=Job.WAREHOUSE_COMPACTION, description="Compact the warehouse's settled months.")
def warehouse_compaction_job() -> None:
    compact_settled_months()


@dg.schedule(
    name=Schedule.WAREHOUSE_COMPACTION,
    job=warehouse_compaction_job,
    cron_schedule=COMPACTION_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 09:30: compact the months that became settled (usually none).",
)
def warehouse_compaction_schedule(
    context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
):
    if isinstance(warehouse.store(), ObjectParquetStore):
        return dg.SkipReason("compaction works on a local warehouse only so far")
    return dg.RunRequest(run_key=None)
