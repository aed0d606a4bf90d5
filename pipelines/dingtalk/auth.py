"""The access token: fetched lazily, cached with a safety margin, shared by every thread.

The new endpoint (`POST /v1.0/oauth2/accessToken`) is asked first and the old `GET /gettoken`
only when the new one fails for a reason other than bad credentials. One token serves both API
families. When DingTalk rejects a token, `invalidate` drops it only if it is still the cached
one, so many threads hitting the same expiry cause a single refetch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.dingtalk.errors import BadCredentialsError, DingTalkError
from pipelines.dingtalk.redaction import register_secret

logger = logging.getLogger(__name__)

DEFAULT_SAFETY_MARGIN = 300.0  # seconds, as the official Stream SDK does


@dataclass(frozen=True)
class IssuedToken:
    """A token and its lifetime in seconds, as DingTalk answered."""

    value: str
    expires_in: float


TokenFetcher = Callable[[], IssuedToken]


class TokenProvider:
    """Hands out a valid access token; fetches at most once at a time."""

    def __init__(
        self,
        fetchers: list[TokenFetcher],
        *,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not fetchers:
            raise ValueError("at least one token fetcher is needed")
        self._fetchers = fetchers
        self._margin = safety_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._valid_until = 0.0
        self.fetches = 0

    def get(self) -> str:
        """Return the cached token, fetching a new one if there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._valid_until:
                self._refresh_locked()
            assert self._token is not None
            return self._token

    def invalidate(self, rejected: str | None) -> None:
        """Forget `rejected` if it is still cached, so that the next `get` fetches a new token."""
        with self._lock:
            if rejected is None or rejected == self._token:
                self._token = None

    def _refresh_locked(self) -> None:
        issued = self._fetch_with_fallback()
        register_secret(issued.value)
        # A short-lived token (as the emulator may issue) keeps at least 90% of its life.
        margin = min(self._margin, issued.expires_in * 0.1)
        self._token = issued.value
        self._valid_until = self._clock() + issued.expires_in - margin
        self.fetches += 1
        logger.info("fetched a DingTalk access token valid for %.0f s", issued.expires_in)

    def _fetch_with_fallback(self) -> IssuedToken:
        first_error: DingTalkError | None = None
        for fetch in self._fetchers:
            try:
                return fetch()
            except BadCredentialsError:
                raise
            except DingTalkError as error:
                logger.warning("token endpoint failed, trying the next one: %s", error)
                first_error = first_error or error
        assert first_error is not None
        raise first_error
