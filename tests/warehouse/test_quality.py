"""The data-quality findings behind the asset checks fail when they should and pass otherwise."""

from __future__ import annotations

from datetime import date

from pipelines.warehouse import ParquetStore, quality

DAY = date(2026, 11, 3)


def _daily(userid: str, check_points: int, should: float | None, settled: bool = True) -> dict:
    return {
        "userid": userid,
        "check_points": check_points,
        "should_attend_days": should,
        "scheduled": True,
        "settled": settled,
    }


def _value(userid: str, source: str, name: str, value: str | None, captured_on: date) -> dict:
    alias = "should_attendance_days" if name == "应出勤天数" else None
    number = None if value is None else float(value)
    return {
        "userid": userid,
        "source": source,
        "column_name": name,
        "column_alias": alias,
        "value": value,
        "value_num": number,
        "captured_on": captured_on,
    }


def test_duplicate_keys_are_found_and_named(tmp_path):
    store = ParquetStore(tmp_path)
    row = {"userid": "u1", "plan_id": 1, "check_type": "OnDuty"}
    store.write("attendance_results", [row], DAY)
    assert quality.duplicate_keys(store, "attendance_results", [DAY]).passed
    store.write("attendance_results", [row, row], DAY)
    finding = quality.duplicate_keys(store, "attendance_results", [DAY])
    assert not finding.passed and finding.examples == ["2026-11-03 / u1 / 1 / OnDuty"]


def test_scheduled_days_without_results_fail_once_settled(tmp_path):
    store = ParquetStore(tmp_path)
    store.write(
        "attendance_daily", [_daily("u1", 2, 1.0), _daily("u2", 0, 1.0, settled=False)], DAY
    )
    assert quality.scheduled_days_without_results(store, [DAY]).passed  # u2: not settled yet
    store.write("attendance_daily", [_daily("u1", 2, 1.0), _daily("u2", 0, 1.0)], DAY)
    finding = quality.scheduled_days_without_results(store, [DAY])
    assert not finding.passed and finding.examples == ["u2 2026-11-03"]


def test_leave_types_answered_null_are_named(tmp_path):
    store = ParquetStore(tmp_path)
    store.write("report_columns", [{"kind": "leave_type", "name": n} for n in ("年假", "育儿假")])
    assert quality.leave_types_missing_from_report(store, [DAY]).passed  # nothing pulled yet
    store.write(
        "attendance_report_values",
        [_value("u1", "leave", "年假", "0.0", DAY), _value("u1", "leave", "育儿假", None, DAY)],
        DAY,
    )
    finding = quality.leave_types_missing_from_report(store, [DAY])
    assert not finding.passed and finding.examples == ["育儿假"]
    assert "育儿假" in finding.description and "report settings" in finding.description


def test_should_attend_pulled_outside_the_window_warns(tmp_path):
    store = ParquetStore(tmp_path)
    store.write("attendance_daily", [_daily("u1", 2, 0.0), _daily("u2", 2, 1.0)], DAY)
    late, early = date(2026, 12, 1), DAY
    store.write(
        "attendance_report_values",
        [
            _value("u1", "column", "应出勤天数", "0", late),
            _value("u2", "column", "应出勤天数", "1.0", early),
        ],
        DAY,
    )
    finding = quality.should_attend_outside_window(store, [DAY])
    assert not finding.passed and finding.examples == ["u1 2026-11-03"]
    store.write(
        "attendance_report_values",
        [
            _value("u1", "column", "应出勤天数", "1.0", early),
            _value("u2", "column", "应出勤天数", "1.0", early),
        ],
        DAY,
    )
    assert quality.should_attend_outside_window(store, [DAY]).passed
