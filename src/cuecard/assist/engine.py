"""The answer engine: a question in, talking points streamed out, never stuck.

- A new question cancels the answer in progress (Textual's ``exclusive`` worker
  shape); a revised question (same id) restarts its one answer.
- Each provider is tried with retries and backoff while its errors say
  ``retryable``, then the next provider in the fallback list, and finally the
  offline engine, so the user always gets something and the transcript never
  stops.
- A cost guard caps answers per minute; tokens are counted per session.
- Every prompt goes through one builder and, when enabled, the redactor; the
  exact text that leaves is published as ``PromptSent`` for the inspector.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cuecard.assist.base import Prompt, Provider, ProviderError, StreamEnd, TextDelta
from cuecard.clock import SessionClock
from cuecard.config import AssistConfig
from cuecard.events import (
    Event,
    Notice,
    PromptSent,
    Question,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.privacy.redaction import Redactor, redact_prompt

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]


class Retriever(Protocol):
    def search(self, query: str, k: int = 4) -> Sequence[object]: ...


class PromptBuilder(Protocol):
    def __call__(
        self, question: str, kind: str, chunks: Sequence[object], history: Sequence[tuple[str, str]]
    ) -> Prompt: ...


@dataclass
class Usage:
    answers: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


def _destination(provider: Provider) -> str:
    return str(
        getattr(
            provider, "destination", "this device" if not provider.needs_network else provider.name
        )
    )


class AnswerEngine:
    """A pipeline processor that answers ``Question`` events."""

    def __init__(
        self,
        providers: Sequence[Provider],
        cfg: AssistConfig,
        clock: SessionClock,
        *,
        retriever: Retriever | None,
        build_prompt: PromptBuilder,
        redactor: Redactor | None = None,
        backoff_s: float = 0.5,
        destinations: dict[str, str] | None = None,
    ) -> None:
        if not providers:
            raise ValueError("the engine needs at least one provider (offline at the end)")
        self.providers = list(providers)
        self.cfg = cfg
        self.clock = clock
        self.retriever = retriever
        self.build_prompt = build_prompt
        self.redactor = redactor
        self.backoff_s = backoff_s
        self.destinations = destinations or {}
        self.usage = Usage()
        self.history: deque[tuple[str, str]] = deque(maxlen=max(1, cfg.history_turns))
        self._task: asyncio.Task[None] | None = None
        self._question_id: int | None = None
        self._starts: deque[float] = deque()
        self._sent = 0

    # -- pipeline ------------------------------------------------------------
    async def process(self, event: Event, send: Send) -> None:
        await send(event)
        if isinstance(event, Utterance) and event.final:
            self.history.append((event.speaker, event.text))
        elif isinstance(event, Question):
            await self.answer(event, send)

    async def finish(self, send: Send) -> None:
        """The audio is over: let the last answer complete, within the timeout."""
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), self.cfg.timeout_s * 2)
            except TimeoutError:
                task.cancel()

    async def aclose(self) -> None:
        await self.cancel()
        for provider in self.providers:
            await provider.aclose()

    # -- answering -----------------------------------------------------------
    async def cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if (current := asyncio.current_task()) is not None and current.cancelling():
                    raise

    async def answer(self, question: Question, send: Send) -> None:
        """Start answering; a different question cancels the answer in progress."""
        await self.cancel()
        if not self._allow():
            await send(SuggestionFailed(
                question.id,
                f"answer limit reached ({self.cfg.answers_per_minute} a minute): "
                "wait a moment, or raise assist.answers_per_minute",
                self.clock.now(),
            ))  # fmt: skip
            return
        self._question_id = question.id
        self._task = asyncio.create_task(self._answer(question, send), name=f"answer-{question.id}")

    def _allow(self) -> bool:
        now = time.monotonic()
        while self._starts and now - self._starts[0] > 60:
            self._starts.popleft()
        if len(self._starts) >= self.cfg.answers_per_minute:
            return False
        self._starts.append(now)
        return True

    def prompt_for(self, question: Question) -> Prompt:
        chunks = (
            list(self.retriever.search(question.text, self.cfg.profile_chunks))
            if self.retriever
            else []
        )
        history = [turn for turn in self.history if turn[1] != question.text]
        return self.build_prompt(question.text, question.kind, chunks, history)

    async def _answer(self, question: Question, send: Send) -> None:
        prompt = self.prompt_for(question)
        last_error: ProviderError | None = None
        self._sent = 0  # deltas shown for this question; a retry after some must restart
        for index, provider in enumerate(self.providers):
            outgoing = prompt
            redacted = False
            if provider.needs_network and self.redactor is not None:
                outgoing, redacted = redact_prompt(prompt, self.redactor), True
            for attempt in range(self.cfg.retries + 1):
                if provider.needs_network:
                    await send(PromptSent(
                        question.id, provider.name,
                        self.destinations.get(provider.name, provider.name), outgoing.text(),
                        redacted, self.clock.now(),
                    ))  # fmt: skip
                try:
                    text, usage_in, usage_out = await self._stream(
                        question,
                        provider,
                        outgoing,
                        send,
                        restart=self._sent > 0,
                        redacted=redacted,
                    )
                except ProviderError as err:
                    last_error = err
                    log.info(
                        "provider %s failed (%s, attempt %d)", provider.name, err.kind, attempt + 1
                    )
                    if err.retryable and attempt < self.cfg.retries:
                        await asyncio.sleep(self.backoff_s * 2**attempt)
                        continue
                    break
                self.usage.answers += 1
                self.usage.input_tokens += usage_in
                self.usage.output_tokens += usage_out
                await send(SuggestionDone(
                    question.id, text, provider.name, provider.model, self.clock.now(),
                    usage_in, usage_out,
                ))  # fmt: skip
                return
            if index + 1 < len(self.providers) and last_error is not None:
                nxt = self.providers[index + 1]
                await send(Notice(
                    "warning", f"{last_error.message} — answering with {nxt.name} instead",
                    self.clock.now(),
                ))  # fmt: skip
        reason = last_error.message if last_error else "no provider could answer"
        await send(SuggestionFailed(question.id, reason, self.clock.now()))

    async def _stream(
        self,
        question: Question,
        provider: Provider,
        prompt: Prompt,
        send: Send,
        *,
        restart: bool,
        redacted: bool,
    ) -> tuple[str, int, int]:
        parts: list[str] = []
        first = True
        usage_in = usage_out = 0
        # A placeholder like [PERSON_1] can arrive split across pieces; the
        # restorer holds back an unclosed one so the user never sees "[PER".
        restorer = self.redactor.stream_restorer() if redacted and self.redactor else None

        async def show(piece: str) -> None:
            nonlocal first
            if not piece:
                return
            parts.append(piece)
            await send(SuggestionDelta(question.id, piece, self.clock.now(), restart and first))
            self._sent += 1
            first = False

        async for item in provider.stream(prompt, max_tokens=self.cfg.max_tokens):
            if isinstance(item, TextDelta):
                await show(restorer.feed(item.text) if restorer else item.text)
            elif isinstance(item, StreamEnd):
                usage_in, usage_out = item.usage.input_tokens, item.usage.output_tokens
        if restorer is not None:
            await show(restorer.flush())
        return "".join(parts), usage_in, usage_out
