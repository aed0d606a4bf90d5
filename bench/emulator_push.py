"""Benchmark: events per second the emulator's Stream gateway pushes to, and gets ACKed by, one
client (target >= 2,000/s on 2 cores).

The gateway runs in a child process (as the emulator would), the client in this one, so they do
not share a GIL. Two clients are measured side by side in one run: a lightweight `websockets`
client that ACKs exactly like SDK 0.24.3 (code 200, payload echoed), and the official SDK itself.

    .venv/bin/python bench/emulator_push.py [--events 10000] [--rounds 2]

"pushed/s" = events received by the client / time from the first publish() to the last frame
received; "acked/s" = events / time until the gateway counted every ACK. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time

CLIENT_ID, CLIENT_SECRET = "benchkey", "benchsecret"


def _payload(i: int) -> dict:
    """A realistic attendance_check_record payload (reference 5.1), about 400 bytes."""
    return {
        "dataList": [
            {
                "address": "中国科学院物理研究所(浙江海外高层次人才创新园东)",
                "corpId": "dingbench",
                "checkTime": 1_764_300_000_000 + i * 1000,
                "locationResult": "Normal",
                "groupId": "4C63A1B2",
                "latitude": 30.285230848524307,
                "bizId": f"FF62{i:08d}",
                "locationMethod": "MAP",
                "userId": f"user{i % 500:04d}",
                "checkByUser": True,
                "longitude": 120.01713514539931,
            }
        ]
    }


# -- server side (child process) -------------------------------------------------------------


def serve() -> None:
    """Child process: serve the gateway, publish bursts on request, report timings."""
    from pipelines.emulator.stream import GatewayConfig, StreamGateway
    from pipelines.emulator.stream.standalone import serve_gateway

    config = GatewayConfig(ping_interval=None, redelivery_delay=120)
    gateway = StreamGateway({CLIENT_ID: CLIENT_SECRET}, config)
    with serve_gateway(gateway) as base_url:
        print(json.dumps({"base_url": base_url}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "quit":
                break
            while gateway.stats()["connections_open"] < command["connections"]:
                time.sleep(0.01)
            print(json.dumps(_publish_burst(gateway, command["n"])), flush=True)


def _publish_burst(gateway, n: int) -> dict:
    payloads = [_payload(i) for i in range(n)]
    acked_before = gateway.stats()["acks"]["success"]
    started = time.monotonic()
    for payload in payloads:
        gateway.publish("attendance_check_record", payload)
    published = time.monotonic()
    while gateway.stats()["acks"]["success"] < acked_before + n:
        time.sleep(0.005)
    return {"started": started, "published": published, "acked": time.monotonic()}


# -- client side (this process) --------------------------------------------------------------


class Server:
    """The child process running the gateway, driven over stdin/stdout lines."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = json.loads(self.proc.stdout.readline())["base_url"]

    def burst(self, n: int, connections: int = 1) -> None:
        self.proc.stdin.write(json.dumps({"op": "publish", "n": n, "connections": connections}))
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def result(self) -> dict:
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        try:
            self.proc.stdin.write('{"op": "quit"}\n')
            self.proc.stdin.flush()
            self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def run_raw_client(server: Server, n: int) -> dict:
    """A bare websockets client that ACKs each frame as SDK 0.24.3 does."""
    import websockets

    from pipelines.emulator.stream.testing import open_ticket, sdk_ack

    async def consume() -> float:
        endpoint, ticket = open_ticket(server.base_url, CLIENT_ID, CLIENT_SECRET)
        async with websockets.connect(f"{endpoint}?ticket={ticket}", max_queue=None) as ws:
            await asyncio.to_thread(server.burst, n)
            received = 0
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] != "EVENT":
                    continue
                await ws.send(sdk_ack(frame))
                received += 1
                if received == n:
                    return time.monotonic()
        raise RuntimeError("connection closed before every event arrived")

    last_received = asyncio.run(consume())
    return dict(server.result(), received=last_received)


def run_sdk_client(server: Server, n: int) -> dict:
    """The official SDK with a handler that ACKs immediately."""
    from dingtalk_stream import AckMessage, Credential, DingTalkStreamClient, EventHandler

    from pipelines.emulator.stream.testing import SdkRunner

    done = threading.Event()
    received_at: list[float] = []

    class Counting(EventHandler):
        count = 0

        async def process(self, event):
            Counting.count += 1
            if Counting.count == n:
                received_at.append(time.monotonic())
                done.set()
            return AckMessage.STATUS_OK, "OK"

    DingTalkStreamClient.OPEN_CONNECTION_API = server.base_url + "/v1.0/gateway/connections/open"
    client = DingTalkStreamClient(Credential(CLIENT_ID, CLIENT_SECRET))
    client.logger.setLevel("CRITICAL")  # stop() cancels: an expected error line
    client.register_all_event_handler(Counting())
    with SdkRunner(client):
        server.burst(n)
        result = server.result()
        done.wait(120)
    return dict(result, received=received_at[0])


def _rates(timing: dict, n: int) -> tuple[float, float, float]:
    publish = n / (timing["published"] - timing["started"])
    pushed = n / (timing["received"] - timing["started"])
    acked = n / (timing["acked"] - timing["started"])
    return publish, pushed, acked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    print(f"events per round: {args.events}, rounds: {args.rounds} (median shown)")
    for name, runner in (
        ("websockets client (SDK-style ACK)", run_raw_client),
        ("official SDK 0.24.3", run_sdk_client),
    ):
        figures = []
        for _ in range(args.rounds):
            server = Server()  # a fresh gateway per round: no warm state carried over
            try:
                figures.append(_rates(runner(server, args.events), args.events))
            finally:
                server.close()
        publish, pushed, acked = (statistics.median(f[i] for f in figures) for i in range(3))
        print(
            f"{name:36s} pushed {pushed:8,.0f} events/s   acked {acked:8,.0f} events/s"
            f"   (publish() {publish:9,.0f} calls/s)"
        )


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("emulator_push"):
        main()
