"""Each PostgreSQL store implements every method of its protocol with the same parameters."""

from __future__ import annotations

import pytest

from pipelines.dingtalk.ledger import CallLedger
from pipelines.dingtalk.throttle import CallLimiter
from pipelines.extract.strategies.plans import PlanCache
from pipelines.refresh.failed_push import FailedPushPageStore
from pipelines.refresh.requests import RefreshRequestStore
from pipelines.state.postgres.failed_push_pages import PostgresFailedPushPages
from pipelines.state.postgres.inbox import PostgresInbox
from pipelines.state.postgres.ledger import PostgresLedger
from pipelines.state.postgres.limiter import PostgresRateLimiter
from pipelines.state.postgres.plan_cache import PostgresPlanCache
from pipelines.state.postgres.refresh_requests import PostgresRefreshRequests
from pipelines.stream.protocol import EventInbox
from tests.unit.test_store_protocols import (
    test_the_implementation_has_every_protocol_method_with_its_parameters as check_pair,
)

PAIRS = [
    (EventInbox, PostgresInbox),
    (RefreshRequestStore, PostgresRefreshRequests),
    (FailedPushPageStore, PostgresFailedPushPages),
    (CallLedger, PostgresLedger),
    (CallLimiter, PostgresRateLimiter),
    (PlanCache, PostgresPlanCache),
]


@pytest.mark.parametrize(("protocol", "implementation"), PAIRS)
def test_each_postgres_store_meets_its_protocol(protocol, implementation):
    check_pair(protocol, implementation)
