"""The processes of the multi-host test, each started on its host's namespace: listeners, the
Dagster daemon, `dagster-celery` workers and a listener host's own DingTalk calls."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pipelines.emulator.server import EmulatorServer
from tests.integration.netns import Host

REPO = Path(__file__).resolve().parents[2]
# Everything the project reads, cleared so that nothing but what the test sets reaches a child.
PROJECT_PREFIXES = ("DINGTALK_", "ATTENDANCE_", "LISTENER_", "DAGSTER_", "CELERY_")
HEADROOM = 0.75


def via(url: str, host: str, port: int) -> str:
    """`url` with its server replaced by the relay the namespaces reach."""
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}:{port}"))


def dagster_yaml(url: str) -> str:
    # SQLAlchemy 2.1 maps postgresql:// to psycopg 3, which breaks dagster-postgres's NOTIFY.
    url = url.replace("postgresql://", "postgresql+psycopg2://", 1)
    return textwrap.dedent(
        f"""\
        storage:
          postgres:
            postgres_url: "{url}"
        run_coordinator:
          module: dagster.core.run_coordinator
          class: QueuedRunCoordinator
        concurrency:
          pools:
            default_limit: 1
            # One run may start with all its steps waiting for a slot: the second day's run
            # starts beside the first and their steps contend for the pool on the workers.
            op_granularity_run_buffer: 1
        run_retries:
          enabled: true
          max_retries: 0
        telemetry:
          enabled: false
        """
    )


def environment(server: EmulatorServer, base: str, state_url: str, data_dir: Path, qps: float):
    """A child's environment: `base` is the emulator as the namespaces reach it (the relay)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_PREFIXES)}
    return {
        **inherited,
        "DINGTALK_CLIENT_ID": server.client_id,
        "DINGTALK_CLIENT_SECRET": server.client_secret,
        "DINGTALK_API_BASE_URL": base,
        "DINGTALK_OAPI_BASE_URL": f"{base}/oapi",
        "DINGTALK_QPS_PER_API": str(qps),
        # Several hosts at the limit: at the default 0.9 one call delayed 0.11 s more than the
        # next (this 2-core machine under the test's load) put a third call in one of the
        # emulator's one-second windows about once per 300 calls (docs/deployment.md).
        "DINGTALK_LIMITER_HEADROOM": str(HEADROOM),
        "ATTENDANCE_DATA_DIR": str(data_dir),
        "ATTENDANCE_STATE_URL": state_url,
        "PYTHONPATH": str(REPO),
        # `dagster-celery worker start` runs the `celery` command of this virtualenv.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def spawn(host: Host, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # Own session: the daemon starts a code server and run processes, the worker CLI starts
    # `celery` and its pool; stopping the group stops them all.
    with log.open("ab") as out:
        return subprocess.Popen(
            host.command(*argv), env=env, cwd=REPO, stdout=out, stderr=out, start_new_session=True
        )


def stop(process: subprocess.Popen) -> int:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        return process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return process.wait()


def listener(host: Host, env: dict[str, str], log: Path) -> subprocess.Popen:
    tuned = {
        **env,
        "LISTENER_BACKOFF_INITIAL_S": "0.2",
        "LISTENER_HEARTBEAT_S": "0.5",
        "LISTENER_WATCHDOG_S": "2",
    }
    return spawn(host, [sys.executable, "-m", "pipelines", "listen"], tuned, log)


def daemon(host: Host, env: dict[str, str], home: Path) -> subprocess.Popen:
    tuned = {
        **env,
        "DAGSTER_HOME": str(home),
        "ATTENDANCE_COALESCE_SECONDS": "0",
        "ATTENDANCE_SENSOR_BATCH": "10000",
    }
    argv = [sys.executable, "-m", "dagster._daemon", "run", "-w", str(REPO / "workspace.yaml")]
    return spawn(host, argv, tuned, home / "daemon.log")


def celery_yaml(broker: str) -> str:
    """The worker's `-y` file: `dagster-celery worker start` reads only `execution.config`
    (top-level `broker:` is ignored, and the worker silently dials localhost instead)."""
    return f'execution:\n  config:\n    broker: "{broker}"\n    backend: "rpc://"\n'


def celery_worker(host: Host, env: dict[str, str], home: Path, queue: str) -> subprocess.Popen:
    """`dagster-celery worker start` on `queue`, named after its host, one step at a time."""
    argv = [sys.executable, "-m", "dagster_celery.cli", "worker", "start"]
    argv += ["-A", "dagster_celery.app", "-y", str(home / "celery.yaml"), "-q", queue]
    argv += ["-n", host.namespace, "-l", "WARNING", "--", "--concurrency", "1"]
    tuned = {**env, "DAGSTER_HOME": str(home)}
    return spawn(host, argv, tuned, home / f"worker-{host.namespace}.log")


def api_caller(host: Host, env: dict[str, str], day: str, users: list[str], log: Path):
    argv = [sys.executable, "-m", "tests.integration.api_caller", day, *users]
    return spawn(host, argv, env, log)


def logs(*paths: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in paths if p.exists())
