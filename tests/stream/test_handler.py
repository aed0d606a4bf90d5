"""The SDK handler persists before it ACKs, quarantines bad input, answers LATER on write failure.

Fuzzed frames (hypothesis) never raise out of the handler, and each lands in the inbox or in
quarantine.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from dingtalk_stream import EventMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.stream.client import HardenedStreamClient
from pipelines.stream.config import ListenerConfig
from pipelines.stream.events import KNOWN_EVENTS
from pipelines.stream.handler import InboxEventHandler
from pipelines.stream.inbox import Inbox
from pipelines.stream.writer import BatchWriter

NOW_MS = int(time.time() * 1000)


def wire_frame(event_id: str, message_id: str, data: object, event_type: str | None = None) -> str:
    headers = {
        "messageId": message_id,
        "eventId": event_id,
        "eventType": event_type or "attend_user_daily_summary_refresh",
        "eventBornTime": str(NOW_MS),
        "time": str(NOW_MS),
        "topic": "*",
        "contentType": "application/json",
    }
    return json.dumps(
        {"specVersion": "1.0", "type": "EVENT", "headers": headers, "data": json.dumps(data)}
    )


GOOD = {"workDate": "2026-11-27", "userId": "u1"}


class FailingInbox:
    """An inbox whose event writes fail (the disk is full, the file is locked...)."""

    def __init__(self, real: Inbox):
        self.real = real

    def add(self, events):
        raise OSError("disk full")

    def quarantine(self, *args):
        return self.real.quarantine(*args)


class Harness:
    """The real handler and client routing, with the socket replaced by a list of sent ACKs."""

    def __init__(self, inbox):
        self.writer = BatchWriter(inbox)
        self.handler = InboxEventHandler(
            inbox if isinstance(inbox, Inbox) else inbox.real, self.writer
        )
        self.client = HardenedStreamClient(
            credential=None,
            api_base_url="http://127.0.0.1:9",
            handler=self.handler,
            config=ListenerConfig(),
        )
        self.acks: list[dict] = []

    async def deliver(self, *raws: str) -> list[dict]:
        self.writer.start()
        try:
            acks = await asyncio.gather(*(self.client._route(raw) for raw in raws))
        finally:
            await self.writer.close()
        return [json.loads(json.dumps(a.to_dict())) if a else None for a in acks]


@pytest.fixture
def inbox(tmp_path):
    with Inbox.in_data_dir(tmp_path) as opened:
        yield opened


def status(ack: dict) -> str:
    return json.loads(ack["data"])["status"]


def test_a_valid_event_is_stored_then_acked_success(inbox):
    harness = Harness(inbox)
    (ack,) = asyncio.run(harness.deliver(wire_frame("e1", "m1", GOOD)))
    assert ack["code"] == 200 and ack["headers"]["messageId"] == "m1"
    assert status(ack) == "SUCCESS"
    (stored,) = inbox.read_after(0)
    assert stored.event_id == "e1" and stored.payload == GOOD


def test_a_redelivered_event_is_acked_and_counted_once_as_duplicate(inbox):
    harness = Harness(inbox)
    raws = [wire_frame("e1", "m1", GOOD), wire_frame("e1", "m2", GOOD)]
    acks = asyncio.run(harness.deliver(*raws))
    assert [status(a) for a in acks] == ["SUCCESS", "SUCCESS"]
    assert inbox.stats().received == 1 and inbox.stats().duplicates == 1


def test_concurrent_events_share_transactions(inbox):
    harness = Harness(inbox)
    raws = [wire_frame(f"e{i}", f"m{i}", GOOD) for i in range(200)]
    acks = asyncio.run(harness.deliver(*raws))
    assert all(status(a) == "SUCCESS" for a in acks)
    assert inbox.stats().received == 200
    assert harness.writer.batches < 200  # group commit: fewer transactions than events


def test_a_failed_write_answers_later_and_stores_nothing(inbox):
    harness = Harness(FailingInbox(inbox))
    (ack,) = asyncio.run(harness.deliver(wire_frame("e1", "m1", GOOD)))
    assert status(ack) == "LATER"
    assert inbox.read_after(0) == [] and harness.handler.counters.deferred == 1


def test_a_stopped_writer_answers_later(inbox):
    handler = InboxEventHandler(inbox, BatchWriter(inbox))  # writer never started
    message = EventMessage.from_dict(json.loads(wire_frame("e1", "m1", GOOD)))
    ack = asyncio.run(handler.raw_process(message))
    assert ack.data["status"] == "LATER"


@pytest.mark.parametrize(
    ("raw", "reason", "acked"),
    [
        ("not json at all", "frame is not JSON", False),
        ("[1, 2]", "frame is not a JSON object", False),
        (
            json.dumps({"type": "EVENT", "headers": {"messageId": "m9"}, "data": "{oops"}),
            "malformed event frame",
            True,
        ),
        (
            json.dumps(
                {"type": "EVENT", "headers": {"messageId": "m9", "time": "x"}, "data": "{}"}
            ),
            "malformed event frame",
            True,
        ),
        (
            json.dumps({"type": "CALLBACK", "headers": {"messageId": "m9"}, "data": "{}"}),
            "unsupported frame type",
            True,
        ),
        (wire_frame("e5", "m9", {"x": 1}, event_type="mystery_event"), "unknown event type", True),
        (wire_frame("e5", "m9", {"userId": "u"}), "missing field workDate", True),
        (json.dumps({"type": "EVENT", "data": "{}"}), "missing header eventId", False),
    ],
)
def test_bad_input_is_quarantined_with_its_reason_and_acked(inbox, raw, reason, acked):
    harness = Harness(inbox)
    (ack,) = asyncio.run(harness.deliver(raw))
    assert (ack is not None) == acked
    if acked:
        assert status(ack) == "SUCCESS" and ack["headers"]["messageId"] == "m9"
    (row,) = inbox.quarantined()
    assert reason in row["reason"]
    assert inbox.read_after(0) == []


def test_a_redelivered_bad_frame_is_kept_once_and_counted(inbox):
    harness = Harness(inbox)
    raw = wire_frame("e5", "m9", {"x": 1}, event_type="mystery_event")
    asyncio.run(harness.deliver(raw))
    asyncio.run(Harness(inbox).deliver(raw))
    (row,) = inbox.quarantined()
    assert row["count"] == 2 and harness.handler.counters.quarantined == 1


def test_system_ping_is_answered_with_its_opaque_data(inbox):
    harness = Harness(inbox)
    ping = {
        "specVersion": "1.0",
        "type": "SYSTEM",
        "headers": {"topic": "ping", "messageId": "p1", "contentType": "application/json"},
        "data": json.dumps({"opaque": "abc"}),
    }
    (ack,) = asyncio.run(harness.deliver(json.dumps(ping)))
    assert ack["headers"]["messageId"] == "p1" and json.loads(ack["data"]) == {"opaque": "abc"}
    assert inbox.stats().received == 0 and inbox.stats().quarantined == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
header_values = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers().map(str),
    st.sampled_from([str(NOW_MS), "0", "-1", "1e3", ""]),
)
event_types = st.one_of(
    st.sampled_from(sorted(KNOWN_EVENTS)),
    st.text(max_size=12),
)


@st.composite
def frames(draw):
    headers = {
        name: draw(header_values)
        for name in ("messageId", "eventId", "eventBornTime", "time", "eventCorpId")
    }
    headers["eventType"] = draw(event_types)
    headers = {k: v for k, v in headers.items() if v is not None}
    data = draw(st.one_of(json_values.map(json.dumps), st.text(max_size=30)))
    frame = {
        "type": draw(st.sampled_from(["EVENT", "EVENT", "SYSTEM", "X"])),
        "headers": draw(st.sampled_from([headers, headers, None, "h"])),
        "data": data,
    }
    return draw(st.sampled_from([json.dumps(frame), json.dumps(frame)[: draw(st.integers(0, 60))]]))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raws=st.lists(frames(), min_size=1, max_size=5))
def test_fuzzed_frames_never_crash_and_each_lands_somewhere(tmp_path_factory, raws):
    path = tmp_path_factory.mktemp("fuzz")
    with Inbox.in_data_dir(path) as inbox:
        harness = Harness(inbox)
        for raw in raws:
            before = _landed(inbox)
            (ack,) = asyncio.run(harness.deliver(raw))
            is_system = _is_object(raw) and json.loads(raw).get("type") == "SYSTEM"
            assert _landed(inbox) > before or is_system, raw
            if ack is not None and not is_system:
                assert status(ack) == "SUCCESS"


def _landed(inbox: Inbox) -> int:
    """Events stored, duplicates absorbed and quarantined deliveries, all together."""
    stats = inbox.stats()
    quarantined = sum(row["count"] for row in inbox.quarantined(10_000))
    return stats.received + stats.duplicates + quarantined


def _is_object(raw: str) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False
