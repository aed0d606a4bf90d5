"""Fixtures: a fresh fake DingTalk and a factory for clients wired to it with fast retries."""

from __future__ import annotations

import pytest

from pipelines.dingtalk import DingTalkClient, QuotaLedger, RetryPolicy
from tests.client.fake_dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk

FAST_RETRY = RetryPolicy(attempts=4, initial_wait=0.001, max_wait=0.005, jitter=0.001)


@pytest.fixture
def fake():
    return FakeDingTalk()


@pytest.fixture
def make_client(fake, tmp_path):
    made = []

    def build(**options):
        options.setdefault("qps_per_api", 10_000)
        options.setdefault("retry", FAST_RETRY)
        options.setdefault("ledger", QuotaLedger(tmp_path / "quota_ledger.sqlite"))
        client = DingTalkClient(
            CLIENT_ID,
            CLIENT_SECRET,
            "http://dingtalk.test",
            "http://dingtalk.test/oapi",
            transport=options.pop("transport", fake.transport()),
            **options,
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
