"""Batch/window splitting respects DingTalk's caps and pagination generators stop correctly."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.dingtalk import batching
from pipelines.dingtalk.batching import (
    Page,
    chunked,
    iter_cursor_pages,
    iter_offset_pages,
    split_days,
    split_span,
)


def test_chunked_caps_batches_and_drops_duplicates():
    users = [f"u{n}" for n in range(120)] + ["u0"]
    batches = chunked(users, 50)
    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert [user for batch in batches for user in batch] == users[:120]


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    length=st.integers(min_value=0, max_value=400),
    max_days=st.integers(min_value=1, max_value=40),
)
def test_split_days_covers_every_day_once_within_the_cap(start, length, max_days):
    end = start + timedelta(days=length)
    windows = split_days(start, end, max_days)
    covered = [w0 + timedelta(days=n) for w0, w1 in windows for n in range((w1 - w0).days + 1)]
    assert covered == [start + timedelta(days=n) for n in range(length + 1)]
    assert all((w1 - w0).days + 1 <= max_days for w0, w1 in windows)


def test_seven_day_windows_are_inclusive():
    assert split_days(date(2026, 11, 1), date(2026, 11, 9), 7) == [
        (date(2026, 11, 1), date(2026, 11, 7)),
        (date(2026, 11, 8), date(2026, 11, 9)),
    ]


def test_reversed_ranges_are_a_clear_error():
    with pytest.raises(ValueError, match="after"):
        split_days(date(2026, 11, 2), date(2026, 11, 1), 7)


def test_split_span_never_exceeds_the_span():
    start = datetime(2026, 1, 1)
    windows = split_span(start, start + timedelta(days=400), timedelta(days=180))
    assert [w1 - w0 for w0, w1 in windows] == [timedelta(days=180)] * 2 + [timedelta(days=40)]
    assert windows[0][0] == start and windows[-1][1] == start + timedelta(days=400)


def test_offset_pages_advance_by_the_page_size_until_has_more_is_false():
    asked = []

    def fetch(offset, limit):
        asked.append(offset)
        items = list(range(offset, min(offset + limit, 120)))
        return Page(items, has_more=offset + limit < 120)

    pages = list(iter_offset_pages(fetch, 50))
    assert asked == [0, 50, 100]
    assert [item for page in pages for item in page] == list(range(120))


def test_offset_pages_stop_on_an_empty_page_even_if_more_is_claimed():
    pages = list(iter_offset_pages(lambda offset, limit: Page([], has_more=True), 50))
    assert pages == [[]]


def test_cursor_pages_end_when_the_cursor_is_absent():
    def fetch(cursor):
        items = list(range(cursor, min(cursor + 50, 120)))
        return Page(items, next_cursor=cursor + 50 if cursor + 50 < 120 else None)

    assert sum(iter_cursor_pages(fetch), []) == list(range(120))


def test_endless_pagination_is_cut_off(monkeypatch):
    monkeypatch.setattr(batching, "MAX_PAGES", 5)
    with pytest.raises(RuntimeError, match="did not end"):
        list(iter_offset_pages(lambda offset, limit: Page([1], has_more=True), 1))
