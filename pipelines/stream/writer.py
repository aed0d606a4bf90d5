"""Group commit: events handled concurrently share one inbox transaction, then all get ACKed.

Each handler awaits `BatchWriter.submit(event)`; a single flush loop takes everything queued,
writes it in one transaction on a worker thread (SQLite blocks) and resolves every waiter only
after the commit. While one transaction commits, the next batch accumulates, so batches grow
with the load and an idle listener still writes each event at once (no added latency).
"""

from __future__ import annotations

import asyncio
import logging

from pipelines.stream.inbox import EventInbox
from pipelines.stream.models import AddResult, NewEvent

log = logging.getLogger(__name__)


class WriteFailed(RuntimeError):
    """The inbox transaction holding this event failed: the event must not be ACKed."""


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
        except Exception as error:  # any failure: nobody in this batch may be ACKed
            log.error("inbox write failed", extra={"events": len(batch), "error": repr(error)})
            for _, future in batch:
                if not future.done():
                    future.set_exception(WriteFailed(repr(error)))
            return
        self.batches += 1
        self.inserted += result.inserted
        self.duplicates += result.duplicates
        if result.duplicates:
            log.info("duplicates absorbed", extra={"event_ids": list(result.duplicate_ids)[:20]})
        for _, future in batch:
            if not future.done():
                future.set_result(None)

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
