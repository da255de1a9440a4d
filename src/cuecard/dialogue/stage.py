"""The dialogue stage as a pipeline processor: utterances and pauses in, questions added."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cuecard.clock import SessionClock
from cuecard.dialogue.tracker import QuestionTracker
from cuecard.events import AnswerNow, Event, Pause, Utterance

Send = Callable[[Event], Awaitable[None]]


class DialogueStage:
    """Forwards every event and emits a ``Question`` when the interviewer asks one."""

    def __init__(
        self,
        clock: SessionClock,
        *,
        company: str | None = None,
        speculative: bool = True,
        language: str = "auto",
    ) -> None:
        self.clock = clock
        self.tracker = QuestionTracker(clock, company=company, early=speculative, language=language)

    @property
    def stats(self) -> dict[str, int]:
        """Question and wasted-speculation counters for the session summary."""
        return self.tracker.stats

    async def process(self, event: Event, send: Send) -> None:
        if isinstance(event, AnswerNow):
            await send(event)  # on to the views, the --json stream and a kept session
            question = self.tracker.answer_now(self.clock.now())
            if question is not None:
                await send(question)
            return
        await send(event)
        if isinstance(event, Utterance):
            question = self.tracker.feed(event, self.clock.now())
        elif isinstance(event, Pause):
            question = self.tracker.pause(event, self.clock.now())
        else:
            return
        if question is not None:
            await send(question)

    async def finish(self, send: Send) -> None:
        return None
