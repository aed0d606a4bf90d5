"""The type check gates CI, and its strict list names real paths (issue 10, item 6).

basedpyright skips a `strict` entry that matches nothing, so a moved or renamed package would
silently leave strict mode; and an `|| true`-style escape in the CI script would let a type
error through.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "basedpyright"
    ]


def test_every_strict_path_exists_inside_the_checked_tree() -> None:
    config = _config()
    strict, include = config["strict"], config["include"]
    assert isinstance(strict, list) and strict
    for entry in strict:
        assert (ROOT / entry).exists(), f"strict path {entry} does not exist"
        assert entry.split("/")[0] in include, f"strict path {entry} is not checked at all"


def test_the_whole_tree_is_checked_at_least_in_standard_mode() -> None:
    config = _config()
    assert config["typeCheckingMode"] in ("standard", "strict")
    assert sorted(config["include"]) == ["assets", "pipelines", "sensors"]


def test_ci_and_make_check_fail_on_a_type_error() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    ci_line = re.search(r"^.*-m basedpyright.*$", ci, re.MULTILINE)
    assert ci_line is not None and ci_line.group(0).strip() == ".venv/bin/python -m basedpyright"
    assert "set -euo pipefail" in ci
    check = make.split("\ncheck:", 1)[1].split("\n\n", 1)[0]
    assert "\t$(BIN)/python -m basedpyright\n" in check + "\n"
