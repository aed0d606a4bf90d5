"""Configuration checks that need no network: variables, data directory, quota ledger."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.dingtalk.ledger import LEDGER_FILENAME, CallLedger, QuotaLedger
from pipelines.doctor.findings import DoctorReport
from pipelines.settings import ConfigError, Settings, load_settings

# DingTalk's highest per-API limit is 60 QPS (dedicated edition); above it every call is refused.
MAX_QPS_ANY_EDITION = 60
QUOTA_WARN_SHARE = 0.8


def check_configuration(
    report: DoctorReport, loader: Callable[[], Settings] = load_settings
) -> Settings | None:
    """Load the settings and check them; None when they cannot be loaded at all."""
    try:
        settings = loader()
    except ConfigError as error:
        report.add("fail", "config", str(error))
        return None
    _check_credentials(report, settings)
    for variable, url in (
        ("DINGTALK_API_BASE_URL", settings.dingtalk_api_base_url),
        ("DINGTALK_OAPI_BASE_URL", settings.dingtalk_oapi_base_url),
    ):
        _check_url(report, variable, url)
    if settings.dingtalk_qps_per_api > MAX_QPS_ANY_EDITION:
        report.add(
            "warn",
            "config",
            f"DINGTALK_QPS_PER_API={settings.dingtalk_qps_per_api:g} exceeds every DingTalk "
            f"edition's limit ({MAX_QPS_ANY_EDITION}); use 20 (standard), 40 or 60.",
        )
    if _check_data_dir(report, settings.attendance_data_dir):
        check_quota_ledger(report, settings)
    return settings


def _check_credentials(report: DoctorReport, settings: Settings) -> None:
    if not settings.dingtalk_client_id:
        report.add("fail", "config", "DINGTALK_CLIENT_ID is not set: use your app's Client ID.")
    if not settings.dingtalk_client_secret.get_secret_value():
        report.add(
            "fail", "config", "DINGTALK_CLIENT_SECRET is not set: use your app's Client Secret."
        )


def _check_url(report: DoctorReport, variable: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        report.add(
            "warn",
            "config",
            f"{variable}={url} is plain http to another machine: the client secret and tokens "
            "would cross the network unencrypted; use https.",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_data_dir(report: DoctorReport, data_dir: Path) -> bool:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        report.add("fail", "config", f"ATTENDANCE_DATA_DIR={data_dir} cannot be created: {error}.")
        return False
    if not os.access(data_dir, os.W_OK):
        report.add("fail", "config", f"ATTENDANCE_DATA_DIR={data_dir} is not writable.")
        return False
    report.add("ok", "config", f"data directory {data_dir.resolve()} is writable.")
    return True


def check_quota_ledger(report: DoctorReport, settings: Settings) -> None:
    """Compare this month's metered calls in the ledger with DINGTALK_MONTHLY_API_QUOTA."""
    if settings.attendance_state_url.get_secret_value():
        return  # the ledger is in PostgreSQL: checked by state_checks once the schema is known
    path = settings.attendance_data_dir / LEDGER_FILENAME
    if not path.exists():
        return
    ledger = QuotaLedger(path)
    try:
        report_quota_spent(report, ledger, settings)
    finally:
        ledger.close()


def report_quota_spent(report: DoctorReport, ledger: CallLedger, settings: Settings) -> None:
    """One line: this month's metered calls in `ledger` against the monthly quota."""
    spent = sum(ledger.month_to_date().values())
    quota = settings.dingtalk_monthly_api_quota
    message = f"{spent} of {quota} metered calls spent this month (DINGTALK_MONTHLY_API_QUOTA)."
    if spent >= quota:
        report.add("fail", "quota", message + " Metered APIs now fail until next month.")
    elif spent >= QUOTA_WARN_SHARE * quota:
        report.add("warn", "quota", message + " Less than 20 % left.")
    else:
        report.add("ok", "quota", message)
