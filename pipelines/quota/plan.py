"""`plan`'s decision: the cheapest strategy that fits the edition and meets the freshness target,
or the freshest that fits when none meets it; the subscriptions that go with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.quota import governor, model
from pipelines.quota.editions import Edition

DEFAULT_DENSITY_SOURCE = "default (hourly, measured on the emulator)"


@dataclass
class Plan:
    """Every strategy's cost and the chosen one."""

    employees: int
    edition: Edition
    freshness_minutes: float
    strategies: list[model.StrategyCost]
    chosen: model.StrategyCost
    density_source: str = DEFAULT_DENSITY_SOURCE  # which punch-time density placed the polls

    def subscriptions(self) -> tuple[list[str], list[str]]:
        """(subscribe, do not subscribe) in the developer console for the chosen strategy."""
        make: list[str] = list(model.SUBSCRIBE_ALWAYS)
        skip = ["attendance_check_record", "attend_user_daily_summary_refresh"]
        if self.chosen.name == "push":
            make, skip = skip + make, []
        return make, skip

    def profile(self) -> dict[str, object]:
        """What the pipeline reads (ATTENDANCE_PROFILE)."""
        make, skip = self.subscriptions()
        return {
            "profile": self.chosen.name,
            "employees": self.employees,
            "edition": self.edition.name,
            "calls_quota": self.edition.calls,
            "pushes_quota": self.edition.pushes,
            "qps": self.edition.qps,
            "polls_per_day": self.chosen.polls_per_day,
            "reserve_calls": self.chosen.reserve,
            "p95_staleness_minutes": round(self.chosen.p95_minutes, 1),
            "density": self.density_source,
            "subscribe": make,
            "do_not_subscribe": skip,
        }


def _fewest_polls(
    employees: int, edition: Edition, freshness_minutes: float, density: Sequence[float]
) -> model.StrategyCost:
    """The poll strategy with the fewest polls a day that meet the target (all it can afford
    when none does): calls not needed for freshness stay unspent."""
    most = model.poll_cost(employees, edition, density=density)
    for polls in range(1, most.polls_per_day + 1):
        if model.planned_p95(polls, density) <= freshness_minutes:
            return model.poll_cost(employees, edition, polls, density)
    return most


def make_plan(
    employees: int,
    edition: Edition,
    freshness_minutes: float,
    density: Sequence[float] = governor.DEFAULT_DENSITY,
    density_source: str = DEFAULT_DENSITY_SOURCE,
) -> Plan:
    """Cost every strategy and choose one; polls are placed by `density` (the one the
    polling sensor will use: `pipelines.quota.density.density_in`)."""
    if employees <= 0:
        raise ValueError("employees must be > 0")
    strategies = [
        model.today_cost(employees),
        _fewest_polls(employees, edition, freshness_minutes, density),
        model.push_cost(employees, edition),
    ]
    frugal = [s for s in strategies[1:] if s.fits(edition) and s.polls_per_day >= 0]
    meeting = [s for s in frugal if s.p95_minutes <= freshness_minutes]
    if meeting:
        chosen = min(meeting, key=lambda s: (s.total_pushes, s.total_calls))
    elif frugal:
        chosen = min(frugal, key=lambda s: s.p95_minutes)
    else:
        chosen = strategies[1]  # nothing fits: poll, the governor stops at the reserve
    return Plan(employees, edition, freshness_minutes, strategies, chosen, density_source)
