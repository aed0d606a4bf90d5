"""Pure parts of the Stream gateway: ACK classification, frame serialisation, failed-push shapes
and paging, tickets and input validation."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.failed import FailedPush, FailedPushList
from pipelines.emulator.stream.frames import (
    MessageIds,
    epoch_millis,
    event_frame,
    event_headers,
    read_ack,
    system_frame,
)
from pipelines.emulator.stream.tickets import Grant, TicketBook


def _ack(code=200, data: object = None, message_id="m1") -> str:
    frame = {"code": code, "headers": {"messageId": message_id}, "message": "OK"}
    if data is not None:
        frame["data"] = data if isinstance(data, str) else json.dumps(data)
    return json.dumps(frame)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (_ack(200, {"status": "SUCCESS", "message": "success"}), "success"),
        (_ack(200, {"dataList": [{"userId": "u"}]}), "success"),  # SDK 0.24.3 echo
        (_ack(200, {"status": "start", "approveType": "LEAVE"}), "success"),  # echo with status
        (_ack(200), "success"),
        (_ack("200", {"status": "SUCCESS"}), "success"),
        (_ack(200, {"status": "LATER"}), "later"),
        (_ack(500, {"status": "LATER", "message": "later"}), "later"),
        (_ack(500, {"response": None}), "error"),
        (_ack(404, "not json"), "error"),
        ("not json", "invalid"),
        ("[]", "invalid"),
        (json.dumps({"code": 200, "headers": {}}), "invalid"),
        (_ack("abc", {}), "invalid"),
    ],
)
def test_read_ack_classifies_every_style(raw, kind):
    assert read_ack(raw).kind == kind


def test_read_ack_accepts_data_as_object_and_bytes():
    raw = json.dumps({"code": 200, "headers": {"messageId": "m"}, "data": {"status": "LATER"}})
    ack = read_ack(raw.encode())
    assert (ack.message_id, ack.kind) == ("m", "later")


def test_event_frame_keeps_data_a_string_and_stamps_time():
    headers = event_headers(
        message_id="m",
        event_id="e",
        event_type="attendance_check_record",
        born_millis=1683533823336,
        corp_id="ding1",
        unified_app_id="app",
    )
    frame = json.loads(event_frame(headers, '{"a":1}', 1693221579964))
    assert frame["data"] == '{"a":1}'
    assert frame["headers"]["time"] == "1693221579964"
    assert frame["headers"]["eventBornTime"] == "1683533823336"
    assert headers["time"] == "0"  # the shared headers are not mutated per send


def test_system_frame_data_is_a_json_string():
    frame = json.loads(system_frame("ping", "m", {"opaque": "x"}))
    assert frame["type"] == "SYSTEM" and json.loads(frame["data"]) == {"opaque": "x"}


def test_message_ids_are_unique_and_shaped_like_dingtalks():
    ids = MessageIds()
    made = {ids.next() for _ in range(1000)}
    assert len(made) == 1000
    assert all(len(m.split("_")) == 4 for m in made)


def _push(i: int, event_type="attendance_check_record", born=1000) -> FailedPush:
    return FailedPush(event_type, f"e{i}", born + i, {"n": i}, "ding1")


def test_failed_list_is_read_once_and_paged_by_200():
    failed = FailedPushList()
    for i in range(201):
        failed.add(_push(i))
    page, has_more = failed.drain(500)
    assert len(page) == 200 and has_more
    assert failed.drain() == ([_push(200)], False)
    assert failed.drain() == ([], False)
    with pytest.raises(ValueError, match="max_items"):
        failed.drain(0)


def test_failed_list_drain_between_takes_only_the_range():
    failed = FailedPushList()
    for i in range(10):
        failed.add(_push(i))
    taken, has_more = failed.drain_between(1003, 1005, max_items=2)
    assert [p.event_id for p in taken] == ["e3", "e4"] and has_more
    taken, has_more = failed.drain_between(1003, 1005)
    assert [p.event_id for p in taken] == ["e5"] and not has_more
    assert len(failed) == 7
    with pytest.raises(ValueError, match="after endTime"):
        failed.drain_between(2, 1)


def test_failed_list_is_bounded():
    failed = FailedPushList(capacity=3)
    for i in range(5):
        failed.add(_push(i))
    assert [p.event_id for p in failed.drain()[0]] == ["e2", "e3", "e4"]
    assert failed.total_added == 5


def test_failed_entries_in_both_api_shapes():
    from pipelines.emulator.stream.failed import new_api_entry, old_api_entry

    bpms = FailedPush("bpms_instance_change", "e", 5, {"processInstanceId": "p"}, "ding1")
    assert old_api_entry(bpms) == {
        "bpms_instance_change": {"corpid": "ding1", "bpmsCallBackData": {"processInstanceId": "p"}},
        "call_back_tag": "bpms_instance_change",
        "event_time": 5,
    }
    assert "callbackData" in old_api_entry(_push(1))["attendance_check_record"]
    assert new_api_entry(bpms) == {
        "callBackData": '{"processInstanceId": "p"}',
        "callBackTag": "bpms_instance_change",
        "corpId": "ding1",
        "eventTime": 5,
    }


def test_tickets_are_single_use_and_expire():
    book = TicketBook(ttl_seconds=0.05)
    grant = Grant("id", True)
    ticket = book.issue(grant)
    assert book.redeem(ticket) == grant
    assert book.redeem(ticket) is None
    late = book.issue(grant)
    time.sleep(0.08)
    assert book.redeem(late) is None
    assert book.redeem(None) is None
    assert (book.issued, book.refused) == (2, 3)


@pytest.mark.parametrize(
    "bad",
    [
        {"duplicate_rate": 1.5},
        {"redelivery_delay": 0},
        {"max_attempts": 0},
        {"offline_policy": "drop"},
        {"unknown_knob": 1},
    ],
)
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValidationError):
        GatewayConfig(**bad)


def test_publish_validates_its_input_and_queues_without_a_server():
    gateway = StreamGateway({"id": "secret"})
    with pytest.raises(ValueError, match="timezone-aware"):
        gateway.publish("attendance_check_record", {}, born_at=datetime(2026, 11, 1, 9))
    with pytest.raises(ValueError, match="event_type"):
        gateway.publish("", {})
    with pytest.raises(TypeError, match="dict"):
        gateway.publish("attendance_check_record", [1])
    born = datetime(2026, 11, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert gateway.publish("attendance_check_record", {}, born_at=born, event_id="abc") == "abc"
    assert gateway.stats()["in_flight"] == 1


def test_epoch_millis_is_exact():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert epoch_millis(datetime(2020, 9, 6, tzinfo=shanghai)) == 1599321600000  # reference 0
    assert epoch_millis(datetime(2026, 11, 28, 9, 0, 0, 123000, tzinfo=shanghai)) % 1000 == 123
