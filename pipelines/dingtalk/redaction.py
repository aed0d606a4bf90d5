"""Keep access tokens and the client secret out of logs, exception messages and reprs.

The old API carries the token in the query string (`?access_token=`) and `gettoken` carries the
secret there too, and httpx logs every request URL at INFO. So every secret the client learns is
registered here, and a logging filter on the HTTP loggers rewrites records before any handler
sees them.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"

# Query parameters whose values are credentials whatever their value is.
_SECRET_QUERY = re.compile(r"(?i)\b(access_token|appsecret|appSecret|clientSecret)=([^&\s\"'<>]+)")
_SECRET_JSON = re.compile(
    r"(?i)(\"(?:access_token|accessToken|appSecret|appsecret|clientSecret)\"\s*:\s*\")([^\"]+)"
)
_HEADER = re.compile(r"(?i)(x-acs-dingtalk-access-token['\"]?\s*[:=,]\s*b?['\"]?)([^'\"\s,)]+)")

# Loggers that may print URLs or headers. Filters attached to a logger do not apply to records
# created by its children, so each emitting logger is listed by its own name.
HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "pipelines.dingtalk",
    "pipelines.dingtalk.http",
    "pipelines.dingtalk.auth",
    "pipelines.dingtalk.client",
    "tenacity",
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is masked wherever it would be printed."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return `text` with every registered secret and credential-looking parameter masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    # Parameter names first: a registered secret that happens to be a substring of a name
    # ("secret" inside "appsecret=") must not break the pattern that masks the value.
    text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _SECRET_JSON.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a log record's final message (and exception text) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; keep it unformatted
            return True
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to every logger that may print a URL or a header (idempotent)."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
