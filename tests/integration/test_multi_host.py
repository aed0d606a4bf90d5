"""Two listener hosts, each in its own network namespace, share one PostgreSQL inbox: 2,000
events with duplicate deliveries, one host's link cut mid-burst and restored, and the inbox
holds exactly the distinct events, each once. Prints its figures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.standalone import serve_gateway
from pipelines.state.factory import StateLocation
from tests.integration.netns import Host, hosts, relay, require_netns
from tests.services import postgres_schema
from tests.stream.harness import CLIENT_ID, CLIENT_SECRET, wait_for

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
EVENTS = 2000


def _via(url: str, host: str, port: int) -> str:
    """`url` with its server replaced by the relay the namespaces reach."""
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}:{port}"))


def _listener(host: Host, base: str, state_url: str, data_dir: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DINGTALK_CLIENT_ID=CLIENT_ID,
        DINGTALK_CLIENT_SECRET=CLIENT_SECRET,
        DINGTALK_API_BASE_URL=base,
        ATTENDANCE_DATA_DIR=str(data_dir),
        ATTENDANCE_STATE_URL=state_url,
        LISTENER_BACKOFF_INITIAL_S="0.2",
        LISTENER_HEARTBEAT_S="0.5",
        LISTENER_WATCHDOG_S="2",
        PYTHONPATH=str(REPO),
    )
    command = host.command(sys.executable, "-m", "pipelines", "listen")
    return subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log.open("ab")
    )


def test_two_listener_hosts_store_each_distinct_event_once_across_a_link_cut(tmp_path):
    require_netns()
    gateway = StreamGateway(
        {CLIENT_ID: CLIENT_SECRET},
        GatewayConfig(
            redelivery_delay=1.0,
            max_attempts=1000,
            offline_policy="queue",
            ping_interval=0.5,
            disconnect_close_delay=0.5,
            seed=5,
            duplicate_rate=0.05,
            push_quota_per_month=10**9,
        ),
    )
    with postgres_schema() as url, hosts(2) as (bridge, (first, second)):
        state = StateLocation(tmp_path / "root", url)
        with (
            relay(bridge, ("127.0.0.1", urlsplit(url).port or 5432)) as port,
            serve_gateway(gateway, host=bridge) as base,
        ):
            shared = _via(url, bridge, port)
            listeners = [
                _listener(
                    host,
                    base,
                    shared,
                    tmp_path / host.namespace,
                    tmp_path / f"{host.namespace}.log",
                )
                for host in (first, second)
            ]
            try:
                figures = _burst_with_a_cut(gateway, state, first)
            finally:
                for listener in listeners:
                    listener.terminate()
                codes = [listener.wait(30) for listener in listeners]
        with state.inbox() as inbox:
            ids = [event.event_id for event in inbox.read_after(0, limit=10 * EVENTS)]
            summary = inbox.stats()
    stats = gateway.stats()
    print(
        f"multi-host: {EVENTS} events, {stats['deliveries']} deliveries "
        f"({stats['duplicates_sent']} duplicates, {stats['redeliveries']} redeliveries), "
        f"{figures['during_cut']} stored while host 1 was cut off, "
        f"{stats['connections_total']} connections, "
        f"inbox {len(ids)} events, {summary.duplicates} duplicates counted"
    )
    assert codes == [0, 0]
    assert sorted(ids) == sorted(figures["emitted"]) and len(set(ids)) == EVENTS
    assert figures["during_cut"] > 0 and stats["duplicates_sent"] > 0
    assert stats["redeliveries"] > 0  # the cut host's frames went to the other host


def _burst_with_a_cut(gateway: StreamGateway, state: StateLocation, cut: Host) -> dict:
    def received() -> int:
        with state.inbox() as inbox:
            return inbox.stats().received

    wait_for(lambda: gateway.stats()["connections_open"] == 2, timeout=60)
    publish = lambda n: gateway.publish(  # noqa: E731
        "attend_user_daily_summary_refresh", {"workDate": "2026-11-27", "userId": f"u{n}"}
    )
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
    return {"emitted": emitted, "during_cut": during_cut}
