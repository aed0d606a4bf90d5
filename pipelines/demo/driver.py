"""Dagster driven in process: the project's sensor and schedules evaluated with Dagster's own APIs,
their run requests executed as real runs recorded in the instance under the data dir.

Why not the daemon here: on a 2-core machine every daemon-launched run is a new Python process
that imports Dagster, pandas and pyarrow (seconds each), and sensor ticks wait for their interval;
evaluating the same sensor and schedule definitions in this process and executing their run
requests in process gives the same runs, cursors and materializations in a fraction of the time,
and a demo that ends when its work ends. `serve` runs the daemon for real.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

import dagster as dg

from pipelines.catalogue import Sensor
from pipelines.demo.live import DemoError

# Runs log to the console at DEBUG by default; the demo shows progress bars and warnings only.
QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# The run-status sensor is evaluated as the daemon would, against the repository; Dagster marks
# that parameter beta and would warn on every run the demo makes.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*repository_def.*")
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


class RunFailedError(DemoError):
    """A Dagster run of the demo failed; the message is the step's error, one line."""


@dataclass
class DagsterDriver:
    """Evaluates the events sensor and the schedules, and runs what they request."""

    defs: dg.Definitions
    instance: dg.DagsterInstance
    sensor_name: str = Sensor.ATTENDANCE_EVENTS
    reaction_sensor_name: str = Sensor.MONTHLY_MARTS
    cursor: str | None = None
    runs_by_job: Counter = field(default_factory=Counter)

    def materialize(self, asset_key: str, first: str | None, last: str | None) -> None:
        """One run materializing `asset_key` (a partition key range when `first`/`last` are
        given: days for the daily assets, `YYYY-MM-01` for the monthly ones)."""
        tags = {} if first is None or last is None else {RANGE_START: first, RANGE_END: last}
        result = dg.materialize(
            # The project defines no cacheable assets, the one kind `materialize` does not take.
            cast(list[dg.AssetsDefinition], list(self.defs.assets or [])),
            selection=[asset_key],
            resources=self.defs.resources,
            instance=self.instance,
            tags=tags,
            run_config=QUIET_LOGGERS,
            raise_on_error=False,
        )
        self._check(result, "backfill")

    def tick_sensor(self) -> int:
        """One evaluation of the events sensor; returns how many runs it requested (and ran)."""
        sensor = self.defs.resolve_sensor_def(self.sensor_name)
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            sensor_name=self.sensor_name,
            resources=self.defs.resources,
            definitions=self.defs,
        )
        data = sensor.evaluate_tick(context)
        self.cursor = data.cursor or self.cursor
        self.execute(data.run_requests or [])
        return len(data.run_requests or [])

    def tick_schedule(self, name: str, at: datetime) -> int:
        """The schedule `name` evaluated as if it fired at `at`; its runs executed."""
        schedule = self.defs.resolve_schedule_def(name)
        context = dg.build_schedule_context(
            instance=self.instance,
            scheduled_execution_time=at,
            resources=self.defs.resources,
            repository_def=self._repo(),
        )
        data = schedule.evaluate_tick(context)
        self.execute(data.run_requests or [], default_job=schedule.job_name)
        return len(data.run_requests or [])

    def execute(self, requests: Iterable[dg.RunRequest], default_job: str | None = None) -> None:
        """Execute run requests in process, in order (`default_job` when a request names none)."""
        for request in requests:
            job_name = request.job_name or default_job
            if job_name is None:
                raise RunFailedError("a run request names no job")
            job = self.defs.resolve_job_def(job_name)
            result = job.execute_in_process(
                run_config={**QUIET_LOGGERS, **(request.run_config or {})},
                instance=self.instance,
                partition_key=request.partition_key,
                tags=dict(request.tags),
                raise_on_error=False,
            )
            self._check(result, job_name)
            self.execute(self._reactions_to(result))

    def _reactions_to(self, result: dg.ExecuteInProcessResult) -> list[dg.RunRequest]:
        """What the monthly marts' run-status sensor requests after this successful run,
        evaluated as the daemon would (it skips runs that wrote no daily mart)."""
        run = self.instance.get_run_by_id(result.run_id)
        if run is None:
            return []
        context = dg.build_run_status_sensor_context(
            sensor_name=self.reaction_sensor_name,
            dagster_event=result.get_run_success_event(),
            dagster_instance=self.instance,
            dagster_run=run,
            repository_def=self._repo(),
        )
        sensor = self.defs.resolve_sensor_def(self.reaction_sensor_name)
        answer = cast(dg.RunStatusSensorDefinition, sensor)(context)
        return [answer] if isinstance(answer, dg.RunRequest) else []

    def _repo(self):
        return self.defs.get_repository_def()

    def _check(self, result: dg.ExecuteInProcessResult, name: str) -> None:
        self.runs_by_job[name] += 1
        if result.success:
            return
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        error = failure.step_failure_data.error if failure is not None else None
        # The step error wraps the asset's own exception: report the innermost cause.
        while error is not None and error.cause is not None:
            error = error.cause
        message = error.message.strip().splitlines()[-1] if error is not None else "run failed"
        raise RunFailedError(f"{name}: {message}")
