"""Every asset, table, job, instigator, scope and pool name is written once, in the catalogue,
and the catalogue is exactly what the Dagster definitions and the warehouse hold."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

from pipelines.catalogue import SCOPES, Asset, Job, Pool, Schedule, Scope, Scopes, Sensor, Table
from pipelines.catalogue import names_of as names
from pipelines.definitions import defs
from pipelines.warehouse import TABLES

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "pipelines" / "catalogue.py"
# The emulator plays DingTalk: its words ("approvals" in a truth answer) are DingTalk's, not ours.
SCANNED = [REPO / "assets", REPO / "sensors", REPO / "pipelines"]
SKIPPED = [REPO / "pipelines" / "emulator"]
# Literals that spell a catalogue name but mean something else.
HOMONYMS = {
    ("pipelines/doctor/probes.py", "employees"): "a permission probe",
    ("pipelines/quota/plan.py", "employees"): "the head count in a quota profile",
    ("pipelines/doctor/probes.py", "approvals"): "a permission probe",
    ("pipelines/doctor/connection.py", "approvals"): "a permission probe",
    ("pipelines/warehouse/schemas.py", "employees"): "a column of attendance_monthly_department",
}
NAMES = {
    *names(Asset),
    *names(Job),
    *names(Sensor),
    *names(Schedule),
    *names(Scopes),
    *names(Pool),
}


def _sources() -> list[Path]:
    found = []
    for folder in SCANNED:
        for source in sorted(folder.rglob("*.py")):
            if source != CATALOGUE and not any(source.is_relative_to(s) for s in SKIPPED):
                found.append(source)
    return found


def _literals(source: Path) -> list[tuple[int, str]]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_catalogue_names_are_written_nowhere_else():
    repeated = []
    for source in _sources():
        relative = source.relative_to(REPO).as_posix()
        for line, value in _literals(source):
            if value in NAMES and (relative, value) not in HOMONYMS:
                repeated.append(f"{relative}:{line}: {value!r}")
    assert repeated == [], "use pipelines.catalogue instead of:\n" + "\n".join(repeated)


def test_each_name_is_defined_once_in_the_catalogue():
    literals = [value for _, value in _literals(CATALOGUE) if value in NAMES]
    # Scope names appear twice: in the `Scope` type and in the `Scopes` constants.
    expected = sorted([*NAMES, *SCOPES])
    assert sorted(literals) == expected


def test_the_scanner_sees_a_repeated_name(tmp_path):
    source = tmp_path / "module.py"
    source.write_text('TABLE = "attendance_results"\n', encoding="utf-8")
    assert (1, Table.ATTENDANCE_RESULTS) in _literals(source)


def test_definitions_hold_exactly_the_catalogue():
    repository = defs.get_repository_def()
    assets = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert assets == set(names(Asset))
    assert {job.name for job in repository.get_all_jobs()} - {"__ASSET_JOB"} == set(names(Job))
    assert {sensor.name for sensor in repository.sensor_defs} == set(names(Sensor))
    assert {schedule.name for schedule in repository.schedule_defs} == set(names(Schedule))


def test_every_table_is_an_asset_and_the_warehouse_stores_each():
    assert set(TABLES) == set(names(Table))
    assert set(names(Table)) < set(names(Asset))


def test_scope_type_and_constants_agree():
    assert get_args(Scope) == SCOPES == (Scopes.CHECKS, Scopes.APPROVALS, Scopes.FULL)


def test_catalogue_imports_nothing_but_typing():
    tree = ast.parse(CATALOGUE.read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"__future__", "typing"}
