"""`--json PATH` for the benchmarks: what a run printed, with its arguments and duration.

Each script keeps its own logic and output; `recorded()` tees stdout while `main()` runs and
writes `{"bench", "argv", "seconds", "lines"}` to the path given with `--json` (removed from
`sys.argv` first, so the scripts' own parsers never see it). `bench/benchmarks_doc.py` reads
these files.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def _json_target() -> Path | None:
    if "--json" not in sys.argv:
        return None
    at = sys.argv.index("--json")
    target = Path(sys.argv[at + 1])
    del sys.argv[at : at + 2]
    return target


class _Tee(io.TextIOBase):
    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream, self.captured = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.captured.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


@contextlib.contextmanager
def recorded(bench: str) -> Iterator[None]:
    """Run the block with stdout teed; write the JSON record if `--json PATH` was given."""
    target, argv, started = _json_target(), list(sys.argv[1:]), time.monotonic()
    tee = _Tee(sys.stdout)  # type: ignore[arg-type]
    with contextlib.redirect_stdout(tee):
        yield
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "bench": bench,
            "argv": argv,
            "seconds": round(time.monotonic() - started, 1),
            "lines": tee.captured.getvalue().splitlines(),
        }
        target.write_text(json.dumps(record, indent=2, ensure_ascii=False))
