"""Through Dagster runs against the emulator on loopback: the warehouse matches the emulator's
ground truth, reruns are idempotent, a targeted refresh equals a full one, eight partitions
launched at once all succeed, and the asset checks warn about the missing leave column."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import dagster as dg
import httpx
import pytest

from pipelines.definitions import ATTENDANCE_ASSETS, CATALOGUE_ASSETS, DAILY_ASSETS
from pipelines.jobs import refresh_run_config
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.views import scratch_connection
from tests.dagster.conftest import resources_for

pytestmark = pytest.mark.integration

DAILY = DAILY_ASSETS
UNPARTITIONED = CATALOGUE_ASSETS


def _range_tags(first: date, last: date) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }


@pytest.fixture(scope="module")
def loaded(emulator, tmp_path_factory):
    """The whole 14-day window loaded: roster and catalogue, then one single-run backfill."""
    data_dir = tmp_path_factory.mktemp("warehouse")
    resources = resources_for(emulator, data_dir)
    first = emulator.config.start
    last = first + timedelta(days=emulator.config.days - 1)
    dg.materialize(UNPARTITIONED, resources=resources)
    result = dg.materialize(
        ATTENDANCE_ASSETS,
        selection=[a.key for a in DAILY],
        resources=resources,
        tags=_range_tags(first, last),
    )
    truth = httpx.get(
        f"{emulator.control_url}/truth", params={"from": str(first), "to": str(last)}
    ).json()
    return {"dir": data_dir, "result": result, "truth": truth, "first": first, "last": last}


def test_results_match_the_ground_truth_for_every_employee_day(loaded):
    expected = set()
    for day in loaded["truth"]["employee_days"]:
        for point in day["check_points"]:
            if point["time_result"] is None:
                continue  # DingTalk shows no row yet for this check point
            expected.add(
                (
                    day["userid"],
                    day["work_date"],
                    point["plan_id"],
                    point["check_type"],
                    point["time_result"],
                    point["source_type"],
                    point["user_check_time"],
                    point["record_id"],
                    point["proc_inst_id"],
                )
            )
    connection = scratch_connection(loaded["dir"])
    found = {
        tuple(row)
        for row in connection.execute(
            "SELECT userid, CAST(work_date AS VARCHAR), plan_id, check_type, time_result, "
            "source_type, strftime(user_check_time, '%Y-%m-%d %H:%M:%S'), record_id, "
            "proc_inst_id FROM attendance_results"
        ).fetchall()
    }
    assert expected and found == expected


def test_daily_matches_the_ground_truth_for_every_employee_day(loaded):
    connection = scratch_connection(loaded["dir"])
    daily = {
        (row[0], str(row[1])): row[2:]
        for row in connection.execute(
            "SELECT userid, work_date, scheduled, late_count, late_minutes, early_count, "
            "early_minutes, missing_count, absent_days, overtime_hours FROM attendance_daily"
        ).fetchall()
    }
    assert len(daily) == len(loaded["truth"]["employee_days"])
    for day in loaded["truth"]["employee_days"]:
        report = {alias: float(value) for alias, value in day["report"].items()}
        expected = (
            day["scheduled"],
            report["late_times"],
            report["late_minute"],
            report["leave_early_times"],
            report["leave_early_minute"],
            report["on_work_lack_card_times"] + report["off_work_lack_card_times"],
            report["absenteeism_days"],
            report["overtime_duration"],
        )
        assert tuple(float(v) for v in daily[(day["userid"], day["work_date"])]) == tuple(
            float(v) for v in expected
        ), day["userid"] + " " + day["work_date"]


def test_leave_hours_by_type_match_the_ground_truth(loaded):
    connection = scratch_connection(loaded["dir"])
    units = dict(
        connection.execute(
            "SELECT name, leave_view_unit FROM report_columns WHERE kind = 'leave_type'"
        ).fetchall()
    )
    found = {
        (userid, str(day)): dict(by_type)
        for userid, day, by_type in connection.execute(
            "SELECT userid, work_date, leave_hours_by_type FROM attendance_daily"
        ).fetchall()
    }
    checked = 0
    for day in loaded["truth"]["employee_days"]:
        for name, value in day["leave"].items():
            hours = float(value) * (8.0 if units[name] in ("day", "halfDay") else 1.0)
            got = found[(day["userid"], day["work_date"])].get(name, 0.0)
            assert got == pytest.approx(hours), (day["userid"], day["work_date"], name)
            checked += hours > 0
    assert checked > 0


def test_the_missing_leave_column_raises_a_warning_naming_it(loaded):
    evaluations = {e.check_name: e for e in loaded["result"].get_asset_check_evaluations()}
    leave = evaluations["leave_types_in_report"]
    assert not leave.passed
    assert leave.severity == dg.AssetCheckSeverity.WARN
    assert "育儿假" in leave.description
    assert evaluations["unique_keys"].passed


def _table(data_dir, table: str, day: date) -> list[tuple]:
    """A day of a table without the pull timestamps, which a rerun legitimately renews."""
    connection = scratch_connection(data_dir)
    sql = (
        f"SELECT COLUMNS(lambda c: c != 'pulled_at') FROM {table}"  # noqa: S608
        " WHERE work_date = $day ORDER BY ALL"
    )
    return connection.execute(sql, {"day": day}).fetchall()


TABLES = (
    "attendance_results",
    "attendance_punches",
    "attendance_approvals",
    "attendance_report_values",
    "attendance_daily",
)


def test_rerun_is_identical_and_targeted_refresh_equals_full(emulator, loaded):
    data_dir, day = loaded["dir"], loaded["first"] + timedelta(days=1)
    before = {table: _table(data_dir, table, day) for table in TABLES}
    resources = resources_for(emulator, data_dir)
    dg.materialize(DAILY, resources=resources, partition_key=day.isoformat())
    assert {table: _table(data_dir, table, day) for table in TABLES} == before

    users = sorted({row[1] for row in before["attendance_approvals"]} | {"user0002"})[:3]
    store = ParquetStore(data_dir)
    for table in TABLES[:-1]:  # lose the targeted users' rows: the refresh must bring them back
        store.replace_users(table, day, users, [])
    assert _table(data_dir, "attendance_results", day) != before["attendance_results"]
    result = dg.materialize(
        DAILY,
        resources=resources,
        partition_key=day.isoformat(),
        run_config=refresh_run_config(users),
    )
    spent = result.asset_materializations_for_node("attendance_results")[0].metadata
    assert spent["metered_calls"].value == 1  # one attendance/list call for 3 users
    assert {table: _table(data_dir, table, day) for table in TABLES} == before


def test_eight_partitions_launched_at_once_all_succeed(emulator, tmp_path):
    resources = resources_for(emulator, tmp_path)
    dg.materialize(UNPARTITIONED, resources=resources)
    days = [emulator.config.start + timedelta(days=i) for i in range(8)]

    def run(day: date) -> bool:
        return dg.materialize(DAILY, resources=resources, partition_key=day.isoformat()).success

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(run, days))
    connection = scratch_connection(tmp_path)
    loaded_days = connection.execute(
        "SELECT count(DISTINCT work_date) FROM attendance_daily"
    ).fetchone()
    assert loaded_days == (8,)
