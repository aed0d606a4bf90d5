"""Every tuning variable validated, and unknown project variables named with a likely fix.

pydantic-settings ignores a variable it does not know (`extra="ignore"`), so a typo such as
`DINGTALK_CLIENTID` silently leaves the setting at its default. Doctor lists every name in the
project's namespaces (`DINGTALK_*`, `ATTENDANCE_*`, `LISTENER_*`) from the environment and
`.env`, and names the ones no settings class reads, with the closest known name.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from pipelines.doctor.findings import DoctorReport
from pipelines.refresh.config import RefreshSettings, load_refresh_settings
from pipelines.settings import ENV_FILE, ConfigError, Settings
from pipelines.stream.config import ListenerConfig

PREFIXES = ("DINGTALK_", "ATTENDANCE_", "LISTENER_")
# In the namespaces but read by something other than a settings class: not typos.
OTHER_READERS = {
    "DINGTALK_OP_USERID": "doctor --op-userid",
    "DINGTALK_OPENAPI_ENDPOINT": "the dingtalk-stream SDK",
    "ATTENDANCE_REQUIRE_SERVICES": "the test suite in CI (tests/services.py)",
    "ATTENDANCE_TEST_POSTGRES_URL": "the test suite (tests/services.py)",
}


def known_variables() -> frozenset[str]:
    """Every variable a settings class of the project reads, upper case."""
    classes: tuple[tuple[type[BaseSettings], str], ...] = (
        (Settings, ""),
        (RefreshSettings, "ATTENDANCE_"),
        (ListenerConfig, "LISTENER_"),
    )
    names = {prefix + field.upper() for cls, prefix in classes for field in cls.model_fields}
    return frozenset(names) | frozenset(OTHER_READERS)


def check_variables(
    report: DoctorReport, environ: Mapping[str, str] | None = None, env_file: Path = ENV_FILE
) -> None:
    """Validate the refresh and listener tunings; name unknown variables of the project."""
    _check_tunings(report)
    known = known_variables()
    sources = {name: "environment" for name in (os.environ if environ is None else environ)}
    if env_file.is_file():
        for name in dotenv_values(env_file):
            sources.setdefault(name, str(env_file))
    for name in sorted(sources):
        if name.upper().startswith(PREFIXES) and name.upper() not in known:
            _report_unknown(report, name, sources[name], known)


def _check_tunings(report: DoctorReport) -> None:
    try:
        load_refresh_settings()
    except ConfigError as error:
        report.add("fail", "config", str(error))
    try:
        ListenerConfig()
    except ValidationError as error:
        first = error.errors()[0]
        name = "LISTENER_" + str(first["loc"][0]).upper() if first["loc"] else "LISTENER_*"
        report.add(
            "fail", "config", f"{name} is invalid: {first['msg']} (got {first.get('input')!r})."
        )


def _report_unknown(report: DoctorReport, name: str, source: str, known: frozenset[str]) -> None:
    """A near miss of a known name is a typo to fix; anything else is only a warning."""
    close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.8)
    if close:
        report.add(
            "fail",
            "config",
            f"{name} (in the {source}) is not a setting of this project: did you mean "
            f"{close[0]}? As spelt it is ignored.",
        )
        return
    report.add(
        "warn",
        "config",
        f"{name} (in the {source}) is not a setting of this project and is ignored "
        "(every variable: .env.example and the README's configuration table).",
    )
