"""Failed-push reconciliation's own tests, unchanged, on both backends (the raw pages on
PostgreSQL are bytes)."""

from __future__ import annotations

import json

from tests.refresh.test_failed_push import (  # noqa: F401 - collected here, on both backends
    test_an_event_already_received_over_stream_is_not_stored_again,
    test_entries_become_failed_push_events_draining_while_has_more,
    test_raw_pages_are_stored_before_parsing_and_a_crash_is_resumed,
    test_the_same_entry_read_twice_is_stored_once,
    test_unusable_entries_are_quarantined_with_a_reason,
)


def test_pages_round_trip_text_and_mark_processed(pages):
    first = pages.save({"errcode": 0, "failed_list": [{"name": "张三", "x": "\u2028"}]})
    second = pages.save({"errcode": 0, "failed_list": []})
    assert [page_id for page_id, _ in pages.unprocessed()] == [first, second]
    assert pages.unprocessed()[0][1]["failed_list"][0]["name"] == "张三"
    pages.mark_processed(first)
    assert [page_id for page_id, _ in pages.unprocessed()] == [second]
    assert pages.last_fetch_ms() is not None


def test_no_page_means_never_fetched(pages):
    assert pages.last_fetch_ms() is None and pages.unprocessed() == []


def test_raw_bytes_are_stored_as_sent_on_both_backends(pages):
    body = b'{"errcode": 0, "failed_list": [{"userid": "u\\ud800"}], "has_more": false}'
    page_id = pages.save(body)
    assert pages.unprocessed() == [(page_id, json.loads(body))]
