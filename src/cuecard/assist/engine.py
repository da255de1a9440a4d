"""The answer engine: a question in, talking points out, never empty-handed.

The engine is only question → prompt → stream. What leaves the device and how
it is cleaned is the privacy wrapper's business (``assist.private``); retries,
fallback, deadlines and the cost guard are the chain's (``assist.chain``). What is left here is what
the candidate feels in the two seconds after the interviewer stops:

- **First help.** If no model text has reached the screen ``first_help_s``
  after the question was detected (session clock, so ``--fast`` replays behave
  like real time), the offline notes for that question appear at once, as their
  own section (``OfflineNotes``); the model keeps going and its text streams
  into the answer section, so nothing the candidate reads moves.
- **Never silent.** Every way an answer can end badly (every provider failed,
  the spending guard held it back, an unexpected exception) ends in
  ``SuggestionFailed`` with one line, and the offline notes.
- **One answer at a time.** A new question cancels the answer in progress and
  closes its HTTP stream (Textual's ``exclusive`` worker shape); a revised
  question (same id, longer text) restarts its one answer, and the cancelled
  request is counted as wasted speculation.

Time, failure and money (deadlines, retries, provider health, the cost guard) belong
to the provider chain (``assist.chain``); the engine knows only ``Provider``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from cuecard.assist.base import (
    Prompt,
    PromptOut,
    Provider,
    ProviderError,
    StreamEnd,
    Switched,
    TextDelta,
)
from cuecard.assist.chain import billed
from cuecard.assist.pricing import estimate_usd
from cuecard.assist.prompting import estimate_tokens
from cuecard.clock import SessionClock
from cuecard.config import AssistConfig
from cuecard.dialogue.conversation import Conversation
from cuecard.events import (
    Event,
    Notice,
    OfflineNotes,
    PromptSent,
    Question,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]


class Retriever(Protocol):
    def search(self, query: str, k: int = 4, *, kind: str | None = None) -> Sequence[object]: ...


class PromptBuilder(Protocol):
    def __call__(
        self, question: str, kind: str, chunks: Sequence[object], history: Sequence[tuple[str, str]]
    ) -> Prompt: ...


@dataclass
class Usage:
    """What this session's answers cost; read by the session summary. How many questions were
    answered, failed or got notes is the session's one tally (``cuecard.tally``), not here."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    held_back: int = 0
    speculative_restarts: int = 0
    wasted_tokens: int = 0
    """Estimated prompt tokens of requests cancelled because the question grew."""

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 5)
        return data


REVISION_GRACE_S = 0.6
"""A revised question's restarted model gets this long before notes (a 400 ms model fits)."""


@dataclass
class _Answer:
    """One question's answer in progress."""

    question: Question
    first_seen_s: float
    """When this question (its id) was first detected: revisions keep the deadline."""
    model_text: bool = False
    notes: bool = False
    request_tokens: int = 0
    """Estimated prompt tokens of the request in flight (0 before one was sent)."""
    request_provider: str = ""


class AnswerEngine:
    """A pipeline processor that answers ``Question`` events."""

    def __init__(
        self,
        provider: Provider,
        cfg: AssistConfig,
        clock: SessionClock,
        *,
        retriever: Retriever | None,
        build_prompt: PromptBuilder,
        notes: Provider | None = None,
        order: Sequence[str] = (),
    ) -> None:
        """``provider`` answers (a chain of wrapped providers, or the offline engine alone);
        ``notes`` is the offline engine used for first help, None when ``provider`` is it;
        ``order`` names the providers ``provider`` tries, for the session's start event."""
        self.provider = provider
        self.order = tuple(order) or (provider.name,)
        self.notes = notes
        self.cfg = cfg
        self.clock = clock
        self.retriever = retriever
        self.build_prompt = build_prompt
        self.usage = Usage()
        self.conversation = Conversation()
        self._task: asyncio.Task[None] | None = None
        self._current: _Answer | None = None

    @property
    def provider_names(self) -> tuple[str, ...]:
        """The providers in the order they are tried (for the session's start event)."""
        return (*self.order, *([self.notes.name] if self.notes is not None else []))

    def warm(self) -> None:
        """Load, off the hot path, what each provider would load on its first request.

        Measured: the SDKs import modules, resolve type hints and build response models
        on first use, 0.05-0.13 s that the first question of an interview paid on top of
        the provider's own latency. Each SDK provider answers a canned question on a
        replica whose transport never leaves the process (``SdkProvider.warm``). Local
        work only: nothing is sent (a connection opened now would tell the provider a
        session started).
        """
        self.provider.warm()
        if self.notes is not None:
            self.notes.warm()

    # -- pipeline ------------------------------------------------------------
    async def process(self, event: Event, send: Send) -> None:
        await send(event)
        if isinstance(event, Utterance):
            self.conversation.add(event)
        elif isinstance(event, Question):
            if event.wording_only:  # the same question in other words: the answer stands
                current = self._current
                if current is not None and current.question.id == event.id:
                    current.question = event
                return
            await self.answer(event, send)

    async def finish(self, send: Send) -> None:
        """The audio is over: let the last answer complete, within the timeout."""
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), self.cfg.timeout_s * 2)
            except TimeoutError:
                await self.cancel()

    async def aclose(self) -> None:
        await self.cancel()
        await self.provider.aclose()
        if self.notes is not None:
            await self.notes.aclose()

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
        """Start answering; any answer in progress is cancelled first."""
        if question.speculative and not self.cfg.speculative:
            return  # assist.speculative = false: nothing leaves before the question is final
        previous = self._current
        if (
            previous is not None
            and previous.question.id == question.id
            and previous.question.text != question.text
            and previous.request_tokens
        ):  # sent, or even answered, on the shorter text: wasted speculation
            self.usage.speculative_restarts += 1
            self.usage.wasted_tokens += previous.request_tokens
        await self.cancel()  # the chain bills the cancelled prompt to the cost guard
        first_seen = question.emitted_s
        if previous is not None and previous.question.id == question.id:
            first_seen = previous.first_seen_s
        state = _Answer(question, first_seen)
        self._current = state
        self._task = asyncio.create_task(self._answer(state, send), name=f"answer-{question.id}")

    def _retrieve(self, question: Question) -> list[object]:
        if self.retriever is None:
            return []
        return list(self.retriever.search(question.text, self.cfg.profile_chunks,
                                          kind=question.kind))  # fmt: skip

    async def prompt_for(self, question: Question) -> Prompt:
        """The prompt, with the profile searched off the event loop: meaning search encodes
        the question with MiniLM (15-40 ms on 2 cores), long enough to hold back the audio
        and the other stages if it ran on the loop."""
        chunks = await asyncio.to_thread(self._retrieve, question)
        said = [
            (u.speaker, u.text) for u in self.conversation.utterances() if u.text != question.text
        ]
        history = said[-self.cfg.history_turns :] if self.cfg.history_turns else []
        return self.build_prompt(question.text, question.kind, chunks, history)

    async def _answer(self, state: _Answer, send: Send) -> None:
        """Never raises but to be cancelled: every failure ends in ``SuggestionFailed``."""
        prompt: Prompt | None = None
        try:
            prompt = await self.prompt_for(state.question)
            async with asyncio.TaskGroup() as tg:
                helper = (
                    tg.create_task(self._first_help(state, prompt, send))
                    if self.notes is not None
                    else None
                )
                failure = await self._stream(state, prompt, send)
                if helper is not None:
                    helper.cancel()
            if failure is not None:
                await self._fail(state, prompt, send, failure)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # an ExceptionGroup from the first-help task too
            log.warning("answer %d failed unexpectedly (%s)", state.question.id,
                        type(err).__name__)  # fmt: skip
            log.debug("answer failure", exc_info=True)
            await self._fail(state, prompt, send, _UNEXPECTED)

    def _held_back_reason(self) -> str:
        return (
            f"spending guard: over {self.cfg.tokens_per_minute:,} tokens in the last minute "
            f"(about ${self.usage.cost_usd:.2f} so far this session) — your notes are below; "
            "raise assist.tokens_per_minute to allow more"
        )

    async def _first_help(self, state: _Answer, prompt: Prompt, send: Send) -> None:
        """At the deadline, the offline notes, if the model has shown nothing yet.

        The deadline runs from the question's *first* detection: a question seen
        speculatively and revised as the interviewer went on must not start its wait
        again (seen 1 s early and revised at the end, it would leave the card empty
        for 2.5 s). A revision still gets ``REVISION_GRACE_S`` for the restarted
        model, so a fast model's words, not notes, answer a question revised late.
        """
        grace = min(REVISION_GRACE_S, self.cfg.first_help_s)
        deadline = max(state.first_seen_s + self.cfg.first_help_s, state.question.emitted_s + grace)
        await asyncio.sleep(max(0.0, deadline - self.clock.now()))
        if not state.model_text:
            await self._show_notes(state, prompt, send, "the model is slow: these are your notes")

    async def _show_notes(
        self, state: _Answer, prompt: Prompt | None, send: Send, why: str
    ) -> None:
        if state.notes or (self.notes is None and not self.provider.needs_network):
            return
        notes_provider = self.notes or _offline()
        text = ""
        if prompt is not None:
            parts: list[str] = []
            async for item in notes_provider.stream(prompt, max_tokens=self.cfg.max_tokens):
                if isinstance(item, TextDelta):
                    parts.append(item.text)
            text = "".join(parts).strip()
        if not text:
            text = "Nothing in your profile matches this question yet."
        state.notes = True
        await send(OfflineNotes(state.question.id, text, why, self.clock.now()))

    async def _fail(self, state: _Answer, prompt: Prompt | None, send: Send, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._show_notes(state, prompt, send, reason)
        await send(SuggestionFailed(state.question.id, reason, self.clock.now()))

    async def _stream(self, state: _Answer, prompt: Prompt, send: Send) -> str | None:
        """Stream one answer to the views; the failure's one line, or None when it is done."""
        try:
            await self._relay(state, prompt, send)
        except ProviderError as err:
            if err.kind == "held_back":
                self.usage.held_back += 1
                return self._held_back_reason()
            return err.message
        return None

    async def _relay(self, state: _Answer, prompt: Prompt, send: Send) -> None:
        question = state.question
        parts: list[str] = []
        restart = False
        async for item in self.provider.stream(prompt, max_tokens=self.cfg.max_tokens):
            if isinstance(item, TextDelta):
                if not item.text:
                    continue
                state.model_text = True
                parts.append(item.text)
                await send(SuggestionDelta(question.id, item.text, self.clock.now(), restart))
                restart = False
            elif isinstance(item, PromptOut):
                state.request_tokens = estimate_tokens(item.text)
                state.request_provider = item.provider
                await send(PromptSent(
                    question.id, item.provider, item.destination, item.text, item.redacted,
                    self.clock.now(),
                ))  # fmt: skip
            elif isinstance(item, Switched):
                if parts:
                    parts.clear()
                    restart = True
                elif self.notes is not None:
                    # A provider failed before its first words: no reason to make the
                    # candidate wait for the first-help deadline while it retries.
                    await self._show_notes(state, prompt, send, item.reason)
                if item.next != item.failed:
                    await send(Notice(
                        "warning", f"{item.reason} — answering with {item.next} instead",
                        self.clock.now(),
                    ))  # fmt: skip
            elif isinstance(item, StreamEnd):
                await self._done(state, item, "".join(parts), send)
                return

    async def _done(self, state: _Answer, end: StreamEnd, text: str, send: Send) -> None:
        name = end.provider or self.provider.name
        model = end.model or self.provider.model
        used_in, used_out = end.usage.input_tokens, end.usage.output_tokens
        self.usage.input_tokens += used_in
        self.usage.output_tokens += used_out
        if billed(name):
            self.usage.cost_usd += estimate_usd(name, model, used_in, used_out) or 0.0
        await send(SuggestionDone(
            state.question.id, text, name, model, self.clock.now(), used_in, used_out,
        ))  # fmt: skip


_UNEXPECTED = "something went wrong preparing this answer — your notes are below"


def _offline() -> Provider:
    from cuecard.assist.offline import OfflineProvider

    return OfflineProvider()
