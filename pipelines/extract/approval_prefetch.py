"""getupdatedata pulled ahead during a backfill: approvals no longer wait for the whole range.

`attendance_approvals` asks getupdatedata for the user-days that results (a procInstId) or report
values (leave, overtime, trips, outings) show, so in a run it can only start once both steps
have finished, and its calls (about 0.015 per employee-day) then run alone on the critical path.
In the backfill job the results and report-values steps instead hand each user-day to a
`Prefetcher` as soon as its rows are pulled: its threads call getupdatedata at that API's own
rate, side by side with the step's own API, and park the rows in a `Spool` (one SQLite file per
run, shared by the step processes). The approvals step then takes the parked rows and pulls only
what is missing (a failed or refused prefetch), in the order a sequential run would, so the
table is the same row for row and every user-day costs one call, whichever step saw it first
(`Spool.claim`).
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipelines.dingtalk.client import DingTalkClient
from pipelines.extract import rows as row_builders
from pipelines.extract.parallel import API_THREADS
from pipelines.state.sqlite import SqliteFile

UserDay = tuple[str, date]
_TIMES = ("begin_time", "end_time")


def spool_path(run_id: str) -> Path:
    """The run's spool: local to the host, which is where the multiprocess executor's steps run."""
    return Path(tempfile.gettempdir()) / "dingtalk-attendance" / f"approvals-{run_id}.sqlite"


_SPOOL_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    userid TEXT, work_date TEXT, rows TEXT, PRIMARY KEY (userid, work_date)
);
"""


class Spool:
    """Approval rows of user-days pulled ahead, keyed by (userid, work date); process-safe.

    A scratch file for one run: NORMAL sync (a crash loses only what the approvals step pulls
    again anyway).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteFile(path, _SPOOL_SCHEMA, synchronous="NORMAL", busy_timeout_ms=60_000)

    def claim(self, user_days: Iterable[UserDay]) -> list[UserDay]:
        """The user-days no step has claimed yet, now claimed by the caller (in input order)."""
        claimed: list[UserDay] = []
        with self._db.transaction() as connection:
            for userid, day in user_days:
                cursor = connection.execute(
                    "INSERT OR IGNORE INTO claims (userid, work_date) VALUES (?, ?)",
                    (userid, day.isoformat()),
                )
                if cursor.rowcount:
                    claimed.append((userid, day))
        return claimed

    def put(self, userid: str, day: date, found: list[dict[str, Any]]) -> None:
        """Park the approval rows of one claimed user-day (`pulled_at` is set when taken)."""
        kept = [{k: v for k, v in row.items() if k != "pulled_at"} for row in found]
        text = json.dumps(kept, default=_encode)
        self._db.execute(
            "UPDATE claims SET rows = ? WHERE userid = ? AND work_date = ?",
            (text, userid, day.isoformat()),
        )

    def take(self) -> dict[UserDay, list[dict[str, Any]]]:
        """Every parked user-day's rows (claims that never got an answer are left out)."""
        found = self._db.fetch_all(
            "SELECT userid, work_date, rows FROM claims WHERE rows IS NOT NULL"
        )
        return {(u, date.fromisoformat(d)): _decode(text) for u, d, text in found}

    def close(self) -> None:
        self._db.close()

    def remove(self) -> None:
        """Delete the spool (the approvals step has written what it held)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot spool {type(value).__name__}")


def _decode(text: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(text)
    for row in found:
        for key in _TIMES:
            if row.get(key) is not None:
                row[key] = datetime.fromisoformat(row[key])
    return found


class Prefetcher:
    """getupdatedata for user-days handed over while the step pulls its own API.

    `wanted` limits it to the users the run's approvals step will pull, so nothing is asked that
    a sequential run would not ask. The first failed call stops the prefetch (the calls not
    started are dropped); the approvals step then pulls what is missing and reports the error.
    """

    def __init__(
        self, client: DingTalkClient, spool: Spool, wanted: set[str] | None, threads: int
    ) -> None:
        self._client, self._spool, self._wanted = client, spool, wanted
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="prefetch")
        self._futures: list[Future[None]] = []
        self._failed = threading.Event()

    def submit(self, user_days: Iterable[UserDay]) -> None:
        """Pull these user-days (those no step claimed yet) on the prefetch threads."""
        if self._failed.is_set():
            return
        chosen = sorted({(u, d) for u, d in user_days if self._wanted is None or u in self._wanted})
        for userid, day in self._spool.claim(chosen):
            self._futures.append(self._pool.submit(self._pull, userid, day))

    def _pull(self, userid: str, day: date) -> None:
        if self._failed.is_set():
            return
        try:
            update = self._client.get_update_data(userid, day)
        except Exception:
            # The approvals step pulls the user-day itself and fails there, in its own step.
            self._failed.set()
            return
        self._spool.put(userid, day, row_builders.approval_rows(userid, day, update.approve_list))

    def wait(self) -> None:
        for future in self._futures:
            future.result()
        self._pool.shutdown(wait=True)


@contextmanager
def prefetching(
    client: DingTalkClient, run_id: str, wanted: set[str] | None, threads: int = API_THREADS
) -> Generator[Prefetcher]:
    """A prefetcher over the run's spool; leaving waits for its calls to finish."""
    with closing(Spool(spool_path(run_id))) as spool:
        prefetcher = Prefetcher(client, spool, wanted, threads)
        try:
            yield prefetcher
        finally:
            prefetcher.wait()
