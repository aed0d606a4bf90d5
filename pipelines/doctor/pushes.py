"""`doctor`: this month's Stream pushes against the push quota (the push ledger)."""

from __future__ import annotations

from pipelines.doctor.findings import DoctorReport
from pipelines.quota.profile import ProfileError, load_profile, profile_file
from pipelines.quota.pushes import push_status, push_usage, starvation_line
from pipelines.settings import Settings
from pipelines.state.factory import STATE_ERRORS, StateLocation
from pipelines.state.push_ledger import PUSH_LEDGER_FILENAME


def check_pushes(report: DoctorReport, settings: Settings) -> None:
    """One line: pushes this month, projected, against the profile's push quota."""
    try:
        quota = load_profile(profile_file(settings)).pushes_quota
    except ProfileError as error:
        report.add("fail", "profile", str(error))
        return
    state = StateLocation.from_settings(settings)
    if not state.is_postgres and not (state.data_dir / PUSH_LEDGER_FILENAME).exists():
        report.add("ok", "pushes", "no Stream push counted yet (no listener has run here).")
        return
    try:
        ledger = state.push_ledger()
        try:
            severity, line = push_status(push_usage(ledger, quota))
            starved = starvation_line(ledger.starved_since())
        finally:
            ledger.close()
    except STATE_ERRORS as error:
        report.add("warn", "pushes", f"the push ledger could not be read ({error}).")
        return
    report.add(severity, "pushes", line + ".")  # type: ignore[arg-type]
    if starved is not None:
        report.add("warn", "pushes", starved + ".")
