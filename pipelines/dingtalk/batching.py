"""Batch and window splitting, and pagination generators, as pure functions.

DingTalk caps every query: <= 50 users and <= 7 inclusive days for `attendance/list` and
`listRecord`, <= 20 columns or leave names and <= 31 days for the report APIs, <= 100 users and
<= 180 days for `getleavestatus` (reference section 7). Splitting here keeps the client honest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

MAX_USERS_PER_CALL = 50
MAX_USERS_LEAVE_STATUS = 100
MAX_NAMES_PER_CALL = 20
MAX_DAYS_ATTENDANCE = 7
MAX_DAYS_REPORT = 31
MAX_SPAN_LEAVE_STATUS = timedelta(days=180)
PAGE_SIZE_ATTENDANCE_LIST = 50
PAGE_SIZE_LEAVE_STATUS = 20
# vacation/quota/list: 50 users a call [C]; 50 a page on open.dingtalk.com, 200 on the older
# SDK page [I]: the stricter one.
PAGE_SIZE_VACATION_QUOTAS = 50
PAGE_SIZE_QUERY_ON_JOB = 50
PAGE_SIZE_DEPARTMENT_USERS = 100
# A paginating endpoint that keeps saying "more" must not loop forever.
MAX_PAGES = 10_000


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """Split `items` into lists of at most `size`, keeping order and dropping duplicates."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    unique = list(dict.fromkeys(items))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def split_days(date_from: date, date_to: date, max_days: int) -> list[tuple[date, date]]:
    """Split the inclusive range [date_from, date_to] into inclusive windows of <= `max_days`."""
    if max_days < 1:
        raise ValueError(f"window length must be at least 1 day, got {max_days}")
    if date_from > date_to:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}")
    windows: list[tuple[date, date]] = []
    start = date_from
    while start <= date_to:
        end = min(start + timedelta(days=max_days - 1), date_to)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def split_span(
    start: datetime, end: datetime, max_span: timedelta
) -> list[tuple[datetime, datetime]]:
    """Split [start, end] into consecutive windows no longer than `max_span`."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while True:
        stop = min(cursor + max_span, end)
        windows.append((cursor, stop))
        if stop >= end:
            return windows
        cursor = stop


@dataclass(frozen=True)
class Page:
    """One page of a paginated answer: its items and how to ask for the next one."""

    items: list[Any]
    has_more: bool = False
    next_cursor: Any = None


def iter_offset_pages(fetch: Callable[[int, int], Page], page_size: int) -> Iterator[list[Any]]:
    """Yield pages from an `offset`/`limit` + `hasMore` (or `has_more`) endpoint.

    Args:
        fetch: called with (offset, page_size); returns a Page.
        page_size: the page size to ask for; the next offset is offset + page_size.
    """
    offset = 0
    for _ in range(MAX_PAGES):
        page = fetch(offset, page_size)
        yield page.items
        if not page.has_more or not page.items:
            return
        offset += page_size
    raise RuntimeError(f"pagination did not end after {MAX_PAGES} pages")


def iter_cursor_pages(fetch: Callable[[Any], Page], first_cursor: Any = 0) -> Iterator[list[Any]]:
    """Yield pages from a `next_cursor` endpoint; paging ends when the cursor is absent."""
    cursor = first_cursor
    for _ in range(MAX_PAGES):
        page = fetch(cursor)
        yield page.items
        if page.next_cursor is None or page.next_cursor == cursor or not page.items:
            return
        cursor = page.next_cursor
    raise RuntimeError(f"pagination did not end after {MAX_PAGES} pages")
