"""Who gets the one Whisper model next: finals before partials, newest partial only.

Both channels share one model, so passes queue. A final is what the user waits
for (and what the answer engine needs), so it jumps the queue, the way pipecat
lets control frames overtake data. A partial that is still waiting when a newer
one for the same channel arrives is dropped: only the freshest text matters.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

FINAL, PARTIAL = 0, 1


@dataclass(order=True)
class _Job(Generic[T]):
    priority: int
    seq: int
    key: str = field(compare=False)
    work: Callable[[], T] = field(compare=False)
    future: asyncio.Future[T | None] = field(compare=False)


class PassScheduler(Generic[T]):
    """Runs blocking passes one at a time in a worker thread, by priority."""

    def __init__(self) -> None:
        self._queue: asyncio.PriorityQueue[_Job[T]] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._waiting_partial: dict[str, _Job[T]] = {}
        self.busy_s = 0.0
        self.running: asyncio.Future[T | None] | None = None

    @property
    def idle(self) -> bool:
        """No pass running or waiting (tests pace audio on it to make passes instant)."""
        return self.running is None and self._queue.empty()

    def submit(self, work: Callable[[], T], *, final: bool, key: str) -> asyncio.Future[T | None]:
        """Queue a pass; the future gets its result, or None if superseded or cancelled."""
        loop = asyncio.get_running_loop()
        job = _Job(FINAL if final else PARTIAL, next(self._seq), key, work, loop.create_future())
        if not final:
            older = self._waiting_partial.pop(key, None)
            if older is not None and not older.future.done():
                older.future.set_result(None)
            self._waiting_partial[key] = job
        self._queue.put_nowait(job)
        return job.future

    async def run(self) -> None:
        """Worker loop; cancel it (task group) to stop."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                job = await self._queue.get()
                if job.priority == PARTIAL and self._waiting_partial.get(job.key) is job:
                    del self._waiting_partial[job.key]
                if job.future.done():
                    continue
                t0 = loop.time()
                self.running = job.future
                try:
                    result = await asyncio.to_thread(job.work)
                except Exception as err:  # delivered to whoever awaits the pass
                    if not job.future.done():
                        job.future.set_exception(err)
                else:
                    if not job.future.done():
                        job.future.set_result(result)
                finally:
                    self.running = None
                    self.busy_s += loop.time() - t0
        finally:
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                if not pending.future.done():
                    pending.future.cancel()
