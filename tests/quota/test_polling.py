"""The polling decisions: the budget keeps the reserve and the daily closes, polls are due at
the governor's moments in work hours, starvation needs a connected listener and unpushed
punches."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipelines.days import SHANGHAI
from pipelines.quota import governor, polling
from pipelines.quota.profile import Profile

POLL = Profile(strategy="poll", calls_quota=5_000, polls_per_day=50, reserve_calls=400)
MONDAY = date(2026, 11, 16)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_polls_never_spend_the_reserve_or_the_daily_closes():
    plenty = polling.budget(POLL, used=0, employees=200, today=MONDAY)
    assert plenty.work_days_left == 11 and plenty.per_poll == 10
    # (5,000 - 400 reserve - 11 daily closes of 10) // (10 calls a poll x 11 days) = 40 < 50
    assert polling.polls_today(POLL, plenty.polls_per_day(), starved=False) == 40
    # What is left is the reserve plus the remaining daily closes: no poll at all.
    floor = POLL.reserve_calls + plenty.fixed_per_day * plenty.work_days_left
    spent = polling.budget(POLL, used=5_000 - floor, employees=200, today=MONDAY)
    assert spent.polls_per_day() == 0
    assert polling.polls_today(POLL, spent.polls_per_day(), starved=False) == 0
    thin = polling.budget(POLL, used=5_000 - floor - 10 * 11 * 3, employees=200, today=MONDAY)
    assert thin.polls_per_day() == 3  # three polls a day fit in what is above the floor


def test_a_push_profile_probes_hourly_and_polls_fully_once_starved():
    push = Profile(strategy="push", polls_per_day=0)
    assert polling.polls_today(push, 80, starved=False) == polling.PROBES_PER_DAY
    assert polling.polls_today(push, 80, starved=True) == 80
    assert polling.polls_today(Profile(), 80, starved=False) == 0


def test_a_poll_is_due_at_the_governors_moments_only_in_work_hours():
    moments = governor.poll_times(MONDAY, 12)
    first = moments[0]
    assert polling.due_poll(first - timedelta(minutes=1), None, 12) is None
    assert polling.due_poll(first, None, 12) == first
    assert polling.due_poll(first + timedelta(minutes=1), first, 12) is None
    assert polling.due_poll(at(21), None, 12) is None
    assert polling.due_poll(at(10, day=date(2026, 11, 21)), None, 12) is None  # Saturday
    # Concentrated where punches cluster: more polls in 08-10 than in 12-14.
    morning = [t for t in moments if t.hour < 10]
    noon = [t for t in moments if 12 <= t.hour < 14]
    assert len(morning) > len(noon) > 0


def test_starvation_needs_a_connection_work_time_and_unpushed_punches():
    pushed, polled = at(9, 0), at(9, 40)
    starving = polling.StreamHealth(True, pushed, polled)
    assert polling.is_starved(starving, at(9, 45))
    assert not polling.is_starved(polling.StreamHealth(False, pushed, polled), at(9, 45))
    assert not polling.is_starved(polling.StreamHealth(True, at(9, 30), polled), at(9, 45))
    assert not polling.is_starved(starving, at(21))
    assert polling.is_starved(polling.StreamHealth(True, None, polled), at(9, 45))
