"""The profile `plan` writes and the pipeline reads (ATTENDANCE_PROFILE, JSON)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PROFILE_FILENAME = "profile.json"


def profile_path(data_dir: Path, configured: Path | None) -> Path:
    """ATTENDANCE_PROFILE when set, else `<data dir>/profile.json`."""
    return configured if configured is not None else data_dir / PROFILE_FILENAME


def write_profile(path: Path, profile: dict[str, Any]) -> None:
    """Write atomically (temporary file, then rename): a reader never sees half a profile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(profile, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def read_profile(path: Path) -> dict[str, Any] | None:
    """The profile, or None when `plan` has not written one (the pipeline keeps its defaults)."""
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
