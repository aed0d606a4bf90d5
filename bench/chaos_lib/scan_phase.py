"""A `sync` killed mid-write then run again, then every file scanned for the secret and tokens;
and the listening sockets this process opened."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.emulator.server import EmulatorServer


def _sync(emulator: EmulatorServer, work: Path, days: int) -> subprocess.Popen[bytes]:
    first = emulator.config.start
    env = {
        **os.environ,
        "DINGTALK_CLIENT_ID": emulator.client_id,
        "DINGTALK_CLIENT_SECRET": emulator.client_secret,
        "DINGTALK_API_BASE_URL": emulator.api_base_url,
        "DINGTALK_OAPI_BASE_URL": emulator.oapi_base_url,
        "ATTENDANCE_DATA_DIR": str(work / "data"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    end = first + timedelta(days=days - 1)
    command = [sys.executable, "-m", "pipelines", "sync", "--start", str(first), "--end", str(end)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _content(path: Path) -> bytes:
    """The file's bytes, plus every (zlib-inflated) value if it is SQLite: Dagster compresses."""
    content = path.read_bytes()
    if not content.startswith(b"SQLite format 3"):
        return content
    parts = [content]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        for (table,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        ).fetchall():
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the file
                for value in row:
                    raw = (
                        value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
                    )
                    try:
                        parts.append(zlib.decompress(raw))
                    except zlib.error:
                        parts.append(raw)
    return b"\n".join(parts)


def _leaks(root: Path, needles: list[bytes]) -> tuple[int, int, list[str]]:
    files, hits, where = 0, 0, []
    for path in root.rglob("*"):
        if not path.is_file() or path.name.endswith((".lock", "-shm")):
            continue
        files += 1
        content = _content(path) if not path.name.endswith("-wal") else path.read_bytes()
        found = sum(content.count(needle) for needle in needles)
        if found:
            hits += found
            where.append(str(path.relative_to(root)))
    return files, hits, where


def run(work: Path, emulator: EmulatorServer, days: int, secrets: list[bytes]) -> dict[str, object]:
    (work / "dagster_home").mkdir(parents=True)
    issued: list[str] = []
    tokens = emulator.state.tokens
    real_issue = tokens.issue

    def recording_issue() -> tuple[str, int]:
        token, ttl = real_issue()
        issued.append(token)
        return token, ttl

    tokens.issue = recording_issue  # type: ignore[method-assign]
    killed = _sync(emulator, work, days)
    time.sleep(8)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    final = _sync(emulator, work, days)
    _, error = final.communicate(timeout=900)
    tokens.issue = real_issue  # type: ignore[method-assign]
    parquet = list((work / "data").rglob("*.parquet"))
    unreadable = 0
    for path in parquet:
        try:
            pq.read_metadata(path)
        except Exception:
            unreadable += 1
    needles = [*secrets, *(token.encode() for token in set(issued))]
    files, hits, where = _leaks(work, needles)
    return {
        "sync_exit_code": final.returncode,
        "sync_error": error.decode(errors="replace")[-300:] if final.returncode else "",
        "parquet_files": len(parquet),
        "unreadable_parquet": unreadable,
        "orphan_tmp_files": len(list((work / "data").rglob("*.tmp"))),
        "tokens_issued": len(set(issued)),
        "files_scanned": files,
        "secret_or_token_occurrences": hits,
        "leaking_files": where[:10],
    }


def listening_sockets() -> list[str]:
    """Local addresses of this process's listening TCP sockets (state 0A in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                found.append(_address(fields[1]))
    return found


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    if len(host) == 8:
        octets = [str(int(host[i : i + 2], 16)) for i in range(6, -1, -2)]
        return f"{'.'.join(octets)}:{int(port, 16)}"
    return f"[{host}]:{int(port, 16)}"
