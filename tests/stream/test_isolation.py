"""One hostile event never costs its batch-mates: it alone is quarantined, they are stored.

Lone UTF-16 surrogates (valid JSON, unencodable in SQLite's UTF-8), nesting about 1,000 levels
deep, frames over the size limit, and the byte budget that bounds the memory in flight.
"""

from __future__ import annotations

import asyncio
import json

from pipelines.stream.client import OVERSIZED_KEPT
from pipelines.stream.inbox import Inbox
from tests.stream.test_client import FakeSocket, SlowHandler, client_for
from tests.stream.test_handler import GOOD, Harness, status, wire_frame


def _batch_with(poison: str, mates: int = 30) -> list[str]:
    raws = [wire_frame(f"e{i}", f"m{i}", GOOD) for i in range(mates)]
    raws.insert(mates // 2, poison)
    return raws


def test_a_lone_surrogate_is_quarantined_and_its_batch_mates_stored_and_acked(tmp_path):
    poison = wire_frame("bad", "m-bad", {"workDate": "2026-11-27", "userId": "u\ud800"})
    assert "\\ud800" in poison  # valid JSON text: the surrogate travels as an escape
    with Inbox.in_data_dir(tmp_path) as inbox:
        harness = Harness(inbox)
        acks = asyncio.run(harness.deliver(*_batch_with(poison)))
        assert all(status(ack) == "SUCCESS" for ack in acks)
        assert inbox.stats().received == 30
        (row,) = inbox.quarantined()
        assert "cannot be stored" in row["reason"] and row["message_id"] == "m-bad"
        assert harness.writer.rejected == 1 and harness.handler.counters.deferred == 0


def test_a_frame_nested_1000_deep_is_quarantined_and_acked_with_its_batch_mates(tmp_path):
    deep = "[" * 1000 + "]" * 1000
    poison = (
        '{"type": "EVENT", "headers": {"messageId": "m-deep", "eventId": "deep"}, "data": '
        + deep
        + "}"
    )
    nested_data = wire_frame(
        "e-nest", "m-nest", {**GOOD, "extra": json.loads("[" * 900 + "]" * 900)}
    )
    with Inbox.in_data_dir(tmp_path) as inbox:
        acks = asyncio.run(Harness(inbox).deliver(*_batch_with(poison), nested_data))
        assert all(ack is not None and status(ack) == "SUCCESS" for ack in acks)
        reasons = {row["message_id"]: row["reason"] for row in inbox.quarantined()}
        assert "nested too deeply" in reasons["m-deep"]
        stored = {event.event_id for event in inbox.read_after(0, limit=100)}
        assert {f"e{i}" for i in range(30)} <= stored
        assert ("e-nest" in stored) != ("m-nest" in reasons)  # stored or quarantined, not both


def test_an_oversized_frame_is_recorded_with_size_and_id_and_acked(tmp_path):
    big = wire_frame("e-big", "m-big", {**GOOD, "blob": "x" * (5 * 2**20)})
    socket_ = FakeSocket([wire_frame("e1", "m1", GOOD), big, wire_frame("e2", "m2", GOOD)])
    client = client_for("http://127.0.0.1:9", tmp_path)
    handler = client.event_handler

    async def pump() -> None:
        handler.writer.start()
        await client._pump(socket_)
        await client._drain()
        await handler.writer.close()

    asyncio.run(pump())
    answered = {json.loads(ack)["headers"]["messageId"] for ack in socket_.sent}
    assert answered == {"m1", "m-big", "m2"}
    (row,) = handler.inbox.quarantined()
    assert row["message_id"] == "m-big" and f"{len(big)} bytes" in row["reason"]
    assert len(row["raw"]) == OVERSIZED_KEPT and handler.counters.oversized == 1
    assert handler.inbox.stats().received == 2


def test_frames_in_flight_are_bounded_by_bytes_not_only_by_count(tmp_path):
    handler = SlowHandler()
    frame = json.dumps(
        {"type": "EVENT", "headers": {"messageId": "m"}, "data": json.dumps({"x": "y" * 300_000})}
    )
    client = client_for(
        "http://127.0.0.1:9", tmp_path, handler=handler, max_bytes_in_flight=1_000_000
    )

    async def pump() -> None:
        await client._pump(FakeSocket([frame] * 20))
        await client._drain()

    asyncio.run(pump())
    assert handler.handled == 20
    assert handler.peak == 3  # 3 x 300 kB fit in 1 MB; the frame count limit (1024) does not bind
    assert client._bytes.peak <= 1_000_000
