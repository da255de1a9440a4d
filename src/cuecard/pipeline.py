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
    """A stage after speech. ``process`` must forward ``event`` (or drop it on purpose).

    A stage that speaks first (practice asks its first question) may also have ``async def
    start(send)``, awaited before its first event."""

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
        *,
        summary: Callable[[], dict[str, object]] = dict,
    ) -> None:
        """``summary`` is called once at the end: what ``SessionEnded`` carries."""
        self.source = source
        self.speech = speech
        self.processors = list(processors)
        self.sinks = list(sinks)
        self.clock = clock
        self.summary = summary
        self.audio_s = 0.0
        self._control: list[Inbox] = []
        self.ended = False
        """True once ``SessionEnded`` reached the sinks."""

    async def inject(self, event: Event) -> None:
        """Put a command-born event at the head of the processor chain (answer now …)."""
        if self._control:
            await self._control[0].put(event)

    async def announce(self, event: Event) -> None:
        """Put an event straight in front of the sinks (a notice from outside the stages)."""
        self.announce_now(event)

    def announce_now(self, event: Event) -> None:
        """``announce`` without waiting (the queue has no bound): call on the pipeline's loop."""
        if self._control:
            self._control[-1].put_nowait(event)

    def ending(self) -> SessionEnded:
        return SessionEnded(round(self.audio_s, 3), self.clock.now(), self.summary())

    async def end(self, event: SessionEnded) -> None:
        """Deliver the last event, once, even when the session was cancelled (Ctrl-C)."""
        if not self.ended:
            self.ended = True
            await self.deliver(event)

    async def run(self) -> None:
        queues: list[Inbox] = [asyncio.Queue() for _ in range(len(self.processors) + 1)]
        self._control = [queues[0], queues[-1]]

        async def speech() -> None:
            try:
                await self.speech.run(self._track(self.source), queues[0].put)
            finally:
                await queues[0].put(END)

        async def pump(proc: Processor, inbox: Inbox, outbox: Inbox) -> None:
            try:
                start = getattr(proc, "start", None)
                if start is not None:
                    await start(outbox.put)
                while not isinstance(item := await inbox.get(), _End):
                    await proc.process(item, outbox.put)
                await proc.finish(outbox.put)
            finally:
                await outbox.put(END)

        async def deliver(inbox: Inbox) -> None:
            while not isinstance(item := await inbox.get(), _End):
                await self.deliver(item)
            await self.end(self.ending())

        async with asyncio.TaskGroup() as tg:
            tg.create_task(speech())
            for i, proc in enumerate(self.processors):
                tg.create_task(pump(proc, queues[i], queues[i + 1]))
            tg.create_task(deliver(queues[-1]))

    async def deliver(self, event: Event) -> None:
        for sink in self.sinks:
            result = sink(event)
            if inspect.isawaitable(result):
                await result

    async def _track(self, chunks: AsyncIterable[AudioChunk]) -> AsyncIterable[AudioChunk]:
        async for chunk in chunks:
            self.audio_s = max(self.audio_s, chunk.t1)
            yield chunk
