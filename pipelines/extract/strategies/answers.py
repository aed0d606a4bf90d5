"""attendance/list's answers for the untrusted user-days, kept between polls.

A user-day the reconstruction cannot be trusted with (an approval bound, a leave, ambiguous
punches: see `reconstruct`) is asked of attendance/list. On most days some user has a leave,
so without this every poll would cost one attendance/list call on top of its ceil(N/50)
listRecord calls (a 25 % surcharge at 200 employees). What DingTalk shows for such a user-day
changes only when a planned check point of it passes, when the user punches, when the day's
cut-off passes or when an approval changes (which forgets the whole plan, answer included);
a poll asks again only then, and reuses the kept answer otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime

from pipelines.dingtalk.models import AttendanceResult, PunchRecord
from pipelines.extract.strategies.plans import Answer, DayPlan, PlanCache, PlanSet, encode_plan
from pipelines.extract.strategies.reconstruct import UserDay, cutoff_for

# Asks attendance/list for exactly these user-days.
Ask = Callable[[set[UserDay]], list[AttendanceResult]]
# The same, given the punches the pull saw (what `pull_results` calls).
AskSeeing = Callable[[set[UserDay], Sequence[PunchRecord]], list[AttendanceResult]]


def punch_ids(punches: Sequence[PunchRecord]) -> dict[str, list[int]]:
    """Each user's punch ids in the pull (a new one may change what DingTalk shows)."""
    found: dict[str, list[int]] = defaultdict(list)
    for punch in punches:
        found[punch.user_id].append(punch.id)
    return {user: sorted(ids) for user, ids in found.items()}


def still_valid(plan: DayPlan, punches: list[int], now: datetime) -> bool:
    """Whether the kept answer is what attendance/list would say now."""
    answer = plan.answer
    if answer is None or answer.punch_ids != punches:
        return False
    points = [p for p in plan.schedules if p.is_rest != "Y" and p.shift_id and p.plan_check_time]
    moments = [p.plan_check_time for p in points if p.plan_check_time is not None]
    if points:
        moments.append(cutoff_for(points))
    return not any(answer.asked_at < moment <= now for moment in moments)


def kept_answers(cache: PlanCache, plans: PlanSet, ask: Ask, now: datetime) -> AskSeeing:
    """An `ask` for a poll: the kept answers still valid, attendance/list for the rest (then
    kept with the plan, unless the plan was forgotten meanwhile)."""

    def answer(untrusted: set[UserDay], punches: Sequence[PunchRecord]) -> list[AttendanceResult]:
        seen = punch_ids(punches)
        rows: list[AttendanceResult] = []
        stale: set[UserDay] = set()
        for user, day in untrusted:
            plan = plans.by_user_day.get((user, day))
            if plan is not None and plan.answer and still_valid(plan, seen.get(user, []), now):
                rows.extend(plan.answer.rows)
            else:
                stale.add((user, day))
        if not stale:
            return rows
        marker = cache.marker()
        fresh = ask(stale)
        rows.extend(fresh)
        _keep(cache, plans, stale, fresh, seen, now, marker)
        return rows

    return answer


def _keep(
    cache: PlanCache,
    plans: PlanSet,
    asked: set[UserDay],
    rows: list[AttendanceResult],
    seen: dict[str, list[int]],
    now: datetime,
    marker: int,
) -> None:
    by_user_day: dict[UserDay, list[AttendanceResult]] = defaultdict(list)
    for row in rows:
        by_user_day[(row.user_id, row.work_date)].append(row)
    by_day: dict[date, dict[str, str]] = defaultdict(dict)
    for user, day in asked:
        plan = plans.by_user_day.get((user, day))
        if plan is None:
            continue
        plan.answer = Answer(now, seen.get(user, []), by_user_day.get((user, day), []))
        by_day[day][user] = encode_plan(plan)
    for day, encoded in by_day.items():
        cache.write(day, encoded, marker)
