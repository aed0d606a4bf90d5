"""The failed-push list (reference section 6): events DingTalk could not deliver.

Read-once, at most 200 entries per call, oldest first; thread-safe because the HTTP API of the
emulator drains it while the gateway's event loop fills it.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class FailedPush:
    """One event whose delivery was given up."""

    event_type: str
    event_id: str
    born_millis: int
    payload: dict
    corp_id: str


def _payload_key(event_type: str) -> str:
    """6.1: approvals carry ``bpmsCallBackData``, role labels ``roleLabelChange``, all else
    ``callbackData``."""
    if event_type.startswith("bpms_"):
        return "bpmsCallBackData"
    if event_type.startswith("label_"):
        return "roleLabelChange"
    return "callbackData"


def old_api_entry(push: FailedPush) -> dict:
    """Entry shape of ``GET /call_back/get_call_back_failed_result`` (6.1)."""
    body = {"corpid": push.corp_id, _payload_key(push.event_type): push.payload}
    return {
        push.event_type: body,
        "call_back_tag": push.event_type,
        "event_time": push.born_millis,
    }


def new_api_entry(push: FailedPush) -> dict:
    """Entry shape of ``GET /v1.0/event/callbacks/failedResults`` (6.2): data as JSON text."""
    return {
        "callBackData": json.dumps(push.payload, ensure_ascii=False),
        "callBackTag": push.event_type,
        "corpId": push.corp_id,
        "eventTime": push.born_millis,
    }


def _check_page_size(max_items: int) -> int:
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, got {max_items}")
    return min(max_items, MAX_PAGE)


class FailedPushList:
    """Bounded, thread-safe, read-once queue of `FailedPush` entries."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._entries: deque[FailedPush] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.total_added = 0

    def add(self, push: FailedPush) -> None:
        """Record an undeliverable event."""
        with self._lock:
            self._entries.append(push)
            self.total_added += 1

    def __len__(self) -> int:
        return len(self._entries)

    def drain(self, max_items: int = MAX_PAGE) -> tuple[list[FailedPush], bool]:
        """Remove and return the oldest entries (at most 200) and whether more remain."""
        size = _check_page_size(max_items)
        with self._lock:
            taken = [self._entries.popleft() for _ in range(min(size, len(self._entries)))]
            return taken, bool(self._entries)

    def drain_between(
        self, begin_millis: int, end_millis: int, max_items: int = MAX_PAGE
    ) -> tuple[list[FailedPush], bool]:
        """Remove and return entries born in ``[begin, end]`` (ms) and whether more match."""
        size = _check_page_size(max_items)
        if begin_millis > end_millis:
            raise ValueError(f"beginTime {begin_millis} is after endTime {end_millis}")
        with self._lock:
            taken: list[FailedPush] = []
            kept: list[FailedPush] = []
            has_more = False
            for push in self._entries:
                in_range = begin_millis <= push.born_millis <= end_millis
                if in_range and len(taken) < size:
                    taken.append(push)
                    continue
                has_more = has_more or in_range
                kept.append(push)
            self._entries.clear()
            self._entries.extend(kept)
            return taken, has_more
