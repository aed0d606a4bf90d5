"""Calls of one API from a few threads, results in input order, so a loader reaches the API's QPS.

A single thread waits for every answer before asking the next, so with ~50 ms per round trip
plus parsing it asks well under the 20 calls a second DingTalk allows per API. A few threads
keep calls in flight while the client's rate limiter (shared by threads and processes) spaces
them at the limit. Results come back in input order, so the rows a loader writes are the same
as from one thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

# Enough to cover a round trip plus parsing at 18 calls a second; more only adds threads that
# wait on the limiter (and calls billed after a failure, see `ordered_map`).
API_THREADS = 4

Item = TypeVar("Item")
Result = TypeVar("Result")


def ordered_map(
    call: Callable[[Item], Result], items: Iterable[Item], threads: int = API_THREADS
) -> list[Result]:
    """`[call(item) for item in items]`, run on up to `threads` threads (see `ordered_stream`)."""
    return list(ordered_stream(call, items, threads))


def ordered_stream(
    call: Callable[[Item], Result],
    items: Iterable[Item],
    threads: int = API_THREADS,
    ahead: int = 0,
) -> Iterator[Result]:
    """`call(item) for item in items`, run on up to `threads` threads, yielded in input order.

    At most `max(ahead, 2 * threads)` calls are submitted and not yet taken, so a caller that
    converts and writes results as they come holds a bounded number of them, while the calls
    after them go on: a write that takes a second stalls no call when `ahead` covers a second
    of calls. The first failure (in input order) is raised and the calls not yet
    started are cancelled, so a refused call stops the loader after at most `threads - 1` more
    calls, as one thread would stop at once.
    """
    work = iter(items)
    if threads <= 1:
        yield from (call(item) for item in work)
        return
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dingtalk-api")
    try:
        window = max(ahead, 2 * threads)
        pending: deque[Future[Result]] = deque(
            pool.submit(call, item) for item in islice(work, window)
        )
        while pending:
            result = pending.popleft().result()
            for item in islice(work, 1):
                pending.append(pool.submit(call, item))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
