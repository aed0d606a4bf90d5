"""Group commit: events handled concurrently share one inbox transaction, then all get ACKed.

Each handler awaits `BatchWriter.submit(event)`; a single flush loop takes everything queued,
writes it in one transaction on a worker thread (SQLite blocks) and resolves every waiter only
after the commit. While one transaction commits, the next batch accumulates, so batches grow
with the load and an idle listener still writes each event at once (no added latency).

One event must never hold its batch-mates hostage: when a batch transaction fails, each event
is written again on its own. An event that fails alone with a content error (text SQLite cannot
encode, nesting too deep to serialize, a value of the wrong type) is handed back as
`EventRejected`, for the handler to quarantine; the others are stored and ACKed. Any other
failure (disk full, lock timeout) leaves the event unACKed (`WriteFailed`: DingTalk redelivers).
"""

from __future__ import annotations

import asyncio
import logging

from pipelines.stream.inbox import EventInbox
from pipelines.stream.models import AddResult, NewEvent

log = logging.getLogger(__name__)


class WriteFailed(RuntimeError):
    """The inbox transaction holding this event failed: the event must not be ACKed."""


class EventRejected(ValueError):
    """This event alone cannot be stored (its content is the problem); quarantine it."""


# Content errors: what serializing or binding one event's values raises. An inbox
# implementation reports content problems as one of these (UnicodeEncodeError is a ValueError).
CONTENT_ERRORS = (ValueError, TypeError, RecursionError, OverflowError)


class BatchWriter:
    """Batches `NewEvent`s into inbox transactions (one writer task per process)."""

    def __init__(self, inbox: EventInbox, max_batch: int = 1000):
        self._inbox = inbox
        self._max_batch = max_batch
        self._queue: list[tuple[NewEvent, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = False
        self.batches = 0
        self.inserted = 0
        self.duplicates = 0
        self.rejected = 0

    def start(self) -> None:
        """Start the flush loop on the running event loop."""
        self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def submit(self, event: NewEvent) -> None:
        """Return once `event` is committed to the inbox; raise `WriteFailed` otherwise."""
        if self._task is None or self._task.done():
            raise WriteFailed("the inbox writer is not running")
        future = asyncio.get_running_loop().create_future()
        self._queue.append((event, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            if not self._queue:
                self._wake.clear()
            if batch:
                self._flushing = True
                try:
                    await self._flush(batch)
                finally:
                    self._flushing = False

    async def _flush(self, batch: list[tuple[NewEvent, asyncio.Future[None]]]) -> None:
        try:
            result: AddResult = await asyncio.to_thread(self._inbox.add, [e for e, _ in batch])
        except Exception as error:
            log.error("inbox write failed", extra={"events": len(batch), "error": repr(error)})
            if len(batch) == 1:
                _fail(batch[0][1], error)
            else:
                await self._one_by_one(batch)
            return
        self._count(result)
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    async def _one_by_one(self, batch: list[tuple[NewEvent, asyncio.Future[None]]]) -> None:
        """Isolate the event that failed the batch: each event gets its own transaction."""
        for event, future in batch:
            try:
                result = await asyncio.to_thread(self._inbox.add, [event])
            except Exception as error:
                _fail(future, error)
                self.rejected += isinstance(error, CONTENT_ERRORS)
                continue
            self._count(result)
            if not future.done():
                future.set_result(None)

    def _count(self, result: AddResult) -> None:
        self.batches += 1
        self.inserted += result.inserted
        self.duplicates += result.duplicates
        if result.duplicates:
            log.info("duplicates absorbed", extra={"event_ids": list(result.duplicate_ids)[:20]})

    async def close(self) -> None:
        """Flush what is queued, then stop the loop."""
        while (self._queue or self._flushing) and self._task and not self._task.done():
            await asyncio.sleep(0.005)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for _, future in self._queue:
            if not future.done():
                future.set_exception(WriteFailed("the inbox writer stopped"))
        self._queue.clear()


def _fail(future: asyncio.Future[None], error: Exception) -> None:
    """Reject the event if its content failed the write, defer it (unACKed) otherwise."""
    if future.done():
        return
    if isinstance(error, CONTENT_ERRORS):
        future.set_exception(
            EventRejected(f"cannot be stored: {type(error).__name__}: {str(error)[:200]}")
        )
    else:
        future.set_exception(WriteFailed(repr(error)))
