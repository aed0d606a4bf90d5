"""The plan cache behaves the same on SQLite and PostgreSQL: plans are kept per user-day,
`forget` drops them per user (or for everyone) from a day on, and a pull that read DingTalk
before a forget cannot store what it read."""

from __future__ import annotations

from datetime import date

MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)


def test_plans_are_kept_per_user_day(state):
    with state.plan_cache() as cache:
        assert cache.read(MONDAY, ["u1"]) == {}
        assert cache.write(MONDAY, {"u1": '{"a":1}', "u2": '{"b":2}'}, cache.marker()) == 2
        cache.write(MONDAY, {"u1": '{"a":3}'}, cache.marker())  # replaced, not added
    with state.plan_cache() as reopened:
        assert reopened.read(MONDAY, ["u1", "u2", "u3"]) == {"u1": '{"a":3}', "u2": '{"b":2}'}
        assert reopened.read(TUESDAY, ["u1"]) == {}


def test_forget_drops_the_named_users_from_that_day_on(state):
    with state.plan_cache() as cache:
        for day in (MONDAY, TUESDAY):
            cache.write(day, {"u1": "{}", "u2": "{}"}, cache.marker())
        cache.forget(TUESDAY, ["u1"])
        assert set(cache.read(MONDAY, ["u1", "u2"])) == {"u1", "u2"}
        assert set(cache.read(TUESDAY, ["u1", "u2"])) == {"u2"}
        cache.forget(MONDAY, None)
        assert cache.read(MONDAY, ["u1", "u2"]) == {} == cache.read(TUESDAY, ["u2"])


def test_a_pull_older_than_a_forget_stores_nothing_for_the_forgotten(state):
    with state.plan_cache() as cache:
        before = cache.marker()
        cache.forget(MONDAY, ["u1"])
        assert cache.marker() > before
        assert cache.write(MONDAY, {"u1": "{}", "u2": "{}"}, before) == 1
        assert set(cache.read(MONDAY, ["u1", "u2"])) == {"u2"}
        cache.forget(TUESDAY, None)  # forgets everyone, but only from Tuesday on
        assert cache.write(MONDAY, {"u1": "{}"}, cache.marker()) == 1
        assert cache.write(TUESDAY, {"u2": "{}"}, before) == 0
        assert cache.write(TUESDAY, {"u2": "{}"}, cache.marker()) == 1
