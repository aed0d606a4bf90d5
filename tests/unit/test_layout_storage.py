"""`pipelines/refresh/` reaches storage only through interfaces: no `sqlite3`, `duckdb` or
Parquet import, no Parquet path, no concrete store; and only the shared helper
opens SQLite files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN_IMPORTS = ("sqlite3", "duckdb", "pyarrow", "pipelines.state")
# Parquet paths and globs: the store's file layout is the store's business.
FORBIDDEN_TEXT = re.compile(r"part-\d+\.parquet|work_date=|month=|read_parquet")


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _strings(tree: ast.AST) -> list[str]:
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def storage_violations(folder: Path) -> list[str]:
    """Each place under `folder` that touches storage other than through an interface."""
    found: list[str] = []
    for source in sorted(folder.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for module in _imported_modules(tree):
            if any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN_IMPORTS):
                found.append(f"{source.name} imports {module}")
        for text in _strings(tree):  # paths live in strings; `work_date=day` is a keyword
            found.extend(
                f"{source.name} names {m.group(0)!r}" for m in FORBIDDEN_TEXT.finditer(text)
            )
    return found


def test_refresh_reaches_storage_only_through_interfaces():
    assert storage_violations(REPO / "pipelines" / "refresh") == []


def test_the_check_catches_each_kind_of_direct_storage_access(tmp_path):
    (tmp_path / "a.py").write_text("import sqlite3\nfrom duckdb import connect\nf(work_date=1)\n")
    (tmp_path / "b.py").write_text(
        'import pyarrow.parquet as pq\nGLOB = "work_date=*/part-0.parquet"\n'
    )
    (tmp_path / "c.py").write_text(
        "from pipelines.state.refresh_requests import RefreshRequestQueue\n"
    )
    (tmp_path / "d.py").write_text("FILES = \"read_parquet('t/month=*/*')\"\n")
    found = storage_violations(tmp_path)
    assert found == [
        "a.py imports sqlite3",
        "a.py imports duckdb",
        "b.py imports pyarrow.parquet",
        "b.py names 'work_date='",
        "b.py names 'part-0.parquet'",
        "c.py imports pipelines.state.refresh_requests",
        "d.py names 'read_parquet'",
        "d.py names 'month='",
    ]


def test_only_the_shared_helper_opens_sqlite_files():
    helper = REPO / "pipelines" / "state" / "sqlite.py"
    opening = [
        str(source.relative_to(REPO))
        for source in (REPO / "pipelines").rglob("*.py")
        if source != helper and "sqlite3.connect(" in source.read_text(encoding="utf-8")
    ]
    assert opening == []


def test_the_sqlite_helper_imports_nothing_from_the_pipeline():
    tree = ast.parse((REPO / "pipelines" / "state" / "sqlite.py").read_text(encoding="utf-8"))
    assert [m for m in _imported_modules(tree) if m.startswith("pipelines")] == []
