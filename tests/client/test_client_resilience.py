"""Every error path of the client over httpx.MockTransport: refresh, retries, limits, ban, quota."""

from __future__ import annotations

import time
from datetime import date

import pytest

from pipelines.dingtalk import (
    BadCredentialsError,
    DingTalkClient,
    QuotaExhaustedError,
    RetriesExhaustedError,
    RetryPolicy,
    TokenInvalidError,
)
from tests.client.fake_dingtalk import CLIENT_ID

USERS = ["u1", "u2"]
DAY = date(2026, 11, 2)
LIST = "/attendance/list"


def pull(client):
    return client.list_attendance_results(USERS, DAY, DAY)


def test_expired_token_is_refreshed_once_and_the_call_succeeds(fake, make_client):
    client = make_client()
    assert len(pull(client)) == 4
    fake.expire_tokens()
    assert len(pull(client)) == 4
    assert client.tokens.fetches == 2
    assert fake.count(LIST) == 3  # the rejected call, then its replay


def test_new_api_invalid_authentication_also_refreshes(fake, make_client):
    client = make_client()
    client.get_process_instance("p1")
    fake.expire_tokens()
    assert client.get_process_instance("p2").process_instance_id == "p2"
    assert client.tokens.fetches == 2


def test_a_token_rejected_again_after_refresh_fails_instead_of_looping(fake, make_client):
    client = make_client()
    fake.reject_all_tokens = True
    with pytest.raises(TokenInvalidError, match="freshly fetched access token was rejected"):
        pull(client)
    assert fake.count(LIST) == 2 and client.tokens.fetches == 2


def test_throttled_answers_are_retried_until_success(fake, make_client):
    client = make_client()
    fake.script(LIST, "90018", "90018", "403-qps")
    assert len(pull(client)) == 4
    assert fake.count(LIST) == 4
    spent = client.ledger.outcomes(date.min, date.max)
    assert spent[(LIST, "throttled")] == 3 and spent[(LIST, "ok")] == 1


@pytest.mark.parametrize("fault", ["500", "504", "-1", "88", "15", "90002"])
def test_transient_answers_are_retried(fake, make_client, fault):
    client = make_client()
    fake.script(LIST, fault)
    assert len(pull(client)) == 4
    assert fake.count(LIST) == 2


def test_retries_are_bounded_and_end_in_a_clear_error(fake, make_client):
    client = make_client(retry=RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002))
    fake.script(LIST, "500", "500", "500", "500")
    with pytest.raises(RetriesExhaustedError, match="/attendance/list: gave up after 3 attempts"):
        pull(client)
    assert fake.count(LIST) == 3


def test_connection_errors_are_retried(fake, make_client):
    import httpx

    failures = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])

    def flaky(request):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return fake.handle(request)

    client = make_client(transport=httpx.MockTransport(flaky))
    assert len(pull(client)) == 4
    spent = client.ledger.outcomes(date.min, date.max)
    assert spent[("/v1.0/oauth2/accessToken", "unreachable")] == 2


def test_monthly_quota_exhausted_is_not_retried(fake, make_client):
    client = make_client()
    fake.script(LIST, "90020")
    with pytest.raises(QuotaExhaustedError, match="90020"):
        pull(client)
    assert fake.count(LIST) == 1


@pytest.mark.parametrize("fault", ["ban", "ban-html"])
def test_ip_ban_opens_the_breaker_which_waits_then_retries(fake, make_client, fault):
    client = make_client(ip_ban_wait=0.3)
    fake.script(LIST, fault)
    started = time.monotonic()
    assert len(pull(client)) == 4
    assert time.monotonic() - started >= 0.3  # the ban was waited out, not hammered
    assert client._caller._breaker.trips == 1
    assert fake.count(LIST) == 2


def test_bad_credentials_are_a_clear_error_without_retries(fake, make_client):
    client = DingTalkClient(
        CLIENT_ID, "wrong-secret-value", "http://t", "http://t/oapi", transport=fake.transport()
    )
    with pytest.raises(BadCredentialsError, match="invalidClientIdOrSecret"):
        pull(client)
    assert fake.count("/v1.0/oauth2/accessToken") == 1 and fake.count("/gettoken") == 0


def test_old_gettoken_is_the_fallback_when_the_new_endpoint_fails(fake, make_client):
    fake.new_token_api = False
    client = make_client()
    assert len(pull(client)) == 4
    assert fake.count("/v1.0/oauth2/accessToken") == 1 and fake.count("/gettoken") == 1


def test_limiter_keeps_each_api_at_its_rate(fake, make_client):
    client = make_client(qps_per_api=40, limiter_headroom=1.0)
    started = time.monotonic()
    for _ in range(9):
        pull(client)
    # 9 calls of one API at 40/s cannot take less than 8 intervals of 25 ms.
    assert time.monotonic() - started >= 8 / 40
    stamps = [stamp for path, stamp in fake.requests if path == LIST]
    assert len(stamps) == 9


def test_retries_are_logged(fake, make_client, caplog):
    client = make_client()
    fake.script(LIST, "90018")
    with caplog.at_level("WARNING", logger="pipelines.dingtalk"):
        pull(client)
    assert "retrying DingTalk call" in caplog.text and "90018" in caplog.text
