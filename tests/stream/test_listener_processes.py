"""Listener processes on the official SDK, over real loopback sockets, against the Stream gateway.

They prove: two listeners store exactly the distinct events a replayed day emitted despite 5%
duplicate deliveries and a scripted disconnect; SIGKILL mid-burst loses nothing and stores
nothing twice; SIGTERM finishes its writes and exits 0; silence trips the watchdog; a long
absence of listeners is recorded as a gap.
"""

from __future__ import annotations

import time
from datetime import date

import httpx
import pytest

from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.standalone import serve_gateway
from pipelines.stream.inbox import Inbox
from tests.stream.harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    ListenerProcess,
    wait_for,
)

pytestmark = pytest.mark.integration


def gateway_config(**overrides) -> GatewayConfig:
    config = {
        "redelivery_delay": 1.0,
        "max_attempts": 1000,
        "offline_policy": "queue",
        "ping_interval": 0.5,
        "disconnect_close_delay": 0.5,
        "seed": 3,
        "push_quota_per_month": 10**9,  # metering is the gateway's business, not tested here
    }
    config.update(overrides)
    return GatewayConfig(**config)


def gateway(**overrides) -> StreamGateway:
    return StreamGateway({CLIENT_ID: CLIENT_SECRET}, gateway_config(**overrides))


@pytest.fixture
def spawn():
    """Start listener processes; any still running after the test is killed."""
    started: list[ListenerProcess] = []

    def start(*args, **kwargs) -> ListenerProcess:
        started.append(ListenerProcess(*args, **kwargs))
        return started[-1]

    yield start
    for listener in started:
        listener.stop_if_running()


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def inbox_ids(data_dir) -> list[str]:
    with Inbox.in_data_dir(data_dir) as inbox:
        return [event.event_id for event in inbox.read_after(0, limit=1_000_000)]


def received(data_dir) -> int:
    with Inbox.in_data_dir(data_dir) as inbox:
        return inbox.stats().received


def control(emulator: EmulatorServer, what: str, body: dict | None = None) -> dict:
    url = f"{emulator.control_url}/{what}"
    answer = httpx.post(url, json=body, timeout=30) if body is not None else httpx.get(url)
    answer.raise_for_status()
    return answer.json()


def test_two_listeners_store_a_replayed_day_exactly_once(tmp_path, data_dir, spawn):
    config = EmulatorConfig(
        seed=11,
        employees=60,
        start=date(2026, 11, 2),
        days=3,
        stream=gateway_config(duplicate_rate=0.05),
    )
    with EmulatorServer(config) as emulator:
        credentials = (emulator.client_id, emulator.client_secret)
        listeners = [
            spawn(emulator.api_base_url, data_dir, tmp_path / f"l{n}.log", credentials)
            for n in range(2)
        ]
        try:
            wait_for(lambda: control(emulator, "stats")["connections_open"] == 2)
            # The clock stands at midnight of the live day; replay its morning, then the rest.
            assert control(emulator, "clock", {"to": "2026-11-04T12:00:00"})["emitted"] > 0
            wait_for(lambda: control(emulator, "stats")["stream"]["in_flight"] == 0)
            emulator.gateway.disconnect_all()  # the scripted disconnect
            wait_for(lambda: control(emulator, "stats")["stream"]["connections_total"] >= 4)
            assert control(emulator, "clock", {"to": "2026-11-05T00:00:00"})["emitted"] > 0
            wait_for(
                lambda: (
                    control(emulator, "stats")["stream"]["in_flight"] == 0
                    and received(data_dir) == control(emulator, "stats")["events_emitted"]
                )
            )
        finally:
            codes = [listener.terminate() for listener in listeners]
        stats = control(emulator, "stats")
        emitted = [entry["event_id"] for entry in emulator.state.emitted_log]
    assert codes == [0, 0]
    assert 50 < stats["events_emitted"] == len(emitted) == len(set(emitted)) < 1000
    ids = inbox_ids(data_dir)
    assert sorted(ids) == sorted(emitted)
    assert stats["stream"]["duplicates_sent"] > 0 and stats["acks"]["later"] == 0
    with Inbox.in_data_dir(data_dir) as inbox:
        summary = inbox.stats()
    assert summary.duplicates == stats["pushes"] - stats["events_emitted"]
    assert summary.quarantined == 0 and summary.gaps == ()
    finals = [listener.final_counts() for listener in listeners]
    assert all(final["stored"] > 0 for final in finals)  # the gateway spread the events
    assert sum(final["stored"] for final in finals) == stats["pushes"]
    for listener in listeners:  # structured logs, and nothing secret in them
        text = listener.log_path.read_text(encoding="utf-8")
        assert all(line.startswith("{") for line in text.splitlines() if line.strip())
        assert credentials[1] not in text and "ticket=" not in text


def test_sigkill_mid_burst_loses_nothing_and_stores_nothing_twice(tmp_path, data_dir, spawn):
    gw = gateway()
    with serve_gateway(gw) as base:
        first = spawn(base, data_dir, tmp_path / "first.log")
        wait_for(lambda: gw.stats()["connections_open"] == 1)
        emitted = [
            gw.publish(
                "attend_user_daily_summary_refresh", {"workDate": "2026-11-27", "userId": f"u{n}"}
            )
            for n in range(6000)
        ]
        wait_for(lambda: received(data_dir) >= 200, every=0.005)
        first.kill()
        at_kill = received(data_dir)
        assert at_kill < len(emitted), "the burst finished before the kill; nothing was tested"
        second = spawn(base, data_dir, tmp_path / "second.log")
        try:
            wait_for(lambda: received(data_dir) == len(emitted), timeout=60)
            wait_for(lambda: gw.stats()["in_flight"] == 0)
        finally:
            assert second.terminate() == 0
        stats = gw.stats()
    ids = inbox_ids(data_dir)
    assert sorted(ids) == sorted(emitted) and len(set(ids)) == len(ids)
    assert stats["redeliveries"] > 0  # the unacknowledged events came back
    assert stats["acks"]["success"] == len(emitted)


def test_sigterm_finishes_in_flight_writes_and_exits_0_then_a_long_absence_is_a_gap(
    tmp_path, data_dir, spawn
):
    # Frames sent but not yet read when SIGTERM arrives are redelivered to the next listener.
    gw = gateway(redelivery_delay=5)
    with serve_gateway(gw) as base:
        listener = spawn(base, data_dir, tmp_path / "a.log", gap_threshold_s=0.5)
        wait_for(lambda: gw.stats()["connections_open"] == 1)
        for n in range(3000):
            gw.publish(
                "attend_user_daily_summary_refresh", {"workDate": "2026-11-27", "userId": f"u{n}"}
            )
        wait_for(lambda: received(data_dir) >= 100, every=0.005)
        assert listener.terminate() == 0
        acked = gw.stats()["acks"]
        stored = received(data_dir)
        final = listener.final_counts()
        assert acked["later"] == 0 and final["deferred"] == 0
        # Everything the listener took in was written and ACKed before it exited.
        assert final["stored"] == stored == acked["success"]
        time.sleep(1.0)
        again = spawn(base, data_dir, tmp_path / "b.log", gap_threshold_s=0.5)
        try:
            wait_for(lambda: received(data_dir) == 3000, timeout=60)
        finally:
            assert again.terminate() == 0
    with Inbox.in_data_dir(data_dir) as inbox:
        (gap,) = inbox.gaps_after(0)
    assert 0.9 <= (gap.end - gap.start).total_seconds() < 30


def test_the_watchdog_reconnects_a_silent_connection(tmp_path, data_dir, spawn):
    silent = gateway(ping_interval=None)
    with serve_gateway(silent) as base:
        listener = spawn(base, data_dir, tmp_path / "silent.log", watchdog_s=1)
        try:
            wait_for(lambda: silent.stats()["connections_total"] >= 3, timeout=20)
        finally:
            assert listener.terminate() == 0
    reasons = [entry.get("reason") for entry in listener.logs() if entry["msg"] == "disconnected"]
    assert "watchdog: no frame" in reasons


def test_pings_keep_a_quiet_connection_alive(tmp_path, data_dir, spawn):
    pinging = gateway(ping_interval=0.3)
    with serve_gateway(pinging) as base:
        listener = spawn(base, data_dir, tmp_path / "ping.log", watchdog_s=1.5)
        try:
            wait_for(lambda: pinging.stats()["acks"]["ping"] >= 10, timeout=20)
        finally:
            assert listener.terminate() == 0
        assert pinging.stats()["connections_total"] == 1
