"""A listener host's own DingTalk calls in the multi-host test: `attendance/list` of one day, as
often as the shared rate limiter lets, until SIGTERM; then prints how many calls it made.

Run on a host's namespace with the host's environment (`python -m tests.integration.api_caller
DAY USERID...`): the project's client with its ledger and limiter in `ATTENDANCE_STATE_URL`.
"""

from __future__ import annotations

import json
import signal
import sys
from datetime import date

from pipelines.dingtalk import DingTalkClient
from pipelines.settings import load_settings


def main(day: date, users: list[str]) -> int:
    stopping: list[int] = []
    # The call in progress finishes (its slot was taken); the loop stops before the next.
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    calls = 0
    with DingTalkClient.from_settings(load_settings()) as client:
        while not stopping:
            client.list_attendance_results(users, day, day)
            calls += 1
    print(json.dumps({"calls": calls}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(date.fromisoformat(sys.argv[1]), sys.argv[2:]))
