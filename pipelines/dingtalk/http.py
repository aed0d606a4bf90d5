"""One DingTalk call, done right: ban breaker, per-API limiter, token, retries, counting.

Every call of the client goes through `ApiCaller.call`, which is the only place that sends a
request, so every call is rate limited, retried where the answer says retrying helps, and
counted in the ledger and the in-process counters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pipelines.dingtalk.auth import TokenProvider
from pipelines.dingtalk.counters import CallCounter
from pipelines.dingtalk.endpoints import Endpoint
from pipelines.dingtalk.errors import (
    DingTalkError,
    IpBannedError,
    RetriesExhaustedError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
    parse_response,
)
from pipelines.dingtalk.ledger import CallLedger
from pipelines.dingtalk.redaction import redact
from pipelines.dingtalk.throttle import CallLimiter, IpBanBreaker

logger = logging.getLogger(__name__)

TOKEN_HEADER = "x-acs-dingtalk-access-token"
# Bans answered in a row before a call gives up (with 5 s waits, about 10 minutes).
MAX_BAN_PROBES = 120


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter (DingTalk advises ~1 s on 90018)."""

    attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 20.0
    jitter: float = 0.5


def _is_retryable(error: BaseException) -> bool:
    return bool(getattr(error, "retryable", False))


class ApiCaller:
    """Sends requests to both API families with every safeguard applied."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        base_urls: dict[str, str],
        limiter: CallLimiter,
        breaker: IpBanBreaker,
        retry: RetryPolicy,
        counter: CallCounter,
        ledger: CallLedger | None = None,
    ) -> None:
        self._http = http
        self._base_urls = {family: url.rstrip("/") for family, url in base_urls.items()}
        self._limiter = limiter
        self._breaker = breaker
        self._retry = retry
        self._counter = counter
        self._ledger = ledger
        self._stop_after = stop_after_attempt(retry.attempts)
        self._backoff = wait_exponential_jitter(
            multiplier=retry.initial_wait, max=retry.max_wait, jitter=retry.jitter
        )
        self.tokens: TokenProvider | None = None

    def call(
        self,
        endpoint: Endpoint,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        authenticated: bool = True,
    ) -> dict[str, Any]:
        """Send one logical call (with retries) and return the answer's JSON body.

        Raises:
            DingTalkError: a subclass naming what DingTalk refused; RetriesExhaustedError when
                a retryable answer persisted through every attempt.
        """
        return self._call(endpoint, params, body, authenticated)[1]

    def call_raw(self, endpoint: Endpoint, *, authenticated: bool = True) -> bytes:
        """`call`, returning the successful answer's body byte for byte (for read-once data).

        The body is checked (errcode, ban) like any answer, but the caller gets the bytes, so
        it can store them before decoding anything.
        """
        return self._call(endpoint, None, None, authenticated)[0]

    def _call(
        self, endpoint: Endpoint, params: Any, body: Any, authenticated: bool
    ) -> tuple[bytes, dict[str, Any]]:
        try:
            return self._with_retries(endpoint, params, body, authenticated)
        except TokenInvalidError as rejected:
            if not authenticated or self.tokens is None:
                raise
            # Refresh exactly once: a second rejection means the app itself is the problem.
            logger.warning("%s rejected the access token; fetching a new one", endpoint.path)
            self.tokens.invalidate(getattr(rejected, "token", None))
            try:
                return self._with_retries(endpoint, params, body, authenticated)
            except TokenInvalidError as again:
                raise TokenInvalidError(
                    f"{endpoint.path}: a freshly fetched access token was rejected too ({again})",
                    endpoint=endpoint.path,
                    errcode=again.errcode,
                    sub_code=again.sub_code,
                    request_id=again.request_id,
                ) from None

    def _with_retries(
        self, endpoint: Endpoint, params: Any, body: Any, authenticated: bool
    ) -> tuple[bytes, dict[str, Any]]:
        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    last = attempt.retry_state.attempt_number >= self._retry.attempts
                    return self._attempt(endpoint, params, body, authenticated, last)
        except DingTalkError as error:
            if not error.retryable:
                raise
            raise RetriesExhaustedError(
                f"{endpoint.path}: gave up after {self._retry.attempts} attempts; last: {error}",
                last_error=error,
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _stop(self, state: RetryCallState) -> bool:
        # A ban answer is not a failed attempt (nothing was billed, and the breaker waited the
        # ban out): a ban that needs several probes must not use up the retries.
        if state.outcome is not None and isinstance(state.outcome.exception(), IpBannedError):
            return state.attempt_number >= MAX_BAN_PROBES
        return self._stop_after(state)

    def _wait(self, state: RetryCallState) -> float:
        # A ban is waited out by the breaker before the next attempt, so no backoff on top.
        if state.outcome is not None and isinstance(state.outcome.exception(), IpBannedError):
            return 0.0
        return self._backoff(state)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "retrying DingTalk call (attempt %d failed, next in %.2f s): %s",
            state.attempt_number,
            wait,
            redact(str(error)),
        )

    def _attempt(
        self, endpoint: Endpoint, params: Any, body: Any, authenticated: bool, last: bool
    ) -> tuple[bytes, dict[str, Any]]:
        self._breaker.wait_until_closed()
        self._limiter.acquire(endpoint.path)
        token = self.tokens.get() if authenticated and self.tokens is not None else None
        # Held from here until the answer is read: DingTalk counts the call somewhere between.
        answered = self._limiter.admit(endpoint.path)
        try:
            response = self._send(endpoint, params, body, token)
        except httpx.TransportError as error:
            self._count(endpoint, "unreachable")
            raise TransientError(
                f"{endpoint.path}: {type(error).__name__} {redact(str(error))}".rstrip(),
                endpoint=endpoint.path,
            ) from None
        finally:
            answered()
        try:
            data = parse_response(response, endpoint.family, endpoint.path)
        except DingTalkError as error:
            self._count(endpoint, _outcome_of(error, last))
            if isinstance(error, IpBannedError):
                self._breaker.trip(
                    self._breaker.ban_seconds(error.declared_wait, error.wait_seconds)
                )
            if isinstance(error, TokenInvalidError):
                error.token = token  # type: ignore[attr-defined]
            raise
        self._count(endpoint, "ok")
        return response.content, data

    def _send(
        self, endpoint: Endpoint, params: Any, body: Any, token: str | None
    ) -> httpx.Response:
        query = dict(params or {})
        headers = {}
        if token is not None and endpoint.family == "oapi":
            query["access_token"] = token
        elif token is not None:
            headers[TOKEN_HEADER] = token
        return self._http.request(
            endpoint.method,
            self._base_urls[endpoint.family] + endpoint.path,
            params=query or None,
            json=body if endpoint.method == "POST" else None,
            headers=headers,
        )

    def _count(self, endpoint: Endpoint, outcome: str) -> None:
        self._counter.add(endpoint.path, endpoint.metered, outcome)
        if self._ledger is not None:
            self._ledger.record(endpoint.path, endpoint.metered, outcome)


def _outcome_of(error: DingTalkError, last: bool) -> str:
    if isinstance(error, ThrottledError):
        return "throttled"
    # 5xx answers and rejected tokens are not billed, on the last attempt either.
    if isinstance(error, TokenInvalidError | TransientError | IpBannedError):
        return "retried"
    return "retried" if error.retryable and not last else "error"
