"""`DingTalkClient`: the one object the rest of the project uses to talk to DingTalk.

Construction and plumbing live here; the endpoint methods live in `api_attendance` and
`api_org`, which split batches and windows and paginate so that callers ask for what they need
(e.g. 200 users over 9 days) and never for what DingTalk accepts in one call.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from pipelines.dingtalk import endpoints
from pipelines.dingtalk.api_attendance import AttendanceApi
from pipelines.dingtalk.api_org import OrgApi
from pipelines.dingtalk.auth import DEFAULT_SAFETY_MARGIN, IssuedToken, TokenProvider
from pipelines.dingtalk.counters import CallCounter, CallMark, CallTally
from pipelines.dingtalk.errors import DingTalkError
from pipelines.dingtalk.http import ApiCaller, RetryPolicy
from pipelines.dingtalk.ledger import CallLedger
from pipelines.dingtalk.redaction import install_log_redaction, register_secret
from pipelines.dingtalk.throttle import (
    DEFAULT_HEADROOM,
    CallLimiter,
    IpBanBreaker,
    RateLimiter,
    SharedRateLimiter,
)
from pipelines.state.factory import StateLocation

if TYPE_CHECKING:
    from pipelines.settings import Settings

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class DingTalkClient(AttendanceApi, OrgApi):
    """Sync, thread-safe DingTalk API client (both API families) with quota accounting.

    Args:
        client_id: the app's Client ID (AppKey).
        client_secret: the app's Client Secret (AppSecret); never logged or shown.
        api_base_url: the new API (`https://api.dingtalk.com`), paths `/v1.0/...`.
        oapi_base_url: the old API (`https://oapi.dingtalk.com`).
        qps_per_api: DingTalk's per-app, per-API limit; the limiter aims slightly below it.
        ledger: where every call is counted; None counts only in memory.
        transport: an httpx transport (e.g. `httpx.MockTransport`) for tests.
        timeout: seconds (or an httpx.Timeout) for every request.
        retry: attempts and backoff for throttled and transient answers.
        ip_ban_wait: seconds to wait out an IP ban; None uses the ban answer's `wait`.
        ip_ban_wait_unit: seconds per unit of a ban answer's `wait` (see `IpBanBreaker`).
        token_safety_margin: refetch the token this many seconds before it expires.
        limiter_headroom: fraction of `qps_per_api` the limiter allows.
        rate_limit_dir: a directory (the data directory) whose `rate_limit.sqlite` holds the
            per-API schedule shared by every process using it; None limits this process only.
        state: where the shared schedule lives (SQLite in the data dir or PostgreSQL, shared
            by every host); takes precedence over `rate_limit_dir`.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: SecretStr | str,
        api_base_url: str,
        oapi_base_url: str,
        qps_per_api: float = 20,
        ledger: CallLedger | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
        ip_ban_wait: float | None = None,
        ip_ban_wait_unit: float = 1.0,
        token_safety_margin: float = DEFAULT_SAFETY_MARGIN,
        limiter_headroom: float = DEFAULT_HEADROOM,
        rate_limit_dir: Path | str | None = None,
        state: StateLocation | None = None,
    ) -> None:
        secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        if not client_id or not secret.get_secret_value():
            raise ValueError("DingTalkClient needs a client_id and a client_secret")
        install_log_redaction()
        register_secret(secret.get_secret_value())
        self.client_id = client_id
        self._secret = secret
        self.ledger = ledger
        self.counter = CallCounter()
        self._http = httpx.Client(transport=transport, timeout=timeout)
        rate = qps_per_api * limiter_headroom
        # The spacing aims under the limit; the one-second window holds the limit itself.
        window = max(1, int(qps_per_api))
        namespace = f"{client_id} "
        self.limiter: CallLimiter = (
            state.limiter(rate, namespace=namespace, window_calls=window)
            if state is not None
            else RateLimiter(rate, window_calls=window)
            if rate_limit_dir is None
            # DingTalk counts per app and per API: apps sharing a data dir do not share slots.
            else SharedRateLimiter.in_data_dir(
                rate_limit_dir, rate, namespace=namespace, window_calls=window
            )
        )
        self._caller = ApiCaller(
            self._http,
            base_urls={"api": api_base_url, "oapi": oapi_base_url},
            limiter=self.limiter,
            breaker=IpBanBreaker(ip_ban_wait, wait_unit_s=ip_ban_wait_unit),
            retry=retry or RetryPolicy(),
            counter=self.counter,
            ledger=ledger,
        )
        self.tokens = TokenProvider(
            [self._fetch_token_new, self._fetch_token_old], safety_margin=token_safety_margin
        )
        self._caller.tokens = self.tokens

    @classmethod
    def from_settings(
        cls, settings: Settings, transport: httpx.BaseTransport | None = None, **options: Any
    ) -> DingTalkClient:
        """Build a client from `Settings`: ledger and shared rate limit in the configured state."""
        settings.require_credentials()
        state = StateLocation.from_settings(settings)
        chosen: dict[str, Any] = {"state": state, **options}  # an explicit `state` option wins
        return cls(
            client_id=settings.dingtalk_client_id,
            client_secret=settings.dingtalk_client_secret,
            api_base_url=settings.dingtalk_api_base_url,
            oapi_base_url=settings.dingtalk_oapi_base_url,
            qps_per_api=settings.dingtalk_qps_per_api,
            limiter_headroom=settings.dingtalk_limiter_headroom,
            ip_ban_wait_unit=settings.dingtalk_ip_ban_wait_unit_s,
            ledger=state.ledger(),
            transport=transport,
            **chosen,
        )

    def calls_mark(self) -> CallMark:
        """Snapshot this client's call counters; see `calls_since`."""
        return self.counter.mark()

    def calls_since(self, mark: CallMark) -> CallTally:
        """Calls made by this client since `mark` (billed metered calls per endpoint, outcomes)."""
        return self.counter.since(mark)

    @contextmanager
    def track_calls(self) -> Generator[CallTally, None, None]:
        """`with client.track_calls() as spent:` fills `spent.metered` when the block exits."""
        with self.counter.track() as tally:
            yield tally

    def close(self) -> None:
        """Close the HTTP pool and the shared limiter (the ledger belongs to its creator)."""
        self._http.close()
        if isinstance(self.limiter, SharedRateLimiter):
            self.limiter.close()

    def __enter__(self) -> DingTalkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DingTalkClient(client_id={self.client_id!r})"

    def _fetch_token_new(self) -> IssuedToken:
        body = self._caller.call(
            endpoints.TOKEN_NEW,
            body={"appKey": self.client_id, "appSecret": self._secret.get_secret_value()},
            authenticated=False,
        )
        return _issued(body, "accessToken", "expireIn", endpoints.TOKEN_NEW.path)

    def _fetch_token_old(self) -> IssuedToken:
        body = self._caller.call(
            endpoints.TOKEN_OLD,
            params={"appkey": self.client_id, "appsecret": self._secret.get_secret_value()},
            authenticated=False,
        )
        return _issued(body, "access_token", "expires_in", endpoints.TOKEN_OLD.path)


def _issued(body: dict[str, Any], token_key: str, expiry_key: str, path: str) -> IssuedToken:
    token = body.get(token_key)
    if not isinstance(token, str) or not token:
        raise DingTalkError(f"{path}: the answer has no {token_key}", endpoint=path)
    register_secret(token)
    return IssuedToken(token, float(body.get(expiry_key) or 7200))
