"""The official dingtalk-stream 0.24.3 SDK, pointed at the gateway only through configuration,
connects over a real loopback WebSocket, receives events, gets un-ACKed ones again with the same
ids, shares events between two clients and reconnects after a scripted disconnect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from dingtalk_stream import Credential, DingTalkStreamClient

from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.standalone import serve_gateway
from pipelines.emulator.stream.testing import RecordingHandler, SdkRunner, wait_until

pytestmark = pytest.mark.integration

CLIENT_ID, CLIENT_SECRET = "dingemulatorkey", "emulator-secret"
FAST = GatewayConfig(redelivery_delay=1.0, max_attempts=5, ping_interval=0.2, seed=3)


@pytest.fixture
def gateway_url(request, monkeypatch):
    config = getattr(request, "param", FAST)
    gateway = StreamGateway({CLIENT_ID: CLIENT_SECRET}, config)
    with serve_gateway(gateway) as base_url:
        # configuration only: the SDK reads this class attribute for every registration
        monkeypatch.setattr(
            DingTalkStreamClient, "OPEN_CONNECTION_API", base_url + "/v1.0/gateway/connections/open"
        )
        yield gateway, base_url


def _client(handler: RecordingHandler) -> DingTalkStreamClient:
    client = DingTalkStreamClient(Credential(CLIENT_ID, CLIENT_SECRET))
    client.register_all_event_handler(handler)
    return client


def test_sdk_receives_events_and_answers_pings(gateway_url):
    gateway, _ = gateway_url
    handler = RecordingHandler()
    with SdkRunner(_client(handler)):
        assert wait_until(lambda: gateway.stats()["connections_open"] == 1)
        sent = [
            gateway.publish("attend_user_daily_summary_refresh", {"userId": f"u{i}"})
            for i in range(20)
        ]
        assert wait_until(lambda: gateway.stats()["acks"]["success"] == 20)
        assert wait_until(lambda: gateway.stats()["acks"]["ping"] >= 1)
    got = handler.snapshot()
    assert [r.event_id for r in got] == sent
    assert got[3].data == {"userId": "u3"}
    assert got[3].event_type == "attend_user_daily_summary_refresh"
    stats = gateway.stats()
    assert stats["redeliveries"] == 0 and stats["in_flight"] == 0
    assert stats["pushes_metered"] == 20


@pytest.mark.parametrize("verdict", ["raise", "later", "error"])
def test_unacked_events_come_back_with_same_ids(gateway_url, verdict):
    gateway, _ = gateway_url
    refused: set[str] = set()

    def decide(event):
        if event.headers.event_id in refused:
            return "ack"
        refused.add(event.headers.event_id)
        return verdict

    handler = RecordingHandler(decide)
    with SdkRunner(_client(handler)):
        assert wait_until(lambda: gateway.stats()["connections_open"] == 1)
        event_id = gateway.publish("attendance_check_record", {"dataList": [{"userId": "u1"}]})
        assert wait_until(lambda: len(handler.snapshot()) >= 2)
        assert wait_until(lambda: gateway.stats()["in_flight"] == 0)
    first, second = handler.snapshot()[:2]
    assert first.event_id == second.event_id == event_id
    assert first.message_id == second.message_id
    stats = gateway.stats()
    assert stats["redeliveries"] == 1 and stats["acks"]["success"] == 1
    if verdict != "raise":
        assert stats["acks"][verdict] == 1


def test_two_sdk_clients_split_the_events(gateway_url):
    gateway, _ = gateway_url
    first, second = RecordingHandler(), RecordingHandler()
    with SdkRunner(_client(first)), SdkRunner(_client(second)):
        assert wait_until(lambda: gateway.stats()["connections_open"] == 2)
        sent = {gateway.publish("attendance_check_record", {"n": i}) for i in range(60)}
        assert wait_until(lambda: gateway.stats()["acks"]["success"] == 60)
    ids_first = {r.event_id for r in first.snapshot()}
    ids_second = {r.event_id for r in second.snapshot()}
    assert ids_first and ids_second
    assert ids_first | ids_second == sent
    assert not ids_first & ids_second  # load-balanced, not fanned out
    assert gateway.stats()["redeliveries"] == 0


@pytest.mark.parametrize(
    "gateway_url",
    [FAST.model_copy(update={"disconnect_close_delay": 0.5, "ping_interval": None})],
    indirect=True,
)
def test_scripted_disconnect_makes_the_sdk_reconnect_with_a_new_ticket(gateway_url):
    gateway, _ = gateway_url
    handler = RecordingHandler()
    with SdkRunner(_client(handler)):
        assert wait_until(lambda: gateway.stats()["connections_open"] == 1)
        before = gateway.publish("attendance_check_record", {"n": "before"})
        assert wait_until(lambda: gateway.stats()["acks"]["success"] == 1)
        gateway.disconnect_all("connection is expired")
        assert wait_until(lambda: gateway.stats()["connections_total"] == 2)
        assert wait_until(lambda: gateway.stats()["connections_open"] == 1)
        after = gateway.publish("attendance_check_record", {"n": "after"})
        assert wait_until(lambda: gateway.stats()["acks"]["success"] == 2)
    assert [r.event_id for r in handler.snapshot()] == [before, after]
    assert gateway.stats()["tickets_issued"] == 2


SUBPROCESS_CLIENT = textwrap.dedent(
    """
    import asyncio, json, sys
    import websockets.exceptions  # reference 9
    import dingtalk_stream
    from dingtalk_stream import AckMessage

    class Handler(dingtalk_stream.EventHandler):
        async def process(self, event):
            print(json.dumps([event.headers.event_id, event.data]), flush=True)
            return AckMessage.STATUS_OK, "OK"

    credential = dingtalk_stream.Credential(sys.argv[1], sys.argv[2])
    client = dingtalk_stream.DingTalkStreamClient(credential)
    client.register_all_event_handler(Handler())
    print("ready", flush=True)
    asyncio.run(client.start())
    """
)


def test_sdk_in_its_own_process_configured_by_environment_only(gateway_url):
    gateway, base_url = gateway_url
    env = dict(os.environ, DINGTALK_OPENAPI_ENDPOINT=base_url)
    proc = subprocess.Popen(
        [sys.executable, "-c", SUBPROCESS_CLIENT, CLIENT_ID, CLIENT_SECRET],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert wait_until(lambda: gateway.stats()["connections_open"] == 1)
        event_id = gateway.publish("attendance_report_column_change", {"columnId": "10001"})
        line = proc.stdout.readline()
        assert json.loads(line) == [event_id, {"columnId": "10001"}]
        assert wait_until(lambda: gateway.stats()["acks"]["success"] == 1)
    finally:
        proc.kill()
        proc.wait(10)
    assert Counter(gateway.stats()["acks"])["unknown"] == 0
