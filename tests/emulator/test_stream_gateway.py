"""The Stream gateway over real loopback sockets, driven by a bare WebSocket client: registration
and tickets, the exact frame shape, every ACK style, redelivery, duplicates, pings, scripted
disconnects, load balancing and the failed-push list."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.gateway import OPEN_PATH
from pipelines.emulator.stream.standalone import serve_gateway
from pipelines.emulator.stream.testing import open_ticket, sdk_ack, wait_until

pytestmark = pytest.mark.integration

CLIENT_ID, CLIENT_SECRET = "dingkey", "secret"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Delays generous enough that an ACK is never "late" on a loaded 2-core machine.
FAST = GatewayConfig(redelivery_delay=0.5, max_attempts=3, ping_interval=None, seed=1)
QUIET = FAST.redelivery_delay + 0.3  # a window that would contain any redelivery


@pytest.fixture
def served(request):
    config = getattr(request, "param", FAST)
    gateway = StreamGateway({CLIENT_ID: CLIENT_SECRET}, config)
    with serve_gateway(gateway) as base_url:
        yield gateway, base_url


def _connect(base_url: str) -> ClientConnection:
    endpoint, ticket = open_ticket(base_url, CLIENT_ID, CLIENT_SECRET)
    return connect(f"{endpoint}?ticket={ticket}", open_timeout=5)


def _recv(ws: ClientConnection, timeout: float = 5.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def _ack(ws: ClientConnection, frame: dict, data: dict | None = None, code: int = 200) -> None:
    body = {"code": code, "headers": {"messageId": frame["headers"]["messageId"]}, "message": "x"}
    body["data"] = json.dumps(data if data is not None else {"status": "SUCCESS"})
    ws.send(json.dumps(body))


def _nothing_within(ws: ClientConnection, seconds: float) -> bool:
    try:
        ws.recv(timeout=seconds)
    except TimeoutError:
        return True
    return False


# -- registration and tickets -----------------------------------------------------------------


def test_open_returns_ws_endpoint_of_the_requested_host(served):
    _, base_url = served
    endpoint, ticket = open_ticket(base_url, CLIENT_ID, CLIENT_SECRET)
    assert endpoint == base_url.replace("http://", "ws://") + "/connect"
    assert len(ticket) == 36 and ticket.count("-") == 4


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"clientId": CLIENT_ID, "clientSecret": "wrong"}, 401, "InvalidAuthentication"),
        ({"clientId": "nobody", "clientSecret": CLIENT_SECRET}, 401, "InvalidAuthentication"),
        ({"clientSecret": CLIENT_SECRET}, 400, "MissingParameter"),
        ({"clientId": CLIENT_ID, "clientSecret": ""}, 400, "MissingParameter"),
        (
            {
                "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET,
                "subscriptions": [{"type": "EVENT", "topic": "dingTalk"}],
            },
            400,
            "InvalidParameter",
        ),
        ([1, 2], 400, "InvalidParameter"),
    ],
)
def test_open_refuses_bad_requests(served, body, status, code):
    gateway, base_url = served
    response = httpx.post(base_url + OPEN_PATH, json=body)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert gateway.stats()["tickets_issued"] == 0


def test_open_refuses_a_body_that_is_not_json(served):
    _, base_url = served
    response = httpx.post(base_url + OPEN_PATH, content=b"clientId=x")
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter"


def test_credentials_can_be_a_callable():
    gateway = StreamGateway(lambda cid, secret: cid == "a" and secret == "b", FAST)
    with serve_gateway(gateway) as base_url:
        assert open_ticket(base_url, "a", "b")[1]
        with pytest.raises(httpx.HTTPStatusError):
            open_ticket(base_url, "a", "c")


def test_ticket_is_single_use(served):
    gateway, base_url = served
    endpoint, ticket = open_ticket(base_url, CLIENT_ID, CLIENT_SECRET)
    with connect(f"{endpoint}?ticket={ticket}"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{endpoint}?ticket={ticket}")
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["code"] == "InvalidTicket"
    with pytest.raises(InvalidStatus):
        connect(f"{endpoint}?ticket=not-a-ticket")
    with pytest.raises(InvalidStatus):
        connect(endpoint)
    assert gateway.stats()["tickets_refused"] == 3


@pytest.mark.parametrize("served", [FAST.model_copy(update={"ticket_ttl": 0.1})], indirect=True)
def test_expired_ticket_is_refused(served):
    _, base_url = served
    endpoint, ticket = open_ticket(base_url, CLIENT_ID, CLIENT_SECRET)
    time.sleep(0.25)
    with pytest.raises(InvalidStatus):
        connect(f"{endpoint}?ticket={ticket}")


# -- frames and ACKs ---------------------------------------------------------------------------


def test_event_frame_has_the_documented_shape(served):
    gateway, base_url = served
    with _connect(base_url) as ws:
        event_id = gateway.publish("attendance_check_record", {"dataList": [{"userId": "u1"}]})
        frame = _recv(ws)
        _ack(ws, frame)
    assert set(frame) == {"specVersion", "type", "headers", "data"}
    assert frame["type"] == "EVENT" and frame["specVersion"] == "1.0"
    assert isinstance(frame["data"], str)
    assert json.loads(frame["data"]) == {"dataList": [{"userId": "u1"}]}
    headers = frame["headers"]
    assert all(isinstance(value, str) for value in headers.values())
    assert headers["topic"] == "*" and headers["eventId"] == event_id
    assert headers["eventType"] == "attendance_check_record"
    assert headers["contentType"] == "application/json"
    for name in ("messageId", "eventCorpId", "eventUnifiedAppId"):
        assert headers[name]
    assert abs(int(headers["time"]) - time.time() * 1000) < 60_000
    assert int(headers["eventBornTime"]) > 0


@pytest.mark.parametrize(
    ("ack_data", "code", "redelivered"),
    [
        ({"status": "SUCCESS", "message": "success"}, 200, False),  # protocol style
        ({"approveType": "LEAVE", "status": "start"}, 200, False),  # SDK 0.24.3: payload echoed
        ({"status": "LATER", "message": "later"}, 200, True),
        ({"status": "LATER"}, 500, True),  # Go SDK style
        ({"status": "SUCCESS"}, 500, True),  # internal error
    ],
)
def test_ack_styles(served, ack_data, code, redelivered):
    gateway, base_url = served
    with _connect(base_url) as ws:
        gateway.publish("attendance_approve_status_change", {"approveType": "LEAVE"})
        first = _recv(ws)
        _ack(ws, first, ack_data, code)
        if redelivered:
            again = _recv(ws)
            assert again["headers"]["messageId"] == first["headers"]["messageId"]
            assert again["headers"]["eventId"] == first["headers"]["eventId"]
            assert again["data"] == first["data"]
            ws.send(sdk_ack(again))
        assert _nothing_within(ws, QUIET)
    stats = gateway.stats()
    assert stats["redeliveries"] == int(redelivered)
    assert stats["acks"]["success"] == 1 and stats["in_flight"] == 0


def test_no_ack_redelivers_then_lands_in_failed_list(served):
    gateway, base_url = served
    with _connect(base_url) as ws:
        event_id = gateway.publish("attend_user_daily_summary_refresh", {"userId": "u9"})
        frames = [_recv(ws) for _ in range(FAST.max_attempts)]
        assert _nothing_within(ws, QUIET)
    assert {f["headers"]["eventId"] for f in frames} == {event_id}
    assert len({f["headers"]["messageId"] for f in frames}) == 1
    entries, has_more = gateway.drain_failed()
    assert not has_more
    assert entries == [
        {
            "attend_user_daily_summary_refresh": {
                "corpid": FAST.corp_id,
                "callbackData": {"userId": "u9"},
            },
            "call_back_tag": "attend_user_daily_summary_refresh",
            "event_time": int(frames[0]["headers"]["eventBornTime"]),
        }
    ]
    assert gateway.drain_failed() == ([], False)  # read-once
    stats = gateway.stats()
    assert stats["redeliveries"] == FAST.max_attempts - 1 and stats["failed_total"] == 1


def test_invalid_client_frames_are_counted_and_ignored(served):
    gateway, base_url = served
    with _connect(base_url) as ws:
        ws.send("not json")
        ws.send(json.dumps({"code": 200, "headers": {}}))
        ws.send(json.dumps({"code": 200, "headers": {"messageId": "unknown"}, "data": "{}"}))
        gateway.publish("attendance_check_record", {"dataList": []})
        ws.send(sdk_ack(_recv(ws)))
        assert wait_until(lambda: gateway.stats()["acks"]["success"] == 1)
    acks = gateway.stats()["acks"]
    assert acks["invalid"] == 2 and acks["unknown"] == 1


# -- delivery policies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "served", [FAST.model_copy(update={"redelivery_delay": 0.05, "max_attempts": 2})], indirect=True
)
def test_events_published_with_nobody_connected_fail_and_page_by_200(served):
    gateway, _ = served
    published = [gateway.publish("attendance_check_record", {"n": i}) for i in range(250)]
    assert wait_until(lambda: gateway.stats()["failed_list_size"] == 250)
    page, has_more = gateway.drain_failed()
    assert len(page) == 200 and has_more
    rest, has_more = gateway.drain_failed(max_items=500)
    assert len(rest) == 50 and not has_more
    assert [e["attendance_check_record"]["callbackData"]["n"] for e in page + rest] == list(
        range(250)
    )
    assert gateway.stats()["attempts_offline"] == 500 and len(published) == 250
    assert gateway.stats()["pushes_metered"] == 0


@pytest.mark.parametrize(
    "served", [FAST.model_copy(update={"offline_policy": "queue"})], indirect=True
)
def test_queue_policy_holds_events_until_a_client_connects(served):
    gateway, base_url = served
    event_id = gateway.publish("attendance_check_record", {"n": 1})
    time.sleep(FAST.redelivery_delay * (FAST.max_attempts + 1))
    assert gateway.stats()["failed_list_size"] == 0
    with _connect(base_url) as ws:
        frame = _recv(ws)
        ws.send(sdk_ack(frame))
    assert frame["headers"]["eventId"] == event_id


@pytest.mark.parametrize("served", [FAST.model_copy(update={"duplicate_rate": 1.0})], indirect=True)
def test_duplicate_rate_sends_the_same_event_twice(served):
    gateway, base_url = served
    with _connect(base_url) as ws:
        event_id = gateway.publish("attendance_check_record", {"n": 1})
        frames = [_recv(ws), _recv(ws)]
        for frame in frames:
            ws.send(sdk_ack(frame))
        assert _nothing_within(ws, QUIET)
    assert [f["headers"]["eventId"] for f in frames] == [event_id, event_id]
    stats = gateway.stats()
    assert stats["duplicates_sent"] == 1 and stats["deliveries"] == 2
    assert stats["pushes_metered"] == 1 and stats["redeliveries"] == 0


@pytest.mark.parametrize("enforce", [False, True])
def test_push_quota_is_metered_per_month_and_optionally_enforced(enforce):
    config = FAST.model_copy(update={"push_quota_per_month": 2, "enforce_push_quota": enforce})
    gateway = StreamGateway({CLIENT_ID: CLIENT_SECRET}, config)
    november = datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI)
    with serve_gateway(gateway) as base_url, _connect(base_url) as ws:
        for i in range(3):
            gateway.publish("attendance_check_record", {"n": i}, born_at=november)
        gateway.publish("attendance_check_record", {"n": 3}, born_at=november + timedelta(days=1))
        for _ in range(3 if enforce else 4):
            ws.send(sdk_ack(_recv(ws)))
        assert _nothing_within(ws, QUIET)
    stats = gateway.stats()
    assert stats["pushes_by_month"] == {"2026-11": 2 if enforce else 3, "2026-12": 1}
    assert stats["quota_suppressed"] == int(enforce)
    assert stats["pushes_over_quota"] == int(not enforce)


def test_connection_without_event_subscription_gets_no_events(served):
    gateway, base_url = served
    endpoint, ticket = open_ticket(base_url, CLIENT_ID, CLIENT_SECRET, events=False)
    with connect(f"{endpoint}?ticket={ticket}") as callbacks_only, _connect(base_url) as ws:
        for i in range(5):
            gateway.publish("attendance_check_record", {"n": i})
        for _ in range(5):
            ws.send(sdk_ack(_recv(ws)))
        assert _nothing_within(callbacks_only, 0.2)


def test_two_connections_split_events_at_random(served):
    gateway, base_url = served
    with _connect(base_url) as one, _connect(base_url) as two:
        assert wait_until(lambda: gateway.stats()["connections_open"] == 2)
        sent = {gateway.publish("attendance_check_record", {"n": i}) for i in range(40)}
        got: dict[str, list[str]] = {"one": [], "two": []}
        while len(got["one"]) + len(got["two"]) < 40:
            for name, ws in (("one", one), ("two", two)):
                try:
                    frame = json.loads(ws.recv(timeout=0.05))
                except TimeoutError:
                    continue
                got[name].append(frame["headers"]["eventId"])
                ws.send(sdk_ack(frame))
    assert got["one"] and got["two"]
    assert set(got["one"]) | set(got["two"]) == sent


# -- SYSTEM frames -----------------------------------------------------------------------------


@pytest.mark.parametrize("served", [FAST.model_copy(update={"ping_interval": 0.1})], indirect=True)
def test_system_ping_frames_are_sent_and_echoes_counted(served):
    gateway, base_url = served
    with _connect(base_url) as ws:
        frame = _recv(ws)
        assert frame["type"] == "SYSTEM" and frame["headers"]["topic"] == "ping"
        assert json.loads(frame["data"])["opaque"]
        ws.send(
            json.dumps(
                {"code": 200, "headers": frame["headers"], "message": "OK", "data": frame["data"]}
            )
        )
        assert wait_until(lambda: gateway.stats()["acks"]["ping"] == 1)


@pytest.mark.parametrize(
    "served", [FAST.model_copy(update={"disconnect_close_delay": 0.3})], indirect=True
)
def test_scripted_disconnect_sends_frame_stops_delivery_then_closes(served):
    gateway, base_url = served
    with _connect(base_url) as ws:
        assert wait_until(lambda: gateway.stats()["connections_open"] == 1)
        started = time.monotonic()
        gateway.disconnect_all("connection is expired")
        frame = _recv(ws)
        assert frame["type"] == "SYSTEM" and frame["headers"]["topic"] == "disconnect"
        assert json.loads(frame["data"]) == {"reason": "connection is expired"}
        gateway.publish("attendance_check_record", {"n": 1})  # must not go to a draining socket
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=3)
        assert time.monotonic() - started >= 0.25
    with _connect(base_url) as ws:  # a new ticket gets the waiting event
        frame = _recv(ws)
        assert frame["type"] == "EVENT"
        ws.send(sdk_ack(frame))


def test_unacked_event_of_a_dropped_connection_is_redelivered_to_another(served):
    gateway, base_url = served
    with _connect(base_url) as survivor:
        with _connect(base_url) as doomed:
            assert wait_until(lambda: gateway.stats()["connections_open"] == 2)
            # the seeded RNG picks connections; publish until the doomed one gets something
            while True:
                gateway.publish("attendance_check_record", {"n": 1})
                try:
                    lost = json.loads(doomed.recv(timeout=0.2))
                    break
                except TimeoutError:
                    survivor.send(sdk_ack(_recv(survivor)))
        # closed without an ACK: the redelivery can only go to the survivor
        frame = _recv(survivor, timeout=FAST.redelivery_delay * 4)
        assert frame["headers"]["messageId"] == lost["headers"]["messageId"]
        survivor.send(sdk_ack(frame))
        assert wait_until(lambda: gateway.stats()["in_flight"] == 0)
