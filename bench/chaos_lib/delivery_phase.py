"""Listener chaos: events pushed through disconnects, SIGKILLs mid-write and a downtime, into
two listener processes sharing one inbox; the downtime is recovered from the failed-push list.

Every event is emitted through the emulator's `/_emulator/emit` (the half before a SIGKILL as
one burst through the same `publish`, so the killed listener is mid-write) with a unique
`checkTime`, so the inbox can be counted against what was emitted: each emitted event must be
stored exactly once, whether it arrived over Stream (5 % network duplicates, redeliveries after
a kill) or through `reconcile_failed_pushes` (entries never delivered, or whose ACK was lost).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx

from pipelines.dingtalk import DingTalkClient
from pipelines.emulator.model import ScheduledEvent
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.refresh.failed_push import ReconcileResult, reconcile_failed_pushes
from pipelines.state.factory import StateLocation
from pipelines.stream.models import SHANGHAI
from tests.stream.harness import ListenerProcess

# A downtime reaches the failed-push list after max_attempts x redelivery_delay (about 8 s).
GATEWAY = GatewayConfig(
    duplicate_rate=0.05,
    redelivery_delay=2.0,
    max_attempts=4,
    offline_policy="fail",
    ping_interval=0.5,
    disconnect_close_delay=0.5,
    seed=17,
    push_quota_per_month=10**9,  # metering is not what this phase measures
)
FIRST_CHECK_MS = int(datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI).timestamp() * 1000)
CLOCK_START = datetime(2026, 11, 20, 3, 0, tzinfo=SHANGHAI)
EVENT_TYPE = "attendance_check_record"
LISTENERS = 2
SETTLE_S = 180.0


@dataclass(frozen=True)
class Plan:
    """How many events, and which faults strike while they are pushed."""

    events: int
    disconnects: int
    kills: int

    def steps(self) -> list[tuple[str, range]]:
        """(fault, event numbers) in order: disconnects and kills alternate, downtime last."""
        faults: list[str] = []
        for n in range(max(self.disconnects, self.kills)):
            faults += ["disconnect"] * (n < self.disconnects) + ["kill"] * (n < self.kills)
        faults.append("downtime")
        size = self.events // len(faults)
        bounds = [n * size for n in range(len(faults))] + [self.events]
        return [(f, range(bounds[n], bounds[n + 1])) for n, f in enumerate(faults)]


def _data(n: int) -> dict[str, object]:
    """Event number `n`'s payload: one punch with a unique checkTime, by which it is counted."""
    return {"dataList": [{"userId": f"user{n % 30 + 1:04d}", "checkTime": FIRST_CHECK_MS + n}]}


class Delivery:
    """The emulator, its control endpoints and the listener processes of one chaos run."""

    def __init__(self, emulator: EmulatorServer, work: Path) -> None:
        self.emulator = emulator
        self.work = work
        self.data_dir = work / "data"
        work.mkdir(parents=True, exist_ok=True)
        self.control = httpx.Client(base_url=emulator.control_url, timeout=30)
        self.listeners: list[ListenerProcess | None] = [None] * LISTENERS
        self.started = 0
        self.kill_figures: list[dict[str, int]] = []
        self.reconciled: list[ReconcileResult] = []

    def stats(self) -> dict:
        answer = self.control.get("/stats")
        answer.raise_for_status()
        return answer.json()

    def start(self, slot: int) -> None:
        self.started += 1
        log = self.work / f"listener-{self.started}.log"
        credentials = (self.emulator.client_id, self.emulator.client_secret)
        self.listeners[slot] = ListenerProcess(
            self.emulator.api_base_url, self.data_dir, log, credentials
        )

    def emit(self, numbers: range) -> None:
        """Emit through `POST /_emulator/emit`, one event a request (slower than ingest)."""
        for n in numbers:
            body = {"event_type": EVENT_TYPE, "data": _data(n)}
            self.control.post("/emit", json=body).raise_for_status()

    def burst(self, numbers: range) -> None:
        """Emit at once through the emulator's own `publish` (what /emit calls), so that the
        listeners have a backlog to write when one of them is killed."""
        state = self.emulator.state
        assert state is not None
        for n in numbers:
            state.publish(ScheduledEvent(state.now(), EVENT_TYPE, _data(n), f"chaos:{n}"))

    def stored(self) -> int:
        with closing(StateLocation(self.data_dir).inbox()) as inbox:
            return inbox.stats().received

    def reconcile(self) -> None:
        """Drain the failed-push list into the inbox, as the reconciliation asset does."""
        location = StateLocation(self.data_dir)
        emulator = self.emulator
        with (
            DingTalkClient(
                emulator.client_id,
                emulator.client_secret,
                emulator.api_base_url,
                emulator.oapi_base_url,
            ) as client,
            closing(location.failed_push_pages()) as pages,
            closing(location.inbox()) as inbox,
        ):
            self.reconciled.append(
                reconcile_failed_pushes(client.fetch_failed_push_body, pages, inbox)
            )

    def stop_all(self) -> list[int]:
        codes = [listener.terminate() for listener in self.listeners if listener is not None]
        self.listeners = [None] * LISTENERS
        return codes


def _until(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` passes (False): a bench reports."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _connected(run: Delivery, count: int) -> bool:
    return _until(lambda: run.stats()["connections_open"] == count, 60)


def _live(run: Delivery, fault: str, numbers: range, slot: int) -> None:
    """Emit half the events, strike (disconnect, or SIGKILL a listener mid-write), emit the rest."""
    half = numbers.start + len(numbers) // 2
    if fault == "disconnect":
        run.emit(range(numbers.start, half))
        run.control.post("/disconnect", json={}).raise_for_status()
    else:
        gateway = run.emulator.gateway
        assert gateway is not None
        before = gateway.stats()["acks"]["success"]
        run.burst(range(numbers.start, half))
        # Kill once the listeners are writing the burst (a few ACKs back), not after it.
        _until(lambda: gateway.stats()["acks"]["success"] >= before + 20, 30, every=0.002)
        in_flight = gateway.stats()["in_flight"]
        listener = run.listeners[slot]
        assert listener is not None
        listener.kill()
        run.kill_figures.append({"in_flight_at_kill": in_flight, "stored_after_kill": run.stored()})
        run.start(slot)
    run.emit(range(half, numbers.stop))
    _connected(run, LISTENERS)


def _downtime(run: Delivery, numbers: range) -> dict[str, object]:
    """No listener while events are pushed: DingTalk gives up on them; reconcile, restart."""
    codes = run.stop_all()
    failed_before = run.stats()["stream"]["failed_total"]
    run.emit(numbers)
    landed = _until(
        lambda: run.stats()["stream"]["failed_total"] - failed_before >= len(numbers), SETTLE_S
    )
    run.reconcile()
    for slot in range(LISTENERS):
        run.start(slot)
    _connected(run, LISTENERS)
    return {"sigterm_exit_codes": codes, "events": len(numbers), "reached_failed_list": landed}


def _settle(run: Delivery) -> bool:
    """Wait until nothing is in flight nor queued for the failed list, then reconcile it."""
    quiet = _until(lambda: run.stats()["stream"]["in_flight"] == 0, SETTLE_S)
    run.reconcile()
    return quiet


def _count(run: Delivery, emitted: int) -> dict[str, int]:
    """Events lost and stored twice, by each emitted event's unique checkTime."""
    with closing(StateLocation(run.data_dir).inbox()) as inbox:
        events = inbox.read_after(0, limit=10**7)
        stats = inbox.stats()
    checks = [e.payload["dataList"][0]["checkTime"] - FIRST_CHECK_MS for e in events]
    wanted = set(range(emitted))
    sources: dict[str, int] = {}
    for event in events:
        sources[event.source] = sources.get(event.source, 0) + 1
    return {
        "stored": len(events),
        "lost": len(wanted - set(checks)),
        "stored_twice": len(checks) - len(set(checks)),
        "unexpected": len(set(checks) - wanted),
        "duplicates_rejected": stats.duplicates,
        "quarantined": stats.quarantined,
        "from_stream": sources.get("stream", 0),
        "from_failed_push": sources.get("failed_push", 0),
    }


def run(work: Path, plan: Plan) -> dict[str, object]:
    """Push `plan.events` through the faults of `plan`; count the inbox against the emulator."""
    config = EmulatorConfig(
        employees=30,
        start=date(2026, 11, 2),
        days=4,
        # A running clock after the window: no timeline events, and the emitted events get
        # distinct born times (a burst too), which keeps each entry's already-streamed lookup
        # short; 100x keeps a run's simulated time within the token's 2 h.
        clock_start=CLOCK_START,
        speed=100.0,
        stream=GATEWAY,
    )
    started = time.monotonic()
    with EmulatorServer(config) as emulator:
        delivery = Delivery(emulator, work / "delivery")
        for slot in range(LISTENERS):
            delivery.start(slot)
        _connected(delivery, LISTENERS)
        downtime: dict[str, object] = {}
        kills = 0
        for fault, numbers in plan.steps():
            if fault == "downtime":
                downtime = _downtime(delivery, numbers)
            else:
                _live(delivery, fault, numbers, slot=kills % LISTENERS)
                kills += fault == "kill"
        settled = _settle(delivery)
        exit_codes = delivery.stop_all()
        stats = delivery.stats()
        delivery.control.close()
    figures = _count(delivery, plan.events)
    return {
        **figures,
        "events": plan.events,
        "emulator_events_emitted": stats["events_emitted"],
        "duplicates_sent": stats["stream"]["duplicates_sent"],
        "redeliveries": stats["stream"]["redeliveries"],
        "failed_total": stats["stream"]["failed_total"],
        "failed_list_left": stats["failed_list_size"],
        "connections_total": stats["stream"]["connections_total"],
        "disconnects": plan.disconnects,
        "sigkills": delivery.kill_figures,
        "downtime": downtime,
        "reconciled_inserted": sum(r.inserted for r in delivery.reconciled),
        "reconciled_already_streamed": sum(r.already_streamed for r in delivery.reconciled),
        "settled": settled,
        "final_exit_codes": exit_codes,
        "seconds": round(time.monotonic() - started, 1),
    }
