"""Three hosts, each in its own network namespace, share one PostgreSQL: two listener hosts
write the event inbox, a Dagster host runs the real `dagster-daemon run` (its instance on
PostgreSQL through dagster-postgres) whose sensor drains that inbox and whose runs pull the
emulator through the PostgreSQL rate limiter. 2,000 events with duplicate deliveries, one
listener host's link cut mid-burst and restored: the inbox holds exactly the distinct events,
the warehouse equals the emulator's truth for the affected days, and the emulator answered no
call with 90018 (QPS). Prints its figures."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import httpx
import pytest

from pipelines.catalogue import Job, Sensor
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.state.factory import StateLocation
from tests.integration.netns import Host, hosts, relay, require_netns
from tests.sensors.pipeline import EventPipeline
from tests.services import postgres_database, postgres_schema, unavailable
from tests.stream.harness import wait_for

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
EVENTS = 2000
# The smallest org that gives the runs several users on each day: two closed days, four people.
ORG = {"employees": 4, "start": date(2026, 11, 2), "days": 3}
# The emulator answers 90018 above this many calls per second per API; every host is told the
# same limit, so only the shared PostgreSQL limiter keeps two runs' calls under it together.
QPS = 2
DAYS = ("2026-11-02", "2026-11-03")
# Everything the project reads, cleared so that nothing but what the test sets reaches a child.
PROJECT_PREFIXES = ("DINGTALK_", "ATTENDANCE_", "LISTENER_", "DAGSTER_")


def _via(url: str, host: str, port: int) -> str:
    """`url` with its server replaced by the relay the namespaces reach."""
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}:{port}"))


def _dagster_yaml(url: str) -> str:
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
        run_retries:
          enabled: true
          max_retries: 0
        telemetry:
          enabled: false
        """
    )


def _environment(server: EmulatorServer, base: str, state_url: str, data_dir: Path) -> dict:
    """A child's environment: `base` is the emulator as the namespaces reach it (the relay)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_PREFIXES)}
    return {
        **inherited,
        "DINGTALK_CLIENT_ID": server.client_id,
        "DINGTALK_CLIENT_SECRET": server.client_secret,
        "DINGTALK_API_BASE_URL": base,
        "DINGTALK_OAPI_BASE_URL": f"{base}/oapi",
        "DINGTALK_QPS_PER_API": str(QPS),
        "ATTENDANCE_DATA_DIR": str(data_dir),
        "ATTENDANCE_STATE_URL": state_url,
        "PYTHONPATH": str(REPO),
    }


def _spawn(host: Host, argv: list[str], env: dict[str, str], cwd: Path, log: Path):
    # Own session: the daemon starts a code server and run processes; stopping the group
    # stops them all.
    with log.open("ab") as out:
        return subprocess.Popen(
            host.command(*argv), env=env, cwd=cwd, stdout=out, stderr=out, start_new_session=True
        )


def _stop(process: subprocess.Popen) -> int:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        return process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


def _listener(host: Host, server: EmulatorServer, base: str, state_url: str, tmp: Path):
    env = _environment(server, base, state_url, tmp / host.namespace)
    env.update(
        LISTENER_BACKOFF_INITIAL_S="0.2", LISTENER_HEARTBEAT_S="0.5", LISTENER_WATCHDOG_S="2"
    )
    argv = [sys.executable, "-m", "pipelines", "listen"]
    return _spawn(host, argv, env, REPO, tmp / f"{host.namespace}.log")


def _daemon(host: Host, server: EmulatorServer, base: str, state_url: str, home: Path, data: Path):
    env = _environment(server, base, state_url, data)
    env.update(
        DAGSTER_HOME=str(home), ATTENDANCE_COALESCE_SECONDS="0", ATTENDANCE_SENSOR_BATCH="10000"
    )
    argv = [sys.executable, "-m", "dagster._daemon", "run", "-w", str(REPO / "workspace.yaml")]
    return _spawn(host, argv, env, REPO, home / "daemon.log")


def _refresh_runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            record.dagster_run
            for record in instance.get_run_records()
            if record.dagster_run.tags.get("dagster/sensor_name") == Sensor.ATTENDANCE_EVENTS
            and record.dagster_run.job_name == Job.ATTENDANCE_REFRESH
        ]


def _logs(*paths: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in paths if p.exists())


def test_listener_hosts_and_a_dagster_host_share_postgresql_across_a_link_cut(tmp_path):
    require_netns()
    try:
        importlib.import_module("dagster_postgres")
    except ImportError:
        unavailable("dagster-postgres not installed (make install)")
    stream = GatewayConfig(
        redelivery_delay=1.0,
        max_attempts=1000,
        offline_policy="queue",
        ping_interval=0.5,
        disconnect_close_delay=0.5,
        seed=5,
        duplicate_rate=0.05,
        push_quota_per_month=10**9,
    )
    home = tmp_path / "dagster_home"
    home.mkdir()
    warehouse = tmp_path / "dagster-host"
    started = time.monotonic()
    with (
        postgres_schema() as url,
        postgres_database() as instance_url,
        hosts(3) as (bridge, (first, second, dagster_host)),
    ):
        state = StateLocation(tmp_path / "root", url)
        with (
            relay(bridge, ("127.0.0.1", urlsplit(url).port or 5432)) as port,
            EmulatorServer(EmulatorConfig(**ORG, qps_per_api=QPS, stream=stream)) as server,
            relay(bridge, ("127.0.0.1", server.port)) as emulator_port,
        ):
            # The emulator stays on loopback (its control endpoints answer loopback only);
            # the namespaces reach its API and Stream gateway through the relay.
            base = f"http://{bridge}:{emulator_port}"
            shared = _via(url, bridge, port)
            (home / "dagster.yaml").write_text(_dagster_yaml(_via(instance_url, bridge, port)))
            processes = [
                _listener(host, server, base, shared, tmp_path) for host in (first, second)
            ]
            logs = [tmp_path / f"{h.namespace}.log" for h in (first, second)] + [
                home / "daemon.log"
            ]
            try:
                assert server.gateway is not None
                figures = _burst_with_a_cut(server.gateway, state, first, server)
                # Started once the burst is in: one tick drains it, one run per day (a daemon
                # ticking through the burst launches one per day per tick, minutes of runs).
                processes.append(_daemon(dagster_host, server, base, shared, home, warehouse))
                pipeline = EventPipeline(server, warehouse, instance=None)  # type: ignore[arg-type]
                truth = {
                    (day, userid): pipeline.truth_points(day, userid)
                    for day in DAYS
                    for userid in figures["users"]
                }
                assert any(truth.values())
                _wait_for_the_warehouse(pipeline, truth, home, state, processes, logs)
                runs = _refresh_runs(home)
            finally:
                codes = [_stop(process) for process in processes]
            api = httpx.get(f"{server.control_url}/stats", timeout=10).json()
            gateway = server.gateway.stats()
        with state.inbox() as inbox:
            events = inbox.read_after(0, limit=10 * EVENTS)
            ids, seqs = [e.event_id for e in events], [e.seq for e in events]
            summary = inbox.stats()
            consumed = inbox.consumed_seq(Sensor.ATTENDANCE_EVENTS)
    print(
        f"multi-host: {EVENTS} events, {gateway['deliveries']} deliveries "
        f"({gateway['duplicates_sent']} duplicates, {gateway['redeliveries']} redeliveries), "
        f"{figures['during_cut']} stored while host 1 was cut off, "
        f"{gateway['connections_total']} connections, "
        f"inbox {len(ids)} events, {summary.duplicates} duplicates counted; "
        f"dagster host: {len(runs)} refresh runs for {len(DAYS)} days, "
        f"API calls {api['api_calls']}, rejected {api['rejected']}, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    assert codes[:2] == [0, 0], _logs(*logs)
    assert sorted(ids) == sorted(figures["emitted"]) and len(set(ids)) == EVENTS
    assert figures["during_cut"] > 0 and gateway["duplicates_sent"] > 0
    assert gateway["redeliveries"] > 0  # the cut host's frames went to the other host
    assert consumed == max(seqs)  # the Dagster host's sensor drained the inbox
    assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
    assert {run.tags["dagster/partition"] for run in runs} == set(DAYS)
    assert api["rejected"].get("qps", 0) == 0 and sum(api["api_calls"].values()) > 0


def _burst_with_a_cut(
    gateway: StreamGateway, state: StateLocation, cut: Host, server: EmulatorServer
) -> dict:
    def received() -> int:
        with state.inbox() as inbox:
            return inbox.stats().received

    assert server.state is not None
    users = [employee.userid for employee in server.state.org.employees]
    wait_for(lambda: gateway.stats()["connections_open"] == 2, timeout=60)

    def publish(n: int) -> str:
        # Every event distinct (its own eventId); they name the org's real user-days, so the
        # Dagster host's runs have something to pull.
        payload = {"workDate": DAYS[n % len(DAYS)], "userId": users[n // len(DAYS) % len(users)]}
        return gateway.publish("attend_user_daily_summary_refresh", payload)

    emitted = [publish(n) for n in range(EVENTS // 2)]
    wait_for(lambda: received() >= 100, every=0.01, timeout=60)
    cut.cut()
    at_cut = received()
    emitted += [publish(n) for n in range(EVENTS // 2, EVENTS)]
    try:
        # Held until the gateway gave up on the cut host's frames and sent them elsewhere
        # (a cut shorter than that is healed by TCP retransmission and tests nothing).
        wait_for(
            lambda: gateway.stats()["redeliveries"] > 0 and received() >= at_cut + 200,
            timeout=120,
            every=0.2,
        )
        during_cut = received() - at_cut
    finally:
        cut.restore()
    wait_for(
        lambda: received() == EVENTS and gateway.stats()["in_flight"] == 0, timeout=120, every=0.2
    )
    time.sleep(0.5)
    return {"emitted": emitted, "during_cut": during_cut, "users": users}


def _wait_for_the_warehouse(pipeline, truth, home, state, processes, logs) -> None:
    """Until the sensor consumed every event, every run ended and each user-day equals the
    emulator's truth (a run launched before the last events of its day is followed by another)."""

    def unsettled() -> str | None:
        with state.inbox() as inbox:
            last = inbox.read_after(0, limit=10 * EVENTS)[-1].seq
            consumed = inbox.consumed_seq(Sensor.ATTENDANCE_EVENTS)
        if consumed < last:
            return f"the sensor consumed up to seq {consumed} of {last}"
        runs = _refresh_runs(home)
        if not runs or not all(run.is_finished for run in runs):
            return f"runs {[(run.run_id[:8], run.status.value) for run in runs]}"
        differ = [k for k, want in truth.items() if pipeline.warehouse_points(*k) != want]
        return f"user-days differing from the truth: {differ}" if differ else None

    deadline = time.monotonic() + 180
    while (reason := unsettled()) is not None:
        alive = all(process.poll() is None for process in processes)
        assert time.monotonic() < deadline and alive, f"{reason}\n{_logs(*logs)}"
        time.sleep(1)
