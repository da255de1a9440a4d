"""A session sink that keeps the session in the vault (only when the user opted in).

Add ``VaultRecorder`` to a session's sinks when ``--keep`` or
``privacy.keep_sessions`` is on: it stores each final utterance, question,
prompt sent, answer and failure as one encrypted record, committed as it
arrives, and the egress ledger when the session ends. A write failure (a full
disk) never stops the transcript: the recorder stops keeping, and reports the
one-line reason through ``on_error`` (the runner turns it into a Notice).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from cuecard.events import (
    AnswerNow,
    CoachNote,
    Command,
    Event,
    Feedback,
    PromptSent,
    Question,
    SessionEnded,
    SessionStarted,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.vault import SessionWriter
from cuecard.privacy.vault_keys import VaultError

log = logging.getLogger(__name__)


def record_for(event: Event) -> tuple[str, dict[str, Any]] | None:
    """The (kind, data) a kept session stores for an event; None for what it does not keep."""
    if isinstance(event, SessionStarted):
        # what kind of session this was ("practice" among the stages), for `cuecard review`
        return "session", {"source": event.source, "stages": list(event.stages)}
    if isinstance(event, Feedback):
        return "feedback", {
            "question_id": event.question_id, "question": event.question, "kind": event.kind,
            "answer_text": event.answer_text, "start_s": event.start_s, "end_s": event.end_s,
            "duration_s": event.duration_s, "words": event.words, "wpm": event.wpm,
            "fillers": dict(event.fillers), "filler_total": event.filler_total,
            "star": dict(event.star), "story": event.story, "numbers": list(event.numbers),
            "long_pauses": list(event.long_pauses), "next_step": event.next_step,
            "filler_confidence": event.filler_confidence, "follow_up": event.follow_up,
        }  # fmt: skip
    if isinstance(event, CoachNote):
        return "coach", {"question_id": event.question_id, "text": event.text,
                         "provider": event.provider, "model": event.model}  # fmt: skip
    if isinstance(event, Utterance):
        if not event.final:
            return None  # partials are superseded by the final
        return "utterance", {
            "id": event.id,
            "speaker": event.speaker,
            "text": event.text,
            "start_s": event.start_s,
            "end_s": event.end_s,
        }
    if isinstance(event, Question):
        return "question", {
            "id": event.id,
            "text": event.text,
            "kind": event.kind,
            "confidence": event.confidence,
            "utterance_id": event.utterance_id,
            "end_s": event.end_s,
            "typed": event.typed,
        }
    if isinstance(event, PromptSent):
        return "prompt", {
            "question_id": event.question_id,
            "provider": event.provider,
            "destination": event.destination,
            "redacted": event.redacted,
            "text": event.text,
        }
    if isinstance(event, SuggestionDone):
        return "answer", {
            "question_id": event.question_id,
            "provider": event.provider,
            "model": event.model,
            "text": event.text,
            "input_tokens": event.input_tokens,
            "output_tokens": event.output_tokens,
        }
    if isinstance(event, SuggestionFailed):
        return "answer_failed", {"question_id": event.question_id, "reason": event.reason}
    if isinstance(event, AnswerNow):
        return "command", {"name": "answer_now", "at_s": event.emitted_s}
    if isinstance(event, Command):
        return "command", {"name": event.name, "at_s": event.emitted_s}
    return None


class VaultRecorder:
    """A sink: ``await recorder(event)`` for every event of a kept session."""

    def __init__(
        self,
        writer: SessionWriter,
        ledger: Ledger | None = None,
        *,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.writer = writer
        self.ledger = ledger
        self.error: str | None = None
        self._on_error = on_error
        if ledger is not None:
            # the egress ledger files this session's connections under its id, so
            # `privacy report --session ID` finds them and `data erase --session ID` removes them
            ledger.set_context(session=writer.id)

    @property
    def session_id(self) -> str:
        return self.writer.id

    async def __call__(self, event: Event) -> None:
        if self.error is not None:
            return
        if isinstance(event, SessionEnded):
            await asyncio.to_thread(self._finish)
            return
        item = record_for(event)
        if item is not None:
            await asyncio.to_thread(self._append, *item)

    def _append(self, kind: str, data: dict[str, Any]) -> None:
        try:
            self.writer.append(kind, data)
        except VaultError as err:
            self._fail(str(err))

    def _finish(self) -> None:
        try:
            if self.ledger is not None:
                self.writer.save_ledger(self.ledger)
            self.writer.close()
        except VaultError as err:
            self._fail(str(err))
        finally:
            if self.ledger is not None and self.ledger.session == self.writer.id:
                self.ledger.set_context(session="")

    def _fail(self, message: str) -> None:
        self.error = message
        log.warning("vault: stopped keeping this session after a write error")
        if self._on_error is not None:
            self._on_error(message)
