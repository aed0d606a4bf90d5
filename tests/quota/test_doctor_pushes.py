"""`doctor` shows this month's Stream pushes against the profile's push quota, and names
ATTENDANCE_PROFILE when the profile is unusable."""

from __future__ import annotations

from pipelines.doctor import run_doctor
from pipelines.settings import load_settings
from pipelines.state.push_ledger import SqlitePushLedger


def doctor_lines(data_dir) -> list[str]:
    def loader():
        return load_settings(
            dingtalk_client_id="app",
            dingtalk_client_secret="secret-for-doctor-pushes",
            attendance_data_dir=str(data_dir),
        )

    return [f.line() for f in run_doctor(loader, offline=True).findings if f.check == "pushes"]


def test_doctor_shows_the_pushes_of_the_month(tmp_path):
    assert any("no Stream push counted yet" in line for line in doctor_lines(tmp_path))
    with SqlitePushLedger.in_data_dir(tmp_path) as ledger:
        for _ in range(3):
            ledger.record("attendance_check_record")
    [line] = doctor_lines(tmp_path)
    assert "3 of 3,000 Stream pushes" in line


def test_doctor_names_a_bad_profile(tmp_path):
    (tmp_path / "profile.json").write_text("{broken", encoding="utf-8")
    report = run_doctor(
        lambda: load_settings(
            dingtalk_client_id="app",
            dingtalk_client_secret="secret-for-doctor-pushes",
            attendance_data_dir=str(tmp_path),
        ),
        offline=True,
    )
    assert any("ATTENDANCE_PROFILE" in f.line() for f in report.findings if f.check == "profile")


def test_doctor_and_usage_show_a_starved_stream(tmp_path, monkeypatch):
    from datetime import datetime

    from typer.testing import CliRunner

    from pipelines.cli import _register_commands, app
    from pipelines.days import SHANGHAI

    with SqlitePushLedger.in_data_dir(tmp_path) as ledger:
        ledger.record("attendance_check_record")
        ledger.set_starved(datetime(2026, 11, 17, 9, 10, tzinfo=SHANGHAI))
    starved = [line for line in doctor_lines(tmp_path) if "starved" in line]
    assert starved and "2026-11-17 09:10" in starved[0] and "polling instead" in starved[0]
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    _register_commands()
    shown = CliRunner().invoke(app, ["usage"])
    assert "Stream starved since 2026-11-17 09:10" in shown.output
