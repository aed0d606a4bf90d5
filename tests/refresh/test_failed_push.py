"""Failed-push pages are stored before parsing, become de-duplicated inbox events, and bad
entries are quarantined, not dropped."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from pipelines.refresh.failed_push import (
    UnusableEntry,
    entry_to_event,
    reconcile_failed_pushes,
)
from pipelines.state.failed_push_pages import FailedPushPages
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI, NewEvent

BORN = 1_793_500_000_000


def punch_entry(userid: str = "u1", born: int = BORN) -> dict:
    payload = {"dataList": [{"userId": userid, "checkTime": born, "corpId": "ding1"}]}
    return {
        "attendance_check_record": {"corpid": "ding1", "callbackData": payload},
        "call_back_tag": "attendance_check_record",
        "event_time": born,
    }


def approval_entry() -> dict:
    data = {
        "processInstanceId": "p1",
        "type": "finish",
        "result": "agree",
        "bizCategoryId": "attendance.supply",
    }
    return {
        "bpms_instance_change": {"corpid": "ding1", "bpmsCallBackData": data},
        "call_back_tag": "bpms_instance_change",
        "event_time": BORN,
    }


class Pages:
    """A read-once list served page by page, like DingTalk's."""

    def __init__(self, *pages: list[dict]):
        self.pages = list(pages)
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        entries = self.pages.pop(0) if self.pages else []
        return {"errcode": 0, "errmsg": "ok", "has_more": bool(self.pages), "failed_list": entries}


@pytest.fixture
def inbox(tmp_path):
    with Inbox.in_data_dir(tmp_path) as opened:
        yield opened


@pytest.fixture
def pages(tmp_path):
    with FailedPushPages.in_data_dir(tmp_path) as opened:
        yield opened


def test_entries_become_failed_push_events_draining_while_has_more(inbox, pages):
    fetch = Pages([punch_entry("u1"), approval_entry()], [punch_entry("u2")])
    result = reconcile_failed_pushes(fetch, pages, inbox)
    assert fetch.calls == 2 and result.pages == 2 and result.inserted == 3
    events = inbox.read_after(0)
    assert {e.source for e in events} == {"failed_push"}
    assert events[1].payload["processInstanceId"] == "p1"
    assert events[0].born_at == datetime.fromtimestamp(BORN / 1000, tz=SHANGHAI)


def test_the_same_entry_read_twice_is_stored_once(inbox, pages):
    reconcile_failed_pushes(Pages([punch_entry()]), pages, inbox)
    again = reconcile_failed_pushes(Pages([punch_entry()]), pages, inbox)
    assert again.duplicates == 1 and inbox.stats().received == 1


def test_an_event_already_received_over_stream_is_not_stored_again(inbox, pages):
    entry = punch_entry()
    streamed = entry_to_event(entry)
    inbox.add([NewEvent("stream-id-1", streamed.event_type, streamed.born_at, streamed.payload)])
    result = reconcile_failed_pushes(Pages([entry]), pages, inbox)
    assert result.already_streamed == 1 and inbox.stats().received == 1


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (
            {
                "call_back_tag": "user_modify_org",
                "event_time": BORN,
                "user_modify_org": "{corpid=ding1}",
            },
            "not an object",
        ),
        (
            {**punch_entry(), "attendance_check_record": {"corpid": "d", "callbackData": "{x=1}"}},
            "not JSON",
        ),
        ({**punch_entry(), "call_back_tag": "label_conf_add"}, "unknown call_back_tag"),
        ({**punch_entry(), "event_time": "yesterday"}, "epoch"),
        (
            {**punch_entry(), "attendance_check_record": {"callbackData": {"dataList": []}}},
            "unusable",
        ),
        ("not an object", "not an object"),
    ],
)
def test_unusable_entries_are_quarantined_with_a_reason(inbox, pages, entry, reason):
    with pytest.raises(UnusableEntry, match=reason):
        entry_to_event(entry)
    result = reconcile_failed_pushes(Pages([entry, punch_entry()]), pages, inbox)
    assert result.quarantined == 1 and result.inserted == 1
    [kept] = inbox.quarantined()
    assert "failed-push entry" in kept["reason"] and json.loads(kept["raw"]) == entry


def test_raw_pages_are_stored_before_parsing_and_a_crash_is_resumed(inbox, pages, monkeypatch):
    import pipelines.refresh.failed_push as module

    def crash(*_args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(module, "_process", crash)
    with pytest.raises(RuntimeError):
        reconcile_failed_pushes(Pages([punch_entry()]), pages, inbox)
    monkeypatch.undo()
    assert pages.count() == 1 and inbox.stats().received == 0  # the page survived, read-once
    result = reconcile_failed_pushes(Pages(), pages, inbox)
    assert result.resumed_pages == 1 and result.inserted == 1
    assert pages.unprocessed() == []


def test_json_text_payloads_are_parsed(inbox, pages):
    entry = punch_entry()
    body = entry["attendance_check_record"]
    body["callbackData"] = json.dumps(body["callbackData"])
    assert entry_to_event(entry).payload["dataList"][0]["userId"] == "u1"


def test_a_page_with_a_lone_surrogate_is_stored_byte_for_byte_and_not_lost(inbox, pages):
    poison = punch_entry("u\ud800")
    body = json.dumps(
        {"errcode": 0, "has_more": False, "failed_list": [punch_entry("u1"), poison]}
    ).encode()
    assert b"\\ud800" in body  # valid JSON: the surrogate travels as an escape

    result = reconcile_failed_pushes(lambda: body, pages, inbox)

    assert result.inserted == 1 and result.quarantined == 1
    (row,) = inbox.quarantined()
    assert "lone UTF-16 surrogate" in row["reason"]
    (stored,) = pages._db.fetch_all("SELECT raw FROM pages")
    assert stored[0] == body and pages.unprocessed() == []


def test_a_page_whose_processing_fails_is_kept_for_the_next_run(inbox, pages):
    body = json.dumps({"has_more": False, "failed_list": [punch_entry("u1")]}).encode()

    class Broken:
        def quarantine(self, *args):
            raise AssertionError("not reached")

        def events_born_at(self, *args, **kwargs):
            raise OSError("inbox unavailable")

    with pytest.raises(OSError):
        reconcile_failed_pushes(lambda: body, pages, Broken())
    assert pages.unprocessed()[0][1]["failed_list"][0]["call_back_tag"]
    result = reconcile_failed_pushes(
        lambda: b'{"has_more": false, "failed_list": []}', pages, inbox
    )
    assert result.resumed_pages == 1 and result.inserted == 1
