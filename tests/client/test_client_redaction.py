"""No token or secret reaches any log line (httpx/httpcore at DEBUG), error message or repr."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from pipelines.dingtalk import DingTalkError, RetryPolicy
from tests.client.fake_dingtalk import CLIENT_SECRET


def test_a_run_with_refreshes_and_errors_leaks_nothing(fake, make_client, caplog):
    fake.new_token_api = False  # the old gettoken puts the secret in the URL
    client = make_client(retry=RetryPolicy(attempts=2, initial_wait=0.001, max_wait=0.001))
    errors = []
    with caplog.at_level(logging.DEBUG):
        client.list_attendance_results(["u1"], date(2026, 11, 1), date(2026, 11, 2))
        fake.expire_tokens()
        fake.script("/attendance/list", "90018", "500", "500", "40014")
        for _ in range(3):
            try:
                client.list_attendance_results(["u1"], date(2026, 11, 1), date(2026, 11, 2))
            except DingTalkError as error:
                errors.append(f"{error!s} {error!r}")
        fake.reject_all_tokens = True
        with pytest.raises(DingTalkError) as rejected:
            client.get_process_instance("p1")
        errors.append(f"{rejected.value!s} {rejected.value!r}")
    issued = [f"tok-{n:04d}-a8f3c2e1d9b7" for n in range(1, fake.token_counter + 1)]
    assert fake.token_counter >= 2 and errors
    assert "access_token=***" in caplog.text  # the URLs were logged, masked
    visible = caplog.text + "\n".join(errors) + repr(client)
    for secret in [CLIENT_SECRET, *issued]:
        assert secret not in visible
