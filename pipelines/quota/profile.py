"""The profile `plan` writes and the pipeline reads (ATTENDANCE_PROFILE, JSON)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pipelines.settings import Settings

PROFILE_FILENAME = "profile.json"
STRATEGIES = ("today", "poll", "push")
# Users whose report values are pulled on the frugal profiles to cross-check the derived figures.
DEFAULT_RECONCILIATION_SAMPLE = 5


class ProfileError(ValueError):
    """The profile file cannot be used; the message names ATTENDANCE_PROFILE and the file."""


@dataclass(frozen=True)
class Profile:
    """What the pipeline takes from the profile: the strategy and the month's budget."""

    strategy: str = "today"
    calls_quota: int = 5_000
    pushes_quota: int = 3_000
    polls_per_day: int = 0
    reserve_calls: int = 0
    reconciliation_sample: int = DEFAULT_RECONCILIATION_SAMPLE

    @property
    def frugal(self) -> bool:
        """Results and punches from one row-dense pull, report values only for a sample."""
        return self.strategy != "today"


def profile_path(data_dir: Path, configured: Path | None) -> Path:
    """ATTENDANCE_PROFILE when set, else `<data dir>/profile.json`."""
    return configured if configured is not None else data_dir / PROFILE_FILENAME


def write_profile(path: Path, profile: dict[str, Any]) -> None:
    """Write atomically (temporary file, then rename): a reader never sees half a profile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(profile, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def read_profile(path: Path) -> object:
    """The profile's JSON (any JSON value: validated by the caller), or None when `plan` has not
    written one (the pipeline keeps its defaults)."""
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_profile(path: Path) -> Profile:
    """The validated profile at `path`; today's defaults when there is no file."""
    try:
        document = read_profile(path)
    except (OSError, ValueError) as error:
        raise _bad(path, f"unreadable ({error.__class__.__name__}: {error})") from None
    if document is None:
        return Profile()
    if not isinstance(document, dict):
        raise _bad(path, "not a JSON object")
    document = cast(dict[str, Any], document)
    strategy = document.get("profile")
    if strategy not in STRATEGIES:
        raise _bad(path, f"profile {strategy!r} is not one of {', '.join(STRATEGIES)}")
    return Profile(
        strategy=strategy,
        calls_quota=_count(document, "calls_quota", path, Profile.calls_quota),
        pushes_quota=_count(document, "pushes_quota", path, Profile.pushes_quota),
        polls_per_day=_count(document, "polls_per_day", path, 0),
        reserve_calls=_count(document, "reserve_calls", path, 0),
        reconciliation_sample=_count(
            document, "reconciliation_sample", path, DEFAULT_RECONCILIATION_SAMPLE
        ),
    )


def _count(document: dict[str, Any], key: str, path: Path, default: int) -> int:
    value = document.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(path, f"{key} must be a whole number >= 0, not {value!r}")
    return value


def _bad(path: Path, reason: str) -> ProfileError:
    return ProfileError(
        f"ATTENDANCE_PROFILE {path}: {reason}; rerun `dingtalk-attendance plan` to rewrite it"
    )


def profile_file(settings: Settings) -> Path:
    """The profile file `settings` point at (ATTENDANCE_PROFILE, else the data dir's)."""
    return profile_path(Path(settings.attendance_data_dir), settings.attendance_profile)


def reconciliation_users(roster: list[str], size: int) -> list[str]:
    """`size` users spread evenly over the sorted roster (the same ones every run, so the
    reconciliation check compares the same people's report values month after month)."""
    if size <= 0 or not roster:
        return []
    ordered = sorted(roster)
    if size >= len(ordered):
        return ordered
    return sorted({ordered[i * len(ordered) // size] for i in range(size)})
