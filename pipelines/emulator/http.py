"""Framework-free request and answer types, shared by the ASGI app and the mock transport."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient", "mock"}


def request_id() -> str:
    return secrets.token_hex(6)


class ApiError(Exception):
    """A business error: old API -> HTTP 200 with errcode; new API -> HTTP `status` with code."""

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        *,
        code: str = "invalidParameter",
        status: int = 400,
        **extra: Any,
    ) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg, self.code, self.status, self.extra = (
            errcode,
            errmsg,
            code,
            status,
            extra,
        )


@dataclass
class ApiAnswer:
    status: int
    body: Any
    delay_seconds: float = 0.0

    def encode(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    client_host: str = "127.0.0.1"
    _params: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def is_loopback(self) -> bool:
        return self.client_host in LOOPBACK

    def body_params(self) -> dict[str, Any]:
        """The body as a dict: JSON or form-encoded (DingTalk's docs use both); {} if empty."""
        if self._params is None:
            self._params = _decode_body(self.body, self.headers.get("content-type", ""))
        return self._params


def _decode_body(body: bytes, content_type: str) -> dict[str, Any]:
    if not body.strip():
        return {}
    text = body.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        value = json.loads(text)
    except ValueError:
        if "=" in text and "{" not in text:
            return dict(parse_qsl(text, keep_blank_values=True))
        raise ApiError(40035, "请求体不是合法的JSON", code="invalidParameter") from None
    if not isinstance(value, dict):
        raise ApiError(40035, "请求体必须是JSON对象", code="invalidParameter")
    return value
