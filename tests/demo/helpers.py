"""Helpers of the demo tests: the README's example queries, and processes tied to a data dir."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
_QUERY_BLOCK = re.compile(r"<!-- demo-query: (\w+) -->\s*```sql\n(.*?)```", re.S)


def readme_queries() -> dict[str, str]:
    """The README's example queries by marker name, as written there."""
    return {name: sql.strip() for name, sql in _QUERY_BLOCK.findall(README.read_text())}


def processes_using(data_dir: Path) -> list[int]:
    """Pids of live processes whose environment points ATTENDANCE_DATA_DIR at `data_dir`."""
    needle = f"ATTENDANCE_DATA_DIR={data_dir.resolve()}".encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ + b"\0" and state != "Z":
            found.append(int(entry.name))
    return found
