"""The polling decisions: the budget keeps the reserve and the daily closes, polls are due at
the governor's moments in work hours, starvation needs a connected listener and unpushed
punches. And the per-poll cost the budget divides by is what a poll spends against the
emulator: listRecord only, the day's plans kept from the settlement (or the day's first poll),
re-read for a user once an approval touched them."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest

from pipelines.days import SHANGHAI, DayRange
from pipelines.dingtalk import DingTalkClient
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState
from pipelines.extract.strategies.plans import PlanCache, Plans
from pipelines.extract.strategies.pull import load_results_and_punches
from pipelines.quota import governor, polling
from pipelines.quota.profile import Profile
from pipelines.refresh.actions import ResolveApproval
from pipelines.refresh.resolution import resolve_approvals
from pipelines.state.factory import StateLocation
from pipelines.warehouse.store import ParquetStore

POLL = Profile(strategy="poll", calls_quota=5_000, polls_per_day=50, reserve_calls=400)
MONDAY = date(2026, 11, 16)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_polls_never_spend_the_reserve_or_the_daily_closes():
    plenty = polling.budget(POLL, used=0, employees=200, today=MONDAY)
    assert plenty.work_days_left == 11 and plenty.per_poll == 4 and plenty.fixed_per_day == 10
    # (5,000 - 400 reserve - 11 daily closes of 10) // (4 calls a poll x 11 days) = 102: the
    # profile's 50 a day are what bounds the polls.
    assert plenty.polls_per_day() == 102
    assert polling.polls_today(POLL, plenty.polls_per_day(), starved=False) == 50
    # What is left is the reserve plus the remaining daily closes: no poll at all.
    floor = POLL.reserve_calls + plenty.fixed_per_day * plenty.work_days_left
    spent = polling.budget(POLL, used=5_000 - floor, employees=200, today=MONDAY)
    assert spent.polls_per_day() == 0
    assert polling.polls_today(POLL, spent.polls_per_day(), starved=False) == 0
    thin = polling.budget(POLL, used=5_000 - floor - 4 * 11 * 3, employees=200, today=MONDAY)
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


def test_the_days_last_poll_at_work_end_is_made():
    # The governor places the last poll at 20:00 itself; outside the sensor's window it was
    # never made and the evening's punches waited for the settlement (docs/quota.md).
    moments = governor.poll_times(MONDAY, 40)
    assert moments[-1] == at(20)
    assert polling.due_poll(at(20), moments[-2], 40) == at(20)
    late_tick = at(20) + polling.LAST_POLL_GRACE
    assert polling.in_poll_hours(late_tick)
    assert polling.due_poll(late_tick, moments[-2], 40) == at(20)
    assert polling.due_poll(late_tick + timedelta(seconds=1), moments[-2], 40) is None
    assert polling.due_poll(at(20, 5), at(20), 40) is None  # made once


def test_starvation_needs_a_connection_work_time_and_unpushed_punches():
    pushed, polled = at(9, 0), at(9, 40)
    starving = polling.StreamHealth(True, pushed, polled)
    assert polling.is_starved(starving, at(9, 45))
    assert not polling.is_starved(polling.StreamHealth(False, pushed, polled), at(9, 45))
    assert not polling.is_starved(polling.StreamHealth(True, at(9, 30), polled), at(9, 45))
    assert not polling.is_starved(starving, at(21))
    assert polling.is_starved(polling.StreamHealth(True, None, polled), at(9, 45))


EMPLOYEES = 200
START = date(2026, 11, 1)
TUESDAY = date(2026, 11, 3)  # no approval in effect on it for these 200 (seed 7)
THURSDAY = date(2026, 11, 5)
LIST_RECORD = "/attendance/listRecord"
SCHEDULES = "/topapi/attendance/schedule/listbyusers"
LEAVES = "/topapi/attendance/getleavestatus"
OFFICIAL = "/attendance/list"
COMPARED = ("time_result", "source_type", "user_check_time", "record_id", "proc_inst_id")


class Org:
    """The emulator of 200 employees, a client on it, a warehouse and a plan cache."""

    def __init__(self, tmp_path) -> None:
        clock = datetime.combine(START, time(), tzinfo=SHANGHAI)
        config = EmulatorConfig(
            employees=EMPLOYEES, start=START, days=30, qps_per_api=1e6, clock_start=clock
        )
        self.state = EmulatorState(config)
        self.client = DingTalkClient(
            self.state.client_id, self.state.client_secret, "http://emu", "http://emu/oapi",
            qps_per_api=1e6, transport=mock_transport(self.state),
        )  # fmt: skip
        self.users = self.client.list_on_job_user_ids()
        self.store = ParquetStore(tmp_path)
        self.cache: PlanCache = StateLocation(tmp_path).plan_cache()

    def pull(self, first: date, last: date, at: datetime, poll: bool) -> tuple[dict, list]:
        """One frugal pull as the pipeline runs it: (metered calls by API, result rows)."""
        self.state.clock.move_to(at)
        with self.client.track_calls() as spent:
            pulled = load_results_and_punches(
                self.client, self.store, DayRange(first, last), self.state.org.admin_userid,
                self.users, self.state.now(), Plans(self.cache, reuse=poll),
            )  # fmt: skip
        return dict(spent.metered), pulled.results

    def truth(self, day: date) -> dict:
        """attendance/list of the day at the emulator's clock (not counted)."""
        rows = self.client.list_attendance_results(self.users, day, day)
        return {(r.user_id, r.plan_id): r for r in rows}


def on(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def differing(mine: list, truth: dict) -> set:
    rows = {(r.user_id, r.plan_id): r for r in mine}
    keys = rows.keys() | truth.keys()
    return {
        k
        for k in keys
        if k not in rows or k not in truth or any(
            getattr(rows[k], f) != getattr(truth[k], f) for f in COMPARED
        )
    }  # fmt: skip


@pytest.fixture
def org(tmp_path):
    made = Org(tmp_path)
    yield made
    made.cache.close()
    made.client.close()


def test_a_poll_after_the_settlement_costs_listrecord_only(org):
    # The settlement at 06:30 closes yesterday and reads today's plans in the same windows.
    yesterday = TUESDAY - timedelta(days=1)
    settled, _ = org.pull(yesterday, yesterday, on(TUESDAY, 6, 30), poll=False)
    assert settled[SCHEDULES] == math.ceil(EMPLOYEES / 50) and settled[LEAVES] == 2
    for hour in (9, 11, 15):
        spent, rows = org.pull(TUESDAY, TUESDAY, on(TUESDAY, hour), poll=True)
        assert spent == {LIST_RECORD: math.ceil(EMPLOYEES / 50)}
        assert sum(spent.values()) == polling.poll_cost(EMPLOYEES) == 4
        assert rows and not differing(rows, org.truth(TUESDAY))


def test_without_a_settlement_the_first_poll_of_the_day_reads_the_plans_once(org):
    first, _ = org.pull(TUESDAY, TUESDAY, on(TUESDAY, 9), poll=True)
    assert first == {LIST_RECORD: 4, SCHEDULES: 4, LEAVES: 2}
    later, _ = org.pull(TUESDAY, TUESDAY, on(TUESDAY, 10), poll=True)
    assert later == {LIST_RECORD: polling.poll_cost(EMPLOYEES)}
    # The daily close never trusts kept plans: it reads them again.
    closed, rows = org.pull(TUESDAY, TUESDAY, on(TUESDAY + timedelta(days=1), 6, 30), poll=False)
    assert closed[SCHEDULES] == 4 and closed[LEAVES] == 2
    assert not differing(rows, org.truth(TUESDAY))


def test_an_approval_makes_the_next_poll_reread_that_users_plans(org):
    # A day's leave, approved at 10:00 on the day itself (the emulator approves it earlier).
    leave = next(
        a for a in org.state.org.approvals
        if a.kind == "leave" and THURSDAY in a.per_day and a.revoked_at is None
        and a.begin.date() == a.end.date() == THURSDAY
    )  # fmt: skip
    leave.finished_at = on(THURSDAY, 10)
    wednesday = THURSDAY - timedelta(days=1)
    org.pull(wednesday, wednesday, on(THURSDAY, 6, 30), poll=False)
    before, _ = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 9), poll=True)
    assert before[LIST_RECORD] == 4 and SCHEDULES not in before
    # 11:00, the leave in effect: plans kept from 06:30 miss it, the user's rows are wrong.
    org.state.clock.move_to(on(THURSDAY, 11))
    stale_marker = org.cache.marker()
    _, stale = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 11), poll=True)
    assert {user for user, _ in differing(stale, org.truth(THURSDAY))} == {leave.userid}
    # The approval event, resolved as approval_resolution does, forgets that user's plans.
    fetch = lambda pid: org.client.get_process_instance(pid).model_dump(by_alias=True, mode="json")  # noqa: E731
    change = ResolveApproval(leave.proc_inst_id, "LEAVE", "finish")
    resolution = resolve_approvals([change], fetch, lambda _pid: set())
    assert {r.work_date for r in resolution.requests} == {THURSDAY}
    for request in resolution.requests:
        org.cache.forget(request.work_date, request.users)
    assert org.cache.marker() > stale_marker
    spent, rows = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 11, 5), poll=True)
    assert spent[LIST_RECORD] == 4 and spent[SCHEDULES] == 1 and spent[LEAVES] == 1
    assert not differing(rows, org.truth(THURSDAY))
    assert {r.source_type for r in rows if r.user_id == leave.userid} == {"APPROVE"}
    # Re-read once: the next poll is listRecord only, the leave's answer kept until its
    # OffDuty point passes (18:00), when attendance/list is asked again.
    again, rows = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 12), poll=True)
    assert again == {LIST_RECORD: polling.poll_cost(EMPLOYEES)}
    assert not differing(rows, org.truth(THURSDAY))
    evening, rows = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 18, 30), poll=True)
    assert evening[LIST_RECORD] == 4 and evening[OFFICIAL] >= 1 and SCHEDULES not in evening
    assert not differing(rows, org.truth(THURSDAY))


def test_attendance_list_answers_are_kept_until_they_can_change(org):
    wednesday = THURSDAY - timedelta(days=1)
    org.pull(wednesday, wednesday, on(THURSDAY, 6, 30), poll=False)
    # Thursday has leaves: the first poll asks attendance/list for those user-days...
    first, rows = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 11, 1), poll=True)
    assert first[LIST_RECORD] == 4 and first[OFFICIAL] >= 1
    assert not differing(rows, org.truth(THURSDAY))
    # ...the next one, with no planned point and no punch of theirs since, reuses the answers.
    second, rows = org.pull(THURSDAY, THURSDAY, on(THURSDAY, 11, 6), poll=True)
    assert second == {LIST_RECORD: polling.poll_cost(EMPLOYEES)}
    assert not differing(rows, org.truth(THURSDAY))
