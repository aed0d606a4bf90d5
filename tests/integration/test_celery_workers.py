"""A job runs through real Celery worker processes (`dagster-celery worker start`, RabbitMQ on
loopback) with the Dagster instance in a fresh PostgreSQL database, and the `dingtalk_api` pool
limit (1) still holds across the two workers: no two of its steps ever run at once."""

from __future__ import annotations

import importlib
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from tests.integration.multi_host_processes import celery_yaml
from tests.services import postgres_database, require_rabbitmq, unavailable

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
WORKERS = 2


def _dagster_yaml(url: str) -> str:
    # SQLAlchemy 2.1 maps postgresql:// to psycopg 3, whose server-side binding breaks
    # dagster-postgres's `NOTIFY run_events, %(id)s`: name its driver, psycopg2.
    url = url.replace("postgresql://", "postgresql+psycopg2://", 1)
    return textwrap.dedent(
        f"""\
        storage:
          postgres:
            postgres_url: "{url}"
        concurrency:
          pools:
            default_limit: 1
        telemetry:
          enabled: false
        """
    )


def _start_worker(index: int, home: Path, env: dict[str, str], queue: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "dagster_celery.cli", "worker", "start"]
    command += ["-A", "dagster_celery.app", "-y", str(home / "celery.yaml"), "-q", queue]
    command += ["-n", f"w{index}-{queue}@%h", "-l", "WARNING", "--", "--concurrency", "2"]
    log = open(home / f"worker-{index}.log", "wb")  # noqa: SIM115 - closed with the process
    # Own session: the CLI starts `celery` as a child; stopping the group stops both.
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def test_a_job_runs_on_celery_workers_with_the_pool_limit_holding(tmp_path, monkeypatch):
    try:
        importlib.import_module("dagster_celery")
        importlib.import_module("dagster_postgres")
    except ImportError:
        unavailable("dagster-celery/dagster-postgres not installed (make install)")
    broker = require_rabbitmq()
    queue = f"attendance-test-{secrets.token_hex(4)}"
    records = tmp_path / "records"
    records.mkdir()
    with postgres_database() as url:
        home = tmp_path / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text(_dagster_yaml(url))
        (home / "celery.yaml").write_text(celery_yaml(broker))
        variables = {
            "DAGSTER_HOME": str(home),
            "CELERY_TEST_QUEUE": queue,
            "CELERY_TEST_RECORDS": str(records),
            "CELERY_TEST_BROKER": broker,
        }
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        workers = [_start_worker(index, home, env, queue) for index in range(WORKERS)]
        try:
            succeeded, run_id = _run_job()
        finally:
            for worker in workers:
                _stop(worker)
            _delete_queue(broker, queue)
        with psycopg.connect(url) as connection:
            stored = connection.execute("SELECT status FROM runs WHERE run_id = %s", [run_id])
            assert stored.fetchone() == ("SUCCESS",)
    assert succeeded
    steps = sorted(
        (json.loads(path.read_text()) for path in records.iterdir()), key=lambda s: s["start"]
    )
    assert len(steps) == 4
    assert os.getpid() not in {step["pid"] for step in steps}  # run by the workers
    overlaps = sum(later["start"] < earlier["end"] for earlier, later in itertools.pairwise(steps))
    print(
        f"celery: 4 steps on {len({s['pid'] for s in steps})} worker processes, overlaps={overlaps}"
    )
    assert overlaps == 0


def _delete_queue(broker: str, queue: str) -> None:
    from kombu.connection import Connection

    with Connection(broker, connect_timeout=5) as connection:
        connection.default_channel.queue_delete(queue)


def _run_job() -> tuple[bool, str]:
    import dagster as dg

    job_module = importlib.import_module("tests.integration.celery_job")
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(dg.reconstructable(job_module.celery_pool_job), instance=instance)
        return result.success, result.run_id
