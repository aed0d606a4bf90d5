"""The profile loader: defaults without a file, validation with a one-line error naming
ATTENDANCE_PROFILE, the frugal switch and the reconciliation sample."""

from __future__ import annotations

import json

import pytest

from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan
from pipelines.quota.profile import (
    Profile,
    ProfileError,
    load_profile,
    reconciliation_users,
    write_profile,
)


def test_no_file_keeps_todays_defaults(tmp_path):
    profile = load_profile(tmp_path / "profile.json")
    assert profile == Profile() and not profile.frugal


def test_the_plans_profile_loads_frugal(tmp_path):
    path = tmp_path / "profile.json"
    write_profile(path, make_plan(200, edition("standard"), 15).profile())
    profile = load_profile(path)
    assert profile.frugal and profile.strategy == "poll"
    assert profile.calls_quota == 5_000 and profile.polls_per_day > 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "unreadable"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"profile": "cheap"}), "profile 'cheap'"),
        (json.dumps({"profile": "poll", "calls_quota": -1}), "calls_quota"),
        (json.dumps({"profile": "poll", "polls_per_day": "many"}), "polls_per_day"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_variable(tmp_path, text, reason):
    path = tmp_path / "profile.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    message = str(raised.value)
    assert message.startswith(f"ATTENDANCE_PROFILE {path}: ") and reason in message
    assert "\n" not in message


def test_the_reconciliation_sample_is_spread_and_stable():
    roster = [f"u{i:03d}" for i in range(200)]
    sample = reconciliation_users(list(reversed(roster)), 5)
    assert sample == ["u000", "u040", "u080", "u120", "u160"]
    assert reconciliation_users(roster[:3], 5) == roster[:3]
    assert reconciliation_users(roster, 0) == []
