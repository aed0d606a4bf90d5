"""`.env.example` and the README's configuration table list the same variables, so a setting
cannot be added to one and forgotten in the other."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def env_example_variables() -> set[str]:
    """The variables `.env.example` sets (its commented-out tuning lines are not counted)."""
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def readme_table_variables() -> set[str]:
    """The variables in the rows of the README's `| variable | default | what |` table."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("| variable | default | what |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", table, flags=re.MULTILINE))


def test_env_example_and_the_readme_table_name_the_same_variables():
    assert env_example_variables() == readme_table_variables()
    assert "ATTENDANCE_STATE_URL" in env_example_variables()
