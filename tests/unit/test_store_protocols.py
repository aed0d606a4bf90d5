"""Each store implements every method of the protocol its callers use, with the same
parameters: the protocol is the whole contract a PostgreSQL implementation has to meet."""

from __future__ import annotations

import inspect

import pytest

from pipelines.dingtalk.ledger import CallLedger, QuotaLedger
from pipelines.dingtalk.throttle import CallLimiter, RateLimiter, SharedRateLimiter
from pipelines.extract.strategies.plans import PlanCache
from pipelines.refresh.failed_push import FailedPushPageStore
from pipelines.refresh.requests import RefreshRequestStore
from pipelines.state.failed_push_pages import FailedPushPages
from pipelines.state.plan_cache import SqlitePlanCache
from pipelines.state.refresh_requests import RefreshRequestQueue
from pipelines.stream.inbox import Inbox
from pipelines.stream.protocol import EventInbox
from pipelines.warehouse.store import ParquetStore, WarehouseRows

PAIRS = [
    (EventInbox, Inbox),
    (RefreshRequestStore, RefreshRequestQueue),
    (FailedPushPageStore, FailedPushPages),
    (CallLedger, QuotaLedger),
    (CallLimiter, RateLimiter),
    (CallLimiter, SharedRateLimiter),
    (WarehouseRows, ParquetStore),
    (PlanCache, SqlitePlanCache),
]


def protocol_methods(protocol: type) -> list[str]:
    return [
        name
        for name, value in vars(protocol).items()
        if callable(value) and not name.startswith("_")
    ]


def _parameters(function: object) -> list[tuple[str, object, object]]:
    return [
        (parameter.name, parameter.kind, parameter.default)
        for parameter in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize(("protocol", "implementation"), PAIRS)
def test_the_implementation_has_every_protocol_method_with_its_parameters(protocol, implementation):
    methods = protocol_methods(protocol)
    assert methods  # the protocol names what its callers need
    for name in methods:
        assert hasattr(implementation, name), f"{implementation.__name__} lacks {name}"
        wanted = _parameters(getattr(protocol, name))
        assert _parameters(getattr(implementation, name)) == wanted, name


def test_the_inbox_protocol_holds_the_queries_failed_push_reconciliation_needs():
    assert {"events_born_at", "listener_coverage", "gaps_after"} <= set(
        protocol_methods(EventInbox)
    )
