"""Four hosts, each in its own network namespace, share one PostgreSQL and one RabbitMQ: two
listener hosts write the event inbox, a Dagster host runs the real `dagster-daemon run` (its
instance on PostgreSQL through dagster-postgres) whose sensor drains that inbox and whose runs
hand their steps to `dagster-celery` workers on that host and a fourth; the steps pull the
emulator through the PostgreSQL rate limiter while both listener hosts call the same API as fast
as that limiter lets them. 2,000 events with duplicate deliveries, one listener host's link cut
mid-burst and restored: the inbox holds exactly the distinct events, the warehouse equals the
emulator's truth for the affected days, no two `dingtalk_api` steps overlapped across the
workers, and the emulator answered no call with 90018 (QPS) while the hosts together held the
API at its limit. Prints its figures."""

from __future__ import annotations

import importlib
import json
import secrets
import time
from contextlib import closing
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import httpx
import pytest

from pipelines.catalogue import Job, Pool, Sensor
from pipelines.definitions import defs
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.state.factory import StateLocation
from tests.integration import multi_host_processes as proc
from tests.integration.multi_host_figures import api_figures, caller_span, overlaps, step_runs
from tests.integration.netns import Host, caller_address, hosts, relay, require_netns
from tests.sensors.pipeline import EventPipeline
from tests.services import (
    RABBITMQ_URL,
    postgres_database,
    postgres_schema,
    require_rabbitmq,
    unavailable,
)
from tests.stream.harness import wait_for

pytestmark = pytest.mark.integration
EVENTS = 2000
# The smallest org that gives the runs several users on each day: two closed days, four people.
ORG = {"employees": 4, "start": date(2026, 11, 2), "days": 3}
# The emulator answers 90018 above this many calls per second per API; every host is told the
# same limit, so only the shared PostgreSQL limiter keeps the hosts' calls under it together.
QPS = 2
DAYS = ("2026-11-02", "2026-11-03")
LIST_API = "old:/attendance/list"  # what the runs' results step and the listener hosts call


def _require_services() -> str:
    """The broker URL; every other service is checked where it is opened."""
    require_netns()
    for module in ("dagster_postgres", "dagster_celery"):
        try:
            importlib.import_module(module)
        except ImportError:
            unavailable(f"{module} not installed (make install)")
    return require_rabbitmq()


def _refresh_runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            record.dagster_run
            for record in instance.get_run_records()
            if record.dagster_run.tags.get("dagster/sensor_name") == Sensor.ATTENDANCE_EVENTS
            and record.dagster_run.job_name == Job.ATTENDANCE_REFRESH
        ]


def _calls_made(log: Path) -> int:
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return json.loads(lines[-1])["calls"] if lines else -1


def test_listener_hosts_and_a_dagster_host_on_celery_share_postgresql_across_a_link_cut(tmp_path):
    broker = _require_services()
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
    queue = f"attendance-test-{secrets.token_hex(4)}"
    started = time.monotonic()
    config = EmulatorConfig(**ORG, qps_per_api=QPS, stream=stream, record_calls=True)
    with (
        postgres_schema() as url,
        postgres_database() as instance_url,
        hosts(4) as (bridge, (first, second, dagster_host, worker_host)),
    ):
        state = StateLocation(tmp_path / "root", url)
        broker_at = urlsplit(broker)
        with (
            relay(bridge, ("127.0.0.1", urlsplit(url).port or 5432)) as port,
            relay(bridge, (broker_at.hostname or "127.0.0.1", broker_at.port or 5672)) as amqp,
            EmulatorServer(config) as server,
            relay(bridge, ("127.0.0.1", server.port), keep_caller=True) as emulator_port,
        ):
            # The emulator stays on loopback (its control endpoints answer loopback only);
            # the namespaces reach its API and Stream gateway through the relay.
            base = f"http://{bridge}:{emulator_port}"
            shared = proc.via(url, bridge, port)
            (home / "dagster.yaml").write_text(
                proc.dagster_yaml(proc.via(instance_url, bridge, port))
            )
            hosted_broker = proc.via(broker, bridge, amqp)
            (home / "celery.yaml").write_text(proc.celery_yaml(hosted_broker))
            env = proc.environment(server, base, shared, warehouse, QPS)
            runs_env = {
                **env,
                "ATTENDANCE_CELERY_BROKER_URL": hosted_broker,
                "ATTENDANCE_CELERY_QUEUE": queue,
            }
            listeners = [
                proc.listener(
                    host,
                    {**env, "ATTENDANCE_DATA_DIR": str(tmp_path / host.namespace)},
                    tmp_path / f"{host.namespace}.log",
                )
                for host in (first, second)
            ]
            # Started now, they are up by the time the burst is in.
            workers = [
                proc.celery_worker(h, runs_env, home, queue) for h in (dagster_host, worker_host)
            ]
            callers: list = []
            processes = listeners + workers
            logs = [tmp_path / f"{h.namespace}.log" for h in (first, second)] + [
                home / "daemon.log",
                *(home / f"worker-{h.namespace}.log" for h in (dagster_host, worker_host)),
            ]
            try:
                assert server.gateway is not None
                figures = _burst_with_a_cut(server.gateway, state, first, server)
                # Started once the burst is in: one tick drains it, one run per day (a daemon
                # ticking through the burst launches one per day per tick, minutes of runs).
                processes.append(proc.daemon(dagster_host, runs_env, home))
                # Both listener hosts call the API the runs' results step calls, from now until
                # the runs are done: three hosts compete for the same per-API limit.
                callers = [
                    proc.api_caller(
                        h, env, DAYS[0], figures["users"], tmp_path / f"calls-{h.namespace}.log"
                    )
                    for h in (first, second)
                ]
                pipeline = EventPipeline(server, warehouse, instance=None)  # type: ignore[arg-type]
                truth = {
                    (day, userid): pipeline.truth_points(day, userid)
                    for day in DAYS
                    for userid in figures["users"]
                }
                assert any(truth.values())
                _wait_for_the_warehouse(pipeline, truth, home, state, processes + callers, logs)
                runs = _refresh_runs(home)
                with dg.DagsterInstance.from_config(str(home)) as instance:
                    steps = step_runs(instance, [run.run_id for run in runs])
            finally:
                caller_codes = [proc.stop(process) for process in callers]
                codes = [proc.stop(process) for process in processes]
                _delete_queue(queue)
            api = httpx.get(f"{server.control_url}/stats", timeout=10).json()
            gateway = server.gateway.stats()
            assert server.state is not None and server.state.call_log is not None
            call_log = list(server.state.call_log)
        with closing(state.inbox()) as inbox:
            events = inbox.read_after(0, limit=10 * EVENTS)
            ids, seqs = [e.event_id for e in events], [e.seq for e in events]
            summary = inbox.stats()
            consumed = inbox.consumed_seq(Sensor.ATTENDANCE_EVENTS)
    names = {caller_address(first): "host 1", caller_address(second): "host 2"}
    names |= {caller_address(h): f"worker {h.namespace[-2:]}" for h in (dagster_host, worker_host)}
    listed = api_figures(call_log, LIST_API, names, QPS)
    pooled = _pooled_steps(steps)
    made = [_calls_made(tmp_path / f"calls-{h.namespace}.log") for h in (first, second)]
    print(
        f"multi-host: {EVENTS} events, {gateway['deliveries']} deliveries "
        f"({gateway['duplicates_sent']} duplicates, {gateway['redeliveries']} redeliveries), "
        f"{figures['during_cut']} stored while host 1 was cut off, "
        f"{gateway['connections_total']} connections, "
        f"inbox {len(ids)} events, {summary.duplicates} duplicates counted; "
        f"dagster host: {len(runs)} refresh runs for {len(DAYS)} days, "
        f"{len(steps)} steps on Celery workers {sorted({s.worker for s in steps})}, "
        f"{len(pooled)} in dingtalk_api, {overlaps(pooled)} overlapping; "
        f"API calls {api['api_calls']}, rejected {api['rejected']}; "
        f"{listed.line(LIST_API, QPS)}; listener hosts' callers made {made}; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    assert codes[:2] == [0, 0], proc.logs(*logs)
    assert caller_codes == [0, 0] and min(made) > 0, proc.logs(*logs)
    assert sorted(ids) == sorted(figures["emitted"]) and len(set(ids)) == EVENTS
    assert figures["during_cut"] > 0 and gateway["duplicates_sent"] > 0
    assert gateway["redeliveries"] > 0  # the cut host's frames went to the other host
    assert consumed == max(seqs)  # the Dagster host's sensor drained the inbox
    assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
    assert {run.tags["dagster/partition"] for run in runs} == set(DAYS)
    # Every step ran on a Celery worker, and the pool held across the two of them.
    assert steps and all(step.worker for step in steps)
    assert len(pooled) >= 2 * len(DAYS) and overlaps(pooled) == 0
    # The runs' calls came from the workers' hosts while both listener hosts were calling.
    workers_calls = {n: c for n, c in listed.by_caller.items() if n.startswith("worker")}
    assert sum(workers_calls.values()) >= len(DAYS)
    spans = [caller_span(call_log, caller_address(h)) for h in (first, second)]
    for window, client, called in call_log:
        if called == LIST_API and names.get(client, "").startswith("worker"):
            assert all(low <= window <= high for low, high in spans)
    # The hosts held the API at its limit together, and the emulator refused none of it.
    assert listed.by_caller["host 1"] >= 10 and listed.by_caller["host 2"] >= 10
    assert listed.shared >= 5 and listed.peak <= QPS
    assert api["rejected"].get("qps", 0) == 0


def _pooled_steps(steps):
    job = defs.resolve_job_def(Job.ATTENDANCE_REFRESH)
    pools = {node.name: getattr(node.definition, "pool", None) for node in job.graph.nodes}
    return [step for step in steps if pools.get(step.step) == Pool.DINGTALK_API]


def _delete_queue(queue: str) -> None:
    from kombu.connection import Connection

    with Connection(RABBITMQ_URL, connect_timeout=5) as connection:
        connection.default_channel.queue_delete(queue)


def _burst_with_a_cut(
    gateway: StreamGateway, state: StateLocation, cut: Host, server: EmulatorServer
) -> dict:
    def received() -> int:
        with closing(state.inbox()) as inbox:
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
        with closing(state.inbox()) as inbox:
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
        assert time.monotonic() < deadline and alive, f"{reason}\n{proc.logs(*logs)}"
        time.sleep(1)
