"""The jobs' executors: the local one, or Celery workers when a broker is configured.

Each job keeps the executor that suits it on one host (in process for the event jobs, processes
for the backfill). With `ATTENDANCE_CELERY_BROKER_URL` set where the run starts, its steps go to
`dagster-celery` workers instead, on the queue `ATTENDANCE_CELERY_QUEUE`. The choice is made when
the run starts, like every other setting, never at import: the code location, the UI and the
tests load the same definitions whatever the host, and the broker URL (it may hold a password)
stays out of the run config the UI shows. Pools (`dingtalk_api`, `duckdb_writer`) hold either
way: the run claims a step's slot in the instance before it hands the step to a worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg
from dagster._core.execution.retries import RetryMode

from pipelines.settings import load_settings

# The run's results come back over the broker (`rpc://`): no result store to run or clean.
CELERY_BACKEND = "rpc://"


def _broker() -> str:
    return load_settings().attendance_celery_broker_url.get_secret_value()


def celery_or(local: dg.ExecutorDefinition) -> dg.ExecutorDefinition:
    """`local`, or Celery when a broker is configured; `local`'s config schema, so it can be
    `.configured` as `local` would be (the Celery path reads only `retries` from it)."""

    def requirements(config: Mapping[str, object]) -> Sequence[dg.ExecutorRequirement]:
        if _broker():  # steps run in other processes on other hosts
            return dg.multiple_process_executor_requirements()
        return local.get_requirements(config)

    def create(init_context: dg.InitExecutorContext) -> dg.Executor:
        settings = load_settings()
        broker = settings.attendance_celery_broker_url.get_secret_value()
        if not broker:
            return local.executor_creation_fn(init_context)  # type: ignore[misc]
        from dagster_celery.executor import CeleryExecutor

        config = init_context.executor_config
        return CeleryExecutor(
            broker=broker,
            backend=CELERY_BACKEND,
            config_source={"task_default_queue": settings.attendance_celery_queue},
            retries=RetryMode.from_config(config["retries"]),  # type: ignore[arg-type]
        )

    return dg.ExecutorDefinition(
        name=f"{local.name}_or_celery",
        config_schema=local.config_schema.as_field(),
        requirements=requirements,
        executor_creation_fn=create,
        description=f"{local.description} On Celery workers when ATTENDANCE_CELERY_BROKER_URL "
        "is set.",
    )
