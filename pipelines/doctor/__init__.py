"""`doctor`: checks the configuration and the connection to DingTalk, one line per problem.

Never imports dagster, so it runs before anything else is set up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx

from pipelines.doctor.broker_checks import check_broker
from pipelines.doctor.config_checks import check_configuration
from pipelines.doctor.connection import check_connection
from pipelines.doctor.findings import DoctorReport, Finding
from pipelines.doctor.pushes import check_pushes
from pipelines.doctor.state_checks import check_state
from pipelines.doctor.variables import check_variables
from pipelines.doctor.warehouse_checks import check_warehouse
from pipelines.settings import Settings, load_settings

__all__ = ["DoctorReport", "Finding", "run_doctor"]


def run_doctor(
    loader: Callable[[], Settings] = load_settings,
    *,
    op_userid: str | None = None,
    offline: bool = False,
    transport: httpx.BaseTransport | None = None,
    today: date | None = None,
) -> DoctorReport:
    """Check the configuration, then (unless `offline` or it is broken) the connection.

    Args:
        loader: builds the Settings (the environment and `.env` by default).
        op_userid: an OA administrator for `vacation/type/list`; default the first employee.
        offline: check only the configuration (no DingTalk call at all).
        transport: an httpx transport for tests.
        today: the day whose yesterday the probes ask about (default: today in Shanghai).
    """
    report = DoctorReport()
    settings = check_configuration(report, loader)
    check_variables(report)
    if settings is not None:
        # Opening a store migrates it: doctor reads the push ledger only where nothing would.
        if check_state(report, settings):
            check_pushes(report, settings)
        check_warehouse(report, settings)
        check_broker(report, settings)
    if settings is None or offline or report.problems:
        return report
    check_connection(report, settings, op_userid=op_userid, transport=transport, today=today)
    return report
