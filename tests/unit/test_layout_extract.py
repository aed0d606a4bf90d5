"""Storage knows rows, not the client (`pipelines/warehouse/` imports nothing of
`pipelines.dingtalk`), and the Asia/Shanghai zone is defined in one module (`pipelines/days.py`);
both read from the syntax tree, so a comment or a docstring neither trips nor satisfies them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ZONE_MODULE = REPO / "pipelines" / "days.py"
# Code that runs (tests and docs may name the zone as they like).
CODE_FOLDERS = ("pipelines", "assets", "sensors", "bench")


def imported_modules(source: str) -> Iterator[str]:
    """Every module an import statement names, `from a import b` giving both `a` and `a.b`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def zone_definitions(source: str) -> list[int]:
    """Lines that spell the zone: the string "Asia/Shanghai", a ZoneInfo(...) or timezone(...)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value == "Asia/Shanghai":
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and _called_name(node.func) in ("ZoneInfo", "timezone"):
            lines.append(node.lineno)
    return lines


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((REPO / folder).rglob("*.py"))


def test_the_warehouse_imports_nothing_from_the_client():
    offending = {
        f"{source.relative_to(REPO)}: {module}"
        for source in _sources("pipelines/warehouse")
        for module in imported_modules(source.read_text(encoding="utf-8"))
        if module == "pipelines.dingtalk" or module.startswith("pipelines.dingtalk.")
    }
    assert not offending, sorted(offending)


def test_extraction_and_the_days_module_run_without_dagster():
    offending = {
        f"{source.relative_to(REPO)}: {module}"
        for source in [*_sources("pipelines/extract"), ZONE_MODULE]
        for module in imported_modules(source.read_text(encoding="utf-8"))
        if module.split(".")[0] == "dagster"
    }
    assert not offending, sorted(offending)


def test_the_zone_is_defined_in_one_module():
    defined = {
        str(source.relative_to(REPO)): lines
        for source in _sources(*CODE_FOLDERS)
        if (lines := zone_definitions(source.read_text(encoding="utf-8")))
    }
    assert set(defined) == {str(ZONE_MODULE.relative_to(REPO))}, defined


def test_the_checks_see_what_they_look_for():
    client_import = "from pipelines import dingtalk\nimport pipelines.dingtalk.models as m\n"
    assert {"pipelines.dingtalk", "pipelines.dingtalk.models"} <= set(
        imported_modules(client_import)
    )
    zones = (
        '"""Times in Asia/Shanghai."""\n'
        "# Asia/Shanghai\n"
        'A = ZoneInfo("Asia/Shanghai")\n'
        'B = pa.timestamp("ms", tz="Asia/Shanghai")\n'
        'C = datetime.timezone(timedelta(hours=8), "+08:00")\n'
    )
    assert sorted(zone_definitions(zones)) == [3, 3, 4, 5]
