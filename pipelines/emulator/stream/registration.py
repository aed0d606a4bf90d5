"""Validation for ``POST /v1.0/gateway/connections/open`` and WebSocket refusals (reference 4.1).

Malformed requests get 400, wrong credentials 401, both with the new-API error body.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

from starlette.responses import JSONResponse

CredentialCheck = Callable[[str, str], bool]


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """New-API error body (reference section 0): ``{"code", "message", "requestid"}``."""
    body = {"code": code, "message": message, "requestid": uuid.uuid4().hex}
    return JSONResponse(body, status_code=status)


def credential_check(credentials: Mapping[str, str] | CredentialCheck) -> CredentialCheck:
    """Turn ``{client_id: client_secret}`` (or a callable) into a constant-time check."""
    if callable(credentials):
        return credentials
    known = dict(credentials)

    def check(client_id: str, client_secret: str) -> bool:
        expected = known.get(client_id)
        return expected is not None and hmac.compare_digest(expected, client_secret)

    return check


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A well-formed registration body."""

    client_id: str
    client_secret: str
    wants_events: bool


def read_open_request(body: object) -> OpenRequest | JSONResponse:
    """Validate a registration body; a 400 response names the first problem."""
    if not isinstance(body, dict):
        return error_response(400, "InvalidParameter", "request body must be a JSON object")
    client_id, client_secret = body.get("clientId"), body.get("clientSecret")
    for name, value in (("clientId", client_id), ("clientSecret", client_secret)):
        if not isinstance(value, str) or not value:
            return error_response(400, "MissingParameter", f"{name} is required")
    wants_events, problem = _read_subscriptions(body.get("subscriptions"))
    if problem:
        return error_response(400, "InvalidParameter", problem)
    # Both were checked to be non-empty text in the loop above.
    return OpenRequest(cast(str, client_id), cast(str, client_secret), wants_events)


def _read_subscriptions(subscriptions: object) -> tuple[bool, str | None]:
    """Return (subscribes to events, problem). EVENT supports topic ``*`` only (4.1)."""
    if subscriptions is None:
        return False, None
    if not isinstance(subscriptions, list):
        return False, "subscriptions must be a list"
    wants_events = False
    for sub in subscriptions:
        if not isinstance(sub, dict) or sub.get("type") not in ("EVENT", "CALLBACK", "SYSTEM"):
            return False, "each subscription needs a type of EVENT, CALLBACK or SYSTEM"
        if sub["type"] == "EVENT":
            if sub.get("topic") != "*":
                return False, "EVENT subscriptions support topic '*' only"
            wants_events = True
    return wants_events, None


class DenialNoiseFilter(logging.Filter):
    """uvicorn (sansio and wsproto) logs an ERROR after a well-formed WebSocket denial response
    (it only counts accept/close as a finished handshake); refused tickets are expected here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


DENIAL_NOISE = DenialNoiseFilter()
