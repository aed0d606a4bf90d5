"""One setting chooses the backend for every caller: the listener's check, the client's ledger
and limiter, the Dagster resources' stores; and CI turns a missing service into a failure."""

from __future__ import annotations

import pytest

from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.ledger import QuotaLedger
from pipelines.dingtalk.throttle import SharedRateLimiter
from pipelines.resources import WarehouseResource
from pipelines.settings import ConfigError, load_settings
from pipelines.state.factory import StateLocation
from pipelines.state.postgres.inbox import PostgresInbox
from pipelines.state.postgres.ledger import PostgresLedger
from pipelines.state.postgres.limiter import PostgresRateLimiter
from pipelines.stream.config import ListenerConfig
from pipelines.stream.inbox import Inbox
from pipelines.stream.listener import _check_inbox
from tests.services import REQUIRE_SERVICES, unavailable


def test_sqlite_stays_the_default(tmp_path):
    state = StateLocation.from_settings(load_settings(attendance_data_dir=tmp_path))
    assert not state.is_postgres and isinstance(state.inbox(), Inbox)
    assert isinstance(state.ledger(), QuotaLedger)
    assert isinstance(state.limiter(20), SharedRateLimiter)


def test_the_client_built_from_settings_counts_and_limits_in_postgres(postgres_url, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_STATE_URL", postgres_url)
    settings = load_settings(
        dingtalk_client_id="id", dingtalk_client_secret="pg-factory-test-secret-7f3a"
    )
    with DingTalkClient.from_settings(settings) as client:
        assert isinstance(client.ledger, PostgresLedger)
        assert isinstance(client.limiter, PostgresRateLimiter)
        assert client.limiter.namespace == "id "


def test_dagster_resources_open_the_stores_the_setting_names(postgres_url, monkeypatch, tmp_path):
    resource = WarehouseResource(data_dir=str(tmp_path))
    assert not resource.state().is_postgres
    monkeypatch.setenv("ATTENDANCE_STATE_URL", postgres_url)
    assert isinstance(resource.state().inbox(), PostgresInbox)


def test_an_unreachable_database_stops_the_listener_in_one_line(tmp_path):
    state = StateLocation(tmp_path, "postgresql://nobody:pw@127.0.0.1:9/none?connect_timeout=2")
    with pytest.raises(ConfigError) as raised:
        _check_inbox(state, ListenerConfig())
    message = str(raised.value)
    assert message.startswith("ATTENDANCE_STATE_URL=postgresql://nobody:***@127.0.0.1:9/none")
    assert "\n" not in message and "pw" not in message.replace("postgresql", "")


def test_a_url_that_is_not_postgres_is_refused():
    with pytest.raises(ConfigError, match="ATTENDANCE_STATE_URL"):
        load_settings(attendance_state_url="mysql://u:pw@h/db")


def test_a_missing_service_skips_here_and_fails_where_services_are_required(monkeypatch):
    monkeypatch.delenv(REQUIRE_SERVICES, raising=False)
    with pytest.raises(pytest.skip.Exception, match="down"):
        unavailable("PostgreSQL down")
    monkeypatch.setenv(REQUIRE_SERVICES, "1")
    with pytest.raises(pytest.fail.Exception, match="required"):
        unavailable("PostgreSQL down")
