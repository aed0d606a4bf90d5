"""Refreshes of one day are merged into one run with the union of the users."""

from __future__ import annotations

import json
from datetime import date

from pipelines.refresh.actions import RefreshDay
from pipelines.refresh.coalesce import Coalescer

DAY = date(2026, 11, 2)


def test_union_of_users_within_the_window():
    coalescer = Coalescer()
    coalescer.add(RefreshDay(DAY, frozenset({"a"})), seq=1, now=100)
    coalescer.add(RefreshDay(DAY, frozenset({"b", "a"})), seq=5, now=110)
    assert coalescer.pop_due(now=120, window_seconds=30) == []
    [due] = coalescer.pop_due(now=130, window_seconds=30)
    assert due.users == {"a", "b"} and due.last_seq == 5 and due.events == 2
    assert len(coalescer) == 0


def test_whole_day_absorbs_user_sets():
    coalescer = Coalescer()
    coalescer.add(RefreshDay(DAY, frozenset({"a"})), seq=1, now=0)
    coalescer.add(RefreshDay(DAY, None), seq=2, now=0)
    coalescer.add(RefreshDay(DAY, frozenset({"c"})), seq=3, now=0)
    [due] = coalescer.pop_due(now=100, window_seconds=1)
    assert due.users is None


def test_state_survives_a_json_round_trip():
    coalescer = Coalescer()
    coalescer.add(RefreshDay(DAY, frozenset({"a"})), seq=1, now=0)
    restored = Coalescer(json.loads(json.dumps(coalescer.to_state())))
    restored.add(RefreshDay(DAY, frozenset({"b"})), seq=2, now=1)
    [due] = restored.pop_due(now=10, window_seconds=5)
    assert due.users == {"a", "b"}


def test_a_later_event_for_a_launched_day_starts_a_new_batch_with_a_higher_seq():
    coalescer = Coalescer()
    coalescer.add(RefreshDay(DAY, frozenset({"a"})), seq=1, now=0)
    first = coalescer.pop_due(now=10, window_seconds=5)[0]
    coalescer.add(RefreshDay(DAY, frozenset({"a"})), seq=9, now=11)
    second = coalescer.pop_due(now=20, window_seconds=5)[0]
    assert second.last_seq > first.last_seq


def test_the_widest_scope_asked_for_wins():
    coalescer = Coalescer()
    coalescer.add(RefreshDay(DAY, frozenset({"a"}), "checks"), seq=1, now=0)
    coalescer.add(RefreshDay(DAY, frozenset({"b"}), "full"), seq=2, now=0)
    coalescer.add(RefreshDay(DAY, frozenset({"c"}), "approvals"), seq=3, now=0)
    [due] = coalescer.pop_due(now=10, window_seconds=5)
    assert due.scope == "full"
    coalescer.add(RefreshDay(DAY, frozenset({"a"}), "checks"), seq=4, now=11)
    assert coalescer.pop_due(now=20, window_seconds=5)[0].scope == "checks"
