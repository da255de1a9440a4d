"""What the overlay shows, kept apart from Qt so it can be reasoned about and tested alone.

The same idea as the terminal view's ``ViewState``: events are applied to a
plain model, and the widgets redraw from it. Dirty flags say which part of the
window changed, so a burst of events costs one redraw of the parts they touched.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from cuecard.events import (
    Event,
    Level,
    Notice,
    PromptSent,
    Question,
    SessionEnded,
    Speaker,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)

Listening = Literal["idle", "loading", "listening", "paused", "ended", "failed"]

MAX_LINES = 300
MAX_PROMPTS = 50
_BULLET = re.compile(r"^\s*(?:[-*•‣▪–]|\d{1,2}[.)])\s+")
_FOLD = re.compile(r"^\s*-{3,}\s*$")


@dataclass(frozen=True, slots=True)
class AnswerParts:
    lead: list[str]
    """Lines before the first bullet (the offline engine's "Frame: …" hints)."""
    bullets: list[str]
    fuller: str
    """Everything after a line ``---``: the fuller answer, shown below the fold."""


def split_answer(text: str) -> AnswerParts:
    """Talking points first, the fuller answer after a line ``---``.

    The engines write short bullet lines, then optionally a fold and a fuller
    answer. Plain lines before the first bullet are a lead; a plain line after
    a bullet continues it (a long point the model wrapped). While streaming,
    the unfinished last line is shown as it grows.
    """
    lead: list[str] = []
    bullets: list[str] = []
    fuller: list[str] = []
    folded = False
    for raw in text.splitlines():
        if not folded and _FOLD.match(raw):
            folded = True
            continue
        if folded:
            fuller.append(raw)
            continue
        line = raw.strip()
        if not line:
            continue
        if _BULLET.match(line):
            bullets.append(_BULLET.sub("", line, count=1).strip())
        elif bullets:
            bullets[-1] = f"{bullets[-1]} {line}"
        else:
            lead.append(line)
    return AnswerParts(lead, [b for b in bullets if b], "\n".join(fuller).strip())


@dataclass
class Line:
    id: int
    speaker: Speaker
    start_s: float
    text: str
    stable: str
    final: bool

    @property
    def tentative(self) -> str:
        return self.text[len(self.stable) :]


@dataclass
class Card:
    question: Question
    answer: str = ""
    status: str = "thinking…"
    done: bool = False
    failed: bool = False

    @property
    def parts(self) -> AnswerParts:
        return split_answer(self.answer)

    @property
    def bullets(self) -> list[str]:
        return self.parts.bullets


@dataclass
class OverlayState:
    """The session as the overlay sees it; ``apply`` every event, then redraw what is dirty."""

    lines: deque[Line] = field(default_factory=lambda: deque(maxlen=MAX_LINES))
    card: Card | None = None
    last_question: Question | None = None
    levels: dict[Speaker, float] = field(default_factory=dict)
    listening: Listening = "idle"
    notice: str = ""
    notice_level: str = "info"
    prompts: deque[PromptSent] = field(default_factory=lambda: deque(maxlen=MAX_PROMPTS))
    provider: str = ""
    model: str = ""
    answers: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    streaming: bool = False
    transcript_dirty: bool = True
    card_dirty: bool = True
    status_dirty: bool = True

    def apply(self, event: Event) -> None:
        match event:
            case Utterance():
                self._utterance(event)
                self.transcript_dirty = True
            case Question():
                self.last_question = event
                if self.card is not None and self.card.question.id == event.id:
                    self.card.question = event
                    self.card.answer, self.card.done, self.card.failed = "", False, False
                    self.card.status = "thinking…"
                else:
                    self.card = Card(event)
                self.streaming = True
                self.card_dirty = True
            case SuggestionDelta():
                if self.card and self.card.question.id == event.question_id:
                    if event.restart:
                        self.card.answer = ""
                    self.card.answer += event.text
                    self.card.status = "answering…"
                    self.card_dirty = True
            case SuggestionDone():
                self.answers += 1
                self.input_tokens += event.input_tokens
                self.output_tokens += event.output_tokens
                self.provider, self.model = event.provider, event.model
                self.status_dirty = True
                if self.card and self.card.question.id == event.question_id:
                    self.card.answer = event.text
                    self.card.done = True
                    self.card.status = f"{event.provider} · {event.model}"
                    self.streaming = False
                    self.card_dirty = True
            case SuggestionFailed():
                if self.card and self.card.question.id == event.question_id:
                    self.card.status = event.reason
                    self.card.done = self.card.failed = True
                    self.streaming = False
                    self.card_dirty = True
            case PromptSent():
                self.prompts.append(event)
            case Level():
                self.levels[event.channel] = event.dbfs
                self.status_dirty = True
            case Notice():
                self.notice, self.notice_level = event.message, event.level
                self.status_dirty = True
            case SessionEnded():
                self.listening = "ended"
                self.streaming = False
                self.status_dirty = True
            case _:
                pass

    def _utterance(self, event: Utterance) -> None:
        for line in reversed(self.lines):
            if line.id == event.id:
                line.text, line.stable, line.final = event.text, event.stable, event.final
                return
        self.lines.append(
            Line(event.id, event.speaker, event.start_s, event.text, event.stable, event.final)
        )

    def clear_card(self) -> None:
        """Forget the answer on screen (the user's "clear"); the transcript stays."""
        self.card = None
        self.streaming = False
        self.card_dirty = True

    def clear_all(self) -> None:
        self.clear_card()
        self.lines.clear()
        self.prompts.clear()
        self.transcript_dirty = True

    def set_listening(self, value: Listening) -> None:
        self.listening = value
        if value in ("paused", "ended", "failed", "idle"):
            self.levels.clear()
        self.status_dirty = True
