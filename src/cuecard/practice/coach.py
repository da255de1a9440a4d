"""An optional coach's critique of one answer, from the model the candidate configured.

Off unless asked for (``practice --coach``, the Practice page's checkbox): it
sends the answer's words to the provider. It is built by the same factory as
live answers (``build_providers``), so the prompt goes through the same
privacy wrapper (redaction, the prompt inspector: a ``PromptSent`` event
first) and the egress ledger records the connection under ``coach``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from cuecard.assist.base import (
    Message,
    Prompt,
    PromptOut,
    Provider,
    ProviderError,
    StreamEnd,
    TextDelta,
)
from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import CoachNote, Event, Feedback, Notice, PromptSent

if TYPE_CHECKING:
    from cuecard.privacy.egress import Guard

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]
MAX_TOKENS = 220

SYSTEM = (
    "You are an interview coach. The candidate practised one interview question out loud. "
    "Give a short critique in at most three sentences: one thing that worked, one thing to "
    "change, and how. Be concrete and kind. Refer only to what they said; never invent "
    "experience they did not mention."
)


def coach_prompt(fb: Feedback) -> Prompt:
    """Exactly what the coach is sent: the question, the answer's words and the measurements."""
    said = ", ".join(f"{k} {v}" for k, v in fb.fillers.items()) or "none"
    stated = ", ".join(p for p, ok in fb.star.items() if ok) or "none"
    facts = (
        f"Question ({fb.kind}): {fb.question}\n"
        f"Answer, as transcribed:\n<answer>\n{fb.answer_text}\n</answer>\n"
        f"Measured on the device: {fb.duration_s:.0f} s, {fb.words} words, {fb.wpm:.0f} words "
        f"a minute, fillers: {said}; STAR parts stated: {stated}."
    )
    return Prompt(SYSTEM, (Message("user", facts),), question=fb.question, kind=fb.kind)


FOLLOW_UP_SYSTEM = (
    "You are the interviewer in a mock interview. The candidate has just answered. Ask ONE "
    "short follow-up question (at most 15 words) about what their answer lacked, in your own "
    "words, referring to what they said. Reply with the question only."
)
FOLLOW_UP_TOKENS = 40


def follow_up_prompt(fb: Feedback) -> Prompt:
    """What the model is sent to word a follow-up: the answer and what the rule found lacking."""
    from cuecard.practice.followup import RULES

    lacking = next((r.lacking for r in RULES if r.question == fb.follow_up), "more detail")
    facts = (
        f"Question ({fb.kind}): {fb.question}\n"
        f"Answer, as transcribed:\n<answer>\n{fb.answer_text}\n</answer>\n"
        f"The answer lacked: {lacking}."
    )
    return Prompt(FOLLOW_UP_SYSTEM, (Message("user", facts),), question=fb.question,
                  kind=fb.kind)  # fmt: skip


class Coach:
    """The configured providers, wrapped for privacy, asked for one critique per answer."""

    def __init__(self, provider: Provider, clock: SessionClock) -> None:
        self.provider = provider
        self.clock = clock

    @classmethod
    def build(
        cls, cfg: Config, guard: Guard | None, clock: SessionClock
    ) -> tuple[Coach | None, list[str]]:
        """The coach, or None and why (no model configured, no key)."""
        from cuecard.assist.chain import Chain
        from cuecard.assist.factory import build_providers, redactor_for

        providers, problems = build_providers(
            cfg, guard, purpose="coach", redactor=redactor_for(cfg)
        )
        if not providers:
            return None, [*problems, "no model is configured, so there is no coach's critique "
                          "(the feedback above is computed on this device)"]  # fmt: skip
        return cls(Chain.from_config(providers, cfg.assist), clock), problems

    async def critique(self, fb: Feedback, send: Send) -> None:
        """Stream one critique and send it as a ``CoachNote``; a failure is a one-line notice."""
        parts: list[str] = []
        try:
            async for item in self.provider.stream(coach_prompt(fb), max_tokens=MAX_TOKENS):
                if isinstance(item, PromptOut):
                    await send(PromptSent(fb.question_id, item.provider, item.destination,
                                          item.text, item.redacted, self.clock.now()))  # fmt: skip
                elif isinstance(item, TextDelta):
                    parts.append(item.text)
                elif isinstance(item, StreamEnd):
                    text = "".join(parts).strip()
                    if text:
                        await send(CoachNote(fb.question_id, text, item.provider or
                                             self.provider.name, item.model or
                                             self.provider.model, self.clock.now()))  # fmt: skip
                    return
        except ProviderError as err:
            await send(Notice("warning", f"no coach's critique: {err.message}", self.clock.now()))

    async def follow_up(self, fb: Feedback, send: Send) -> str | None:
        """The model's wording of the follow-up the rules chose (None: use the rule's own)."""
        parts: list[str] = []
        try:
            async for item in self.provider.stream(follow_up_prompt(fb),
                                                   max_tokens=FOLLOW_UP_TOKENS):  # fmt: skip
                if isinstance(item, PromptOut):
                    await send(PromptSent(fb.question_id, item.provider, item.destination,
                                          item.text, item.redacted, self.clock.now()))  # fmt: skip
                elif isinstance(item, TextDelta):
                    parts.append(item.text)
                elif isinstance(item, StreamEnd):
                    break
        except ProviderError as err:
            log.info("no follow-up from the model (%s); the rule's question is asked", err.kind)
            return None
        text = " ".join("".join(parts).split())
        return text if text.endswith("?") and 2 <= len(text.split()) <= 30 else None

    async def aclose(self) -> None:
        await self.provider.aclose()
