"""After a `sync`, no file under the data directory or the Dagster home holds the client secret
or any access token the emulator issued (run snapshots, event logs, Parquet, inbox, ledgers)."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app

_register_commands()


def readable_content(path: Path) -> bytes:
    """The file's bytes, plus every zlib-compressed value of its tables if it is SQLite
    (Dagster compresses run snapshots, so a plain byte scan would miss them)."""
    content = path.read_bytes()
    if not content.startswith(b"SQLite format 3"):
        return content
    parts = [content]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the file
                parts.extend(_decompressed(value) for value in row)
    return b"\n".join(parts)


def _decompressed(value: object) -> bytes:
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return raw


def files_holding(root: Path, needles: list[bytes]) -> dict[str, list[str]]:
    """Every file under `root` that contains one of `needles`, with the needles it holds."""
    found: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.name.endswith(("-wal", "-shm", ".lock")):
            content = readable_content(path)
            hits = [needle.decode() for needle in needles if needle in content]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


@pytest.mark.integration
def test_sync_writes_neither_the_secret_nor_a_token(emulator, tmp_path, monkeypatch):
    issued: list[str] = []
    tokens = emulator.state.tokens
    real_issue = tokens.issue

    def recording_issue() -> tuple[str, int]:
        token, ttl = real_issue()
        issued.append(token)
        return token, ttl

    monkeypatch.setattr(tokens, "issue", recording_issue)
    monkeypatch.setenv("DINGTALK_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", emulator.client_secret)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", emulator.api_base_url)
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", emulator.oapi_base_url)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    first = emulator.config.start
    result = CliRunner().invoke(
        app, ["sync", "--start", str(first), "--end", str(first + timedelta(days=1))]
    )
    assert result.exit_code == 0, result.output
    assert issued, "the sync fetched no token: the scan would prove nothing"
    assert any((tmp_path / "dagster_home").rglob("runs.db"))
    needles = [emulator.client_secret.encode(), *(token.encode() for token in set(issued))]
    assert files_holding(tmp_path, needles) == {}
