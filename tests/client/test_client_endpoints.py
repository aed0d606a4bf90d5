"""Endpoint methods split batches and windows, paginate, and count every call per endpoint."""

from __future__ import annotations

from datetime import date, datetime

from pipelines.days import SHANGHAI
from tests.client.fake_dingtalk import attendance_rows


def test_attendance_list_splits_users_and_weeks_and_pages(fake, make_client):
    client = make_client()
    users = [f"u{n:03d}" for n in range(120)]
    rows = client.list_attendance_results(users, date(2026, 11, 1), date(2026, 11, 9))
    expected = attendance_rows(users[:50], date(2026, 11, 1), date(2026, 11, 7))
    assert len(rows) == 120 * 9 * 2
    assert [row.id for row in rows[: len(expected)]] == [row["id"] for row in expected]
    assert len({row.id for row in rows}) == len(rows)
    # 3 user batches x 2 windows; pages of 50: 700+200, 700+200, 280+80 rows.
    assert fake.count("/attendance/list") == (14 + 4) * 2 + (6 + 2)


def test_calls_spent_in_a_block_are_reported_per_endpoint(fake, make_client):
    client = make_client()
    mark = client.calls_mark()
    client.list_attendance_results(["u1"], date(2026, 11, 1), date(2026, 11, 2))
    client.list_on_job_user_ids()
    spent = client.calls_since(mark)
    assert spent.metered == {"/attendance/list": 1}  # queryonjob and token are not metered
    assert spent.by_outcome[("/topapi/smartwork/hrm/employee/queryonjob", "ok")] == 3
    assert client.ledger.month_to_date() == {"/attendance/list": 1}


def test_on_job_users_follow_next_cursor(fake, make_client):
    users = make_client().list_on_job_user_ids()
    assert users == [f"user{n:03d}" for n in range(120)]


def test_leave_status_batches_100_users_pages_of_20_and_dedupes_windows(fake, make_client):
    client = make_client()
    users = [f"u{n}" for n in range(130)]
    start = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    found = client.get_leave_status(users, start, datetime(2026, 9, 1, tzinfo=SHANGHAI))
    # The fake answers every window with the same leaves: two windows, one copy each.
    assert len(found) == 130
    assert fake.count("/topapi/attendance/getleavestatus") == 2 * (5 + 2)


def test_column_values_merge_windows_into_one_series_per_column(fake, make_client):
    client = make_client()
    series = client.get_column_values("u1", list(range(1, 26)), date(2026, 1, 1), date(2026, 2, 10))
    assert len(series) == 25
    assert len(series[0].values) == 41 and series[0].values[-1].date.date() == date(2026, 2, 10)
    assert fake.count("/topapi/attendance/getcolumnval") == 2 * 2


def test_failed_push_page_is_returned_raw(fake, make_client):
    page = make_client().fetch_failed_push_page()
    assert page["has_more"] is False and page["failed_list"] == []


def test_empty_user_lists_cost_no_call(fake, make_client):
    client = make_client()
    assert client.list_attendance_results([], date(2026, 11, 1), date(2026, 11, 2)) == []
    assert fake.requests == []
