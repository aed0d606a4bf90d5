"""Connection checks: credentials, reachability of both API families, permissions, leave columns.

Every call goes through the project's `DingTalkClient`, so doctor's own calls are counted in the
quota ledger like any other; the report says how many metered calls it spent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx

from pipelines.days import SHANGHAI
from pipelines.dingtalk import (
    BadCredentialsError,
    BadRequestError,
    DingTalkClient,
    DingTalkError,
    PermissionDeniedError,
    QuotaExhaustedError,
    RetriesExhaustedError,
    RetryPolicy,
    TokenInvalidError,
    TransientError,
)
from pipelines.dingtalk import endpoints as ep
from pipelines.doctor.findings import DoctorReport
from pipelines.doctor.leave import check_leave_columns
from pipelines.doctor.probes import PROBES, Probe, ProbeContext
from pipelines.settings import Settings

# Doctor answers fast: one retry with a short wait instead of the pipeline's patient policy.
DOCTOR_RETRY = RetryPolicy(attempts=2, initial_wait=0.2, max_wait=1.0, jitter=0.1)
_FAMILY_VARIABLE = {"api": "DINGTALK_API_BASE_URL", "oapi": "DINGTALK_OAPI_BASE_URL"}
_PATH_FAMILY = {endpoint.path: endpoint.family for endpoint in ep.ALL_ENDPOINTS}
_CREDENTIALS_FIX = (
    "DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET were rejected: copy both from the app's "
    "凭证与基础信息 page in the DingTalk developer console."
)


class _Stop(Exception):
    """A finding that makes every later check pointless (unreachable, bad credentials)."""


def check_connection(
    report: DoctorReport,
    settings: Settings,
    *,
    op_userid: str | None = None,
    transport: httpx.BaseTransport | None = None,
    today: date | None = None,
) -> None:
    """Run the credential, permission and leave-column checks, adding findings to `report`."""
    client = DingTalkClient.from_settings(settings, transport=transport, retry=DOCTOR_RETRY)
    day = (today or datetime.now(tz=SHANGHAI).date()) - timedelta(days=1)
    context = ProbeContext(day=day, op_userid=op_userid)
    mark = client.calls_mark()
    try:
        _check_token(report, client)
        for probe in PROBES:
            _run_probe(report, client, probe, context)
        check_leave_columns(report, context)
    except _Stop:
        pass
    finally:
        spent = client.calls_since(mark)
        report.metered_calls = spent.metered_total
        report.unmetered_calls = sum(spent.by_outcome.values()) - spent.metered_total
        client.close()
        if client.ledger is not None:
            client.ledger.close()


def _check_token(report: DoctorReport, client: DingTalkClient) -> None:
    try:
        client.tokens.get()
    except DingTalkError as error:
        _fail_on(report, "credentials", error)
        raise _Stop from None
    report.add("ok", "credentials", "the app's credentials were accepted (token, not metered).")


def _run_probe(
    report: DoctorReport, client: DingTalkClient, probe: Probe, context: ProbeContext
) -> None:
    if probe.needs_user and context.sample_userid is None:
        report.add("skip", probe.check, "no employee found to ask about; fix the checks above.")
        return
    try:
        answer = probe.call(client, context)
    except BadRequestError as error:
        if probe.check == "approvals" and _is_not_found(error):
            report.add("ok", probe.check, "the workflow API answered (permission granted).")
            return
        if isinstance(error, BadCredentialsError):
            _fail_on(report, probe.check, error)
            raise _Stop from None
        # A PermissionDeniedError names the permission already (the same table as PROBES).
        grant = "" if isinstance(error, PermissionDeniedError) else f" Grant {probe.grant}."
        report.add("fail", probe.check, f"DingTalk refused: {error}.{grant}")
        return
    except DingTalkError as error:
        _fail_on(report, probe.check, error)
        raise _Stop from None
    context.answers[probe.check] = answer
    report.add("ok", probe.check, f"permission granted ({probe.grant}).")


def _is_not_found(error: DingTalkError) -> bool:
    return error.status_code != 403 and "forbidden" not in str(error.errcode or "").lower()


def _fail_on(report: DoctorReport, check: str, error: DingTalkError) -> None:
    """A finding for an error that stops the checks, naming the variable to fix."""
    cause = error.last_error if isinstance(error, RetriesExhaustedError) else error
    if isinstance(cause, BadCredentialsError | TokenInvalidError):
        report.add("fail", check, _CREDENTIALS_FIX)
    elif isinstance(cause, QuotaExhaustedError):
        report.add("fail", check, f"the monthly API quota is spent ({cause}); wait for next month.")
    elif isinstance(cause, TransientError):
        variable = _FAMILY_VARIABLE[_PATH_FAMILY.get(cause.endpoint, "api")]
        report.add("fail", check, f"cannot reach DingTalk at {variable}: {cause}.")
    else:
        report.add("fail", check, f"DingTalk answered unexpectedly: {error}.")
