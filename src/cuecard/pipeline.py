"""Wiring stages into one session: a chain of queues, events flowing one way.

audio source → speech → processors (dialogue, assist, privacy recorders …) → sinks (ui)

Each processor sees every event from upstream, forwards what it wants and adds
its own; the end of the audio travels down the chain as a sentinel, so every
stage drains (finishes pending answers) before the next one is told the
session is over. Cancellation is structured: one task group for the session;
Ctrl-C or ``stop()`` cancels it and every stage unwinds.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from typing import Protocol

from cuecard.clock import SessionClock
from cuecard.events import AudioChunk, Event, SessionEnded

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]
Sink = Callable[[Event], Awaitable[None] | None]


class _End:
    """The sentinel that says: upstream is finished."""


END = _End()
Inbox = asyncio.Queue[Event | _End]


class AudioStage(Protocol):
    async def run(self, chunks: AsyncIterable[AudioChunk], send: Send) -> None: ...


class Processor(Protocol):
    """A stage after speech. ``process`` must forward ``event`` (or drop it on purpose)."""

    async def process(self, event: Event, send: Send) -> None: ...

    async def finish(self, send: Send) -> None:
        """Upstream ended: emit what is still pending, then return."""
        ...


class Pipeline:
    """One session's stages, run under one task group."""

    def __init__(
        self,
        source: AsyncIterable[AudioChunk],
        speech: AudioStage,
        processors: Sequence[Processor],
        sinks: Sequence[Sink],
        clock: SessionClock,
    ) -> None:
        self.source = source
        self.speech = speech
        self.processors = list(processors)
        self.sinks = list(sinks)
        self.clock = clock
        self.audio_s = 0.0
        self._task: asyncio.Task[None] | None = None
        self._control: list[Inbox] = []

    async def inject(self, event: Event) -> None:
        """Put a command-born event at the head of the processor chain (answer now …)."""
        if self._control:
            await self._control[0].put(event)

    async def run(self) -> None:
        queues: list[Inbox] = [asyncio.Queue() for _ in range(len(self.processors) + 1)]
        self._control = queues[:1]

        async def speech() -> None:
            try:
                await self.speech.run(self._track(self.source), queues[0].put)
            finally:
                await queues[0].put(END)

        async def pump(proc: Processor, inbox: Inbox, outbox: Inbox) -> None:
            try:
                while not isinstance(item := await inbox.get(), _End):
                    await proc.process(item, outbox.put)
                await proc.finish(outbox.put)
            finally:
                await outbox.put(END)

        async def deliver(inbox: Inbox) -> None:
            try:
                while not isinstance(item := await inbox.get(), _End):
                    await self._deliver(item)
            finally:
                # turns (issue 10 item 5): also when the session is cancelled (Ctrl-C),
                # `session_end` is the last event every sink sees (README: last JSON line).
                await self._deliver(SessionEnded(round(self.audio_s, 3), self.clock.now()))

        async with asyncio.TaskGroup() as tg:
            tg.create_task(speech())
            for i, proc in enumerate(self.processors):
                tg.create_task(pump(proc, queues[i], queues[i + 1]))
            tg.create_task(deliver(queues[-1]))

    async def _deliver(self, event: Event) -> None:
        for sink in self.sinks:
            result = sink(event)
            if inspect.isawaitable(result):
                await result

    async def _track(self, chunks: AsyncIterable[AudioChunk]) -> AsyncIterable[AudioChunk]:
        async for chunk in chunks:
            self.audio_s = max(self.audio_s, chunk.t1)
            yield chunk
