"""Durable ingest rate of the Stream listener, next to the same SDK with a no-op handler.

Both run as real processes on the official dingtalk-stream SDK, fed over loopback by the
emulator's Stream gateway with a burst of N events. The rate is N divided by the time from the
first publish to the gateway's N-th SUCCESS ACK; for the listener every ACK is sent only after
the event's inbox transaction committed (SQLite WAL, synchronous=FULL by default). Pairs of
runs alternate so that load from other processes hits both alike; the CPU time each listener
process used is printed too, as it is steadier than rates on a shared machine.

    .venv/bin/python bench/listener_ingest.py [--events 20000] [--synchronous FULL]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.standalone import serve_gateway
from pipelines.stream.inbox import Inbox

CLIENT_ID, CLIENT_SECRET = "bench-app", "bench-secret"

NOOP_LISTENER = """
import sys
import websockets.exceptions  # reference 9
import dingtalk_stream
from dingtalk_stream import AckMessage

class NoOp(dingtalk_stream.EventHandler):
    async def process(self, event):
        return AckMessage.STATUS_OK, "OK"

OPEN_PATH = "/v1.0/gateway/connections/open"
dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = sys.argv[1] + OPEN_PATH
client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(sys.argv[2], sys.argv[3]))
client.register_all_event_handler(NoOp())
client.start_forever()
"""


def gateway() -> StreamGateway:
    config = GatewayConfig(
        redelivery_delay=600, ping_interval=5, push_quota_per_month=10**9, offline_policy="queue"
    )
    return StreamGateway({CLIENT_ID: CLIENT_SECRET}, config)


def wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark timed out")
        time.sleep(0.002)


def measure(
    command: list[str], env: dict[str, str], events: int, offered_rate: float | None = None
) -> tuple[float, float, int, dict]:
    """Start a listener process and push `events` (as a burst, or paced at `offered_rate`).

    Returns events per second, listener CPU microseconds per event, the largest backlog of
    published but not yet ACKed events seen while publishing, and the gateway's stats.
    """
    gw = gateway()
    with serve_gateway(gw) as base:
        process = subprocess.Popen(
            [arg.replace("{base}", base) for arg in command],
            env={**env, "DINGTALK_API_BASE_URL": base},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait(lambda: gw.stats()["connections_open"] == 1, 30)
            time.sleep(0.5)  # let the process settle after connecting
            idle = _cpu_seconds(process.pid)
            started = time.perf_counter()
            backlog = publish(gw, events, offered_rate)
            wait(lambda: gw.stats()["acks"]["success"] >= events, 600)
            elapsed = time.perf_counter() - started
            busy = _cpu_seconds(process.pid) - idle
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return events / elapsed, busy / events * 1e6, backlog, gw.stats()


def publish(gw: StreamGateway, events: int, offered_rate: float | None) -> int:
    """Publish `events`; paced in 10 ms ticks when `offered_rate` is set. Returns max backlog."""
    tick = 0.01
    per_tick = events if offered_rate is None else max(1, round(offered_rate * tick))
    started, backlog, sent = time.perf_counter(), 0, 0
    while sent < events:
        for n in range(sent, min(events, sent + per_tick)):
            gw.publish(
                "attend_user_daily_summary_refresh", {"workDate": "2026-11-27", "userId": f"u{n}"}
            )
        sent = min(events, sent + per_tick)
        backlog = max(backlog, sent - gw.stats()["acks"]["success"])
        pause = started + sent / per_tick * tick - time.perf_counter()
        if offered_rate is not None and pause > 0:
            time.sleep(pause)
    return backlog


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating pairs of runs")
    parser.add_argument("--synchronous", default="FULL", choices=["NORMAL", "FULL"])
    parser.add_argument(
        "--offered-rate",
        type=float,
        default=None,
        help="pace the pushes at this many events/s instead of one burst (sustained mode)",
    )
    args = parser.parse_args()
    noop_rates, ours_rates, ratios, noop_cpus, ours_cpus = [], [], [], [], []
    noop_lags, lags = [], []
    for _ in range(args.rounds):  # alternate, so load from other processes hits both alike
        with tempfile.TemporaryDirectory() as scratch:
            data_dir = Path(scratch) / "data"
            env = {
                **os.environ,
                "DINGTALK_CLIENT_ID": CLIENT_ID,
                "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
                "ATTENDANCE_DATA_DIR": str(data_dir),
                "LISTENER_INBOX_SYNCHRONOUS": args.synchronous,
                "LISTENER_LOG_LEVEL": "WARNING",
            }
            noop_cmd = [sys.executable, "-c", NOOP_LISTENER, "{base}", CLIENT_ID, CLIENT_SECRET]
            ours_cmd = [sys.executable, "-m", "pipelines", "listen"]
            noop_rate, noop_cpu, noop_lag, _ = measure(
                noop_cmd, env, args.events, args.offered_rate
            )
            rate, cpu, lag, stats = measure(ours_cmd, env, args.events, args.offered_rate)
            noop_lags.append(noop_lag)
            lags.append(lag)
            noop_rates.append(noop_rate)
            ours_rates.append(rate)
            noop_cpus.append(noop_cpu)
            ours_cpus.append(cpu)
            ratios.append(rate / noop_rates[-1])
            with Inbox.in_data_dir(data_dir) as inbox:
                stored = inbox.stats().received
            if stored != args.events or stats["acks"]["later"]:
                raise SystemExit("the inbox does not hold every event: the measurement is invalid")
    median = statistics.median
    mode = f"paced at {args.offered_rate:.0f} events/s" if args.offered_rate else "one burst"
    print(f"events per run: {args.events} ({mode}), rounds: {args.rounds}, cpus: {os.cpu_count()}")
    print(f"SDK + no-op handler (ACK only):       median {median(noop_rates):6.0f} events/s")
    print(
        f"SDK + inbox handler (durable, {args.synchronous:<4}): "
        f"median {median(ours_rates):6.0f} events/s"
    )
    print(f"ratio durable / no-op (median of pairs): {median(ratios):.2f}")
    print(
        f"listener process CPU per event (median): no-op {median(noop_cpus):.0f} us, "
        f"durable {median(ours_cpus):.0f} us"
    )
    print(f"largest backlog (published, not ACKed): no-op {max(noop_lags)}, durable {max(lags)}")
    print("per round (no-op events/s, durable events/s, ratio):")
    for noop, ours, ratio in zip(noop_rates, ours_rates, ratios, strict=True):
        print(f"  {noop:6.0f} {ours:6.0f} {ratio:.2f}")


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("listener_ingest"):
        main()
