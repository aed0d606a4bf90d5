"""Listener logs are JSON lines with their extra fields, and secret-looking values masked."""

from __future__ import annotations

import json
import logging

from pipelines.stream.logs import JsonFormatter, redact


def test_records_become_json_lines_with_their_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "pipelines.stream.client",
            "levelname": "INFO",
            "msg": "connected %s",
            "args": ("now",),
            "remote": "127.0.0.1",
        }
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "connected now" and entry["level"] == "info"
    assert entry["logger"] == "pipelines.stream.client" and entry["remote"] == "127.0.0.1"
    assert entry["ts"].endswith("+00:00")


def test_secret_looking_values_are_masked():
    text = 'body {"clientSecret": "abc123", "x": 1} url ws://h/connect?ticket=t-42&a=1'
    masked = redact(text)
    assert "abc123" not in masked and "t-42" not in masked
    assert '"x": 1' in masked


def test_a_secret_in_an_extra_field_never_reaches_the_line():
    record = logging.makeLogRecord(
        {"name": "x", "levelname": "ERROR", "msg": "failed", "error": "access_token=SECRET9"}
    )
    assert "SECRET9" not in JsonFormatter().format(record)
