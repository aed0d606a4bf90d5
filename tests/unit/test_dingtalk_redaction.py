"""Tokens and secrets are masked in text, URLs, JSON, headers and records of the HTTP loggers."""

from __future__ import annotations

import logging

from pipelines.dingtalk.redaction import install_log_redaction, redact, register_secret


def test_registered_secrets_are_masked_anywhere():
    register_secret("s3cr3t-value-XYZ")
    assert redact("before s3cr3t-value-XYZ after") == "before *** after"


def test_credential_parameters_are_masked_even_if_unknown():
    text = (
        "GET https://oapi.dingtalk.com/gettoken?appkey=ding1&appsecret=abc123def "
        "POST /attendance/list?access_token=96fc7a7a&x=1 "
        '{"appSecret": "zzz999", "accessToken": "yyy888"} '
        "x-acs-dingtalk-access-token: qqq777"
    )
    cleaned = redact(text)
    for secret in ("abc123def", "96fc7a7a", "zzz999", "yyy888", "qqq777"):
        assert secret not in cleaned
    assert "appkey=ding1" in cleaned and "x=1" in cleaned


def test_a_secret_inside_a_parameter_name_does_not_unmask_its_value():
    register_secret("secret")  # as a test app's client secret may be
    cleaned = redact("GET /gettoken?appkey=ding1&appsecret=abc123def")
    assert "abc123def" not in cleaned and "appkey=ding1" in cleaned


def test_short_values_are_not_registered_so_text_stays_readable():
    register_secret("ok")
    assert redact("ok then") == "ok then"


def test_records_of_child_http_loggers_are_rewritten(caplog):
    install_log_redaction()
    register_secret("tok-in-a-log-line-123")
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("httpx").info(
            "HTTP Request: GET %s", "/x?access_token=tok-in-a-log-line-123"
        )
        logging.getLogger("httpcore.http11").debug("headers %s", "tok-in-a-log-line-123")
        try:
            raise RuntimeError("failed with tok-in-a-log-line-123")
        except RuntimeError:
            logging.getLogger("pipelines.dingtalk.http").exception("boom")
    assert "tok-in-a-log-line-123" not in caplog.text
    assert caplog.text.count("***") >= 3
