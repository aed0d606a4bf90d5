"""A small job for the Celery test: four steps in the `dingtalk_api` pool, each recording when it
ran and in which process, run by Celery workers (`celery_executor`) on the queue the test names.

The worker imports this module to reconstruct the job, so the queue and the record folder come
from the environment the test gives both processes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
from dagster_celery import celery_executor

from pipelines.catalogue import Pool

QUEUE_VARIABLE = "CELERY_TEST_QUEUE"
RECORDS_VARIABLE = "CELERY_TEST_RECORDS"
BROKER_VARIABLE = "CELERY_TEST_BROKER"
STEPS = 4
# Long enough that two unrestricted steps on two workers would overlap.
STEP_SECONDS = 1.0


def _record(name: str) -> None:
    started = time.time()
    time.sleep(STEP_SECONDS)
    entry = {"step": name, "pid": os.getpid(), "start": started, "end": time.time()}
    (Path(os.environ[RECORDS_VARIABLE]) / f"{name}.json").write_text(json.dumps(entry))


def _step(index: int) -> dg.OpDefinition:
    @dg.op(name=f"call_dingtalk_{index}", pool=Pool.DINGTALK_API)
    def call_dingtalk() -> None:
        _record(f"call_dingtalk_{index}")

    return call_dingtalk


STEP_OPS = [_step(index) for index in range(STEPS)]


@dg.job(
    executor_def=celery_executor.configured(
        {
            "broker": {"env": BROKER_VARIABLE},
            "backend": "rpc://",
            "config_source": {
                "task_default_queue": os.environ.get(QUEUE_VARIABLE, "dagster"),
                # The run's reply queue on the broker expires a minute after the test.
                "result_expires": 60,
            },
        }
    )
)
def celery_pool_job() -> None:
    for op in STEP_OPS:
        op()
