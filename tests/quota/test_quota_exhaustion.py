"""Quota exhaustion is one hard stop; DingTalk's own usage figures are read where permitted."""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime

import httpx
import pytest

from pipelines.days import SHANGHAI
from pipelines.dingtalk import DingTalkClient, QuotaExhaustedError, RetryPolicy
from pipelines.dingtalk.errors import QUOTA_EXHAUSTED_HINT, parse_response
from pipelines.dingtalk.usage import read_dingtalk_usage
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState

FAST = RetryPolicy(attempts=4, initial_wait=0.001, max_wait=0.005, jitter=0.001)
EMULATOR_HAS_METER = importlib.util.find_spec("pipelines.emulator.api_meter") is not None
needs_meter = pytest.mark.skipif(
    not EMULATOR_HAS_METER,
    reason="emulator feature missing: the meter API useInfos/query (wip-emulator)",
)


@pytest.mark.parametrize(
    ("status", "body", "family"),
    [
        (200, {"errcode": 90020, "errmsg": "您的企业本月api调用量已超过限制"}, "oapi"),
        (200, {"errcode": 88, "sub_code": "90020", "sub_msg": "本月api调用量已超过限制"}, "oapi"),
        (403, {"code": "Forbidden.AccessDenied.ApiCountLimitForOrg", "message": "x"}, "api"),
    ],
)
def test_every_quota_answer_is_one_hard_stop_with_one_message(status, body, family):
    response = httpx.Response(status, json=body)
    with pytest.raises(QuotaExhaustedError) as raised:
        parse_response(response, family, "/attendance/list")
    assert raised.value.retryable is False
    assert str(raised.value).startswith(QUOTA_EXHAUSTED_HINT)


def client_on(transport: httpx.BaseTransport, client_id: str = "c", secret: str = "s"):
    return DingTalkClient(
        client_id, secret, "http://emu", "http://emu/oapi", qps_per_api=10_000,
        transport=transport, retry=FAST,
    )  # fmt: skip


def test_88_with_sub_code_90020_is_never_retried():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("accessToken"):
            return httpx.Response(200, json={"accessToken": "t", "expireIn": 7200})
        return httpx.Response(200, json={"errcode": 88, "sub_code": "90020", "sub_msg": "spent"})

    with client_on(httpx.MockTransport(answer)) as client, pytest.raises(QuotaExhaustedError):
        client.list_attendance_results(["u1"], date(2026, 11, 2), date(2026, 11, 2))
    assert seen.count("/oapi/attendance/list") == 1


def test_the_emulators_quota_stops_the_client_at_the_quota():
    state = EmulatorState(EmulatorConfig(employees=60, monthly_quota=2))
    with client_on(mock_transport(state), state.client_id, state.client_secret) as client:
        users = client.list_on_job_user_ids()  # not metered
        with pytest.raises(QuotaExhaustedError, match="quota"):
            client.list_punch_records(users, date(2026, 11, 2), date(2026, 11, 12))
    assert state.meter.metered_in(state.month()) == 2  # the refused third call is not retried


def meter_transport(status: int, result: list[dict]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("accessToken"):
            return httpx.Response(200, json={"accessToken": "t", "expireIn": 7200})
        assert json.loads(request.content)["period"] == "2026-11"
        if status != 200:
            return httpx.Response(status, json={"code": "Forbidden.AccessDenied", "message": "no"})
        return httpx.Response(200, json={"result": result})

    return httpx.MockTransport(answer)


NOW = datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)


def test_meter_api_figures_are_read_in_the_order_asked():
    result = [{"quotaNum": 5000, "usedNum": 1234}, {"quotaNum": 3000, "usedNum": 77}]
    with client_on(meter_transport(200, result)) as client:
        found = read_dingtalk_usage(client, NOW)
    assert (found.api_calls, found.pushes, found.unavailable) == ((1234, 5000), (77, 3000), None)


def test_a_refused_meter_api_leaves_the_local_ledger_as_the_truth():
    with client_on(meter_transport(403, [])) as client:
        found = read_dingtalk_usage(client, NOW)
    assert found.api_calls is None and "local ledger" in (found.unavailable or "")


@needs_meter
def test_the_emulators_meter_api_counts_what_the_client_spent():
    state = EmulatorState(EmulatorConfig(employees=10))
    with client_on(mock_transport(state), state.client_id, state.client_secret) as client:
        users = client.list_on_job_user_ids()
        client.list_punch_records(users, date(2026, 11, 2), date(2026, 11, 2))
        found = read_dingtalk_usage(client, state.now())
    assert found.api_calls is not None and found.api_calls[0] >= 1
