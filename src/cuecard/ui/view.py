"""What every view shows, reduced from the session's events: one reducer for all front ends.

The terminal and the desktop differ only in how they draw; what a session
*means* on screen (the transcript with partials settling in place, the answer
card for the current question, levels, notices, tokens and cost, the prompts
that left) is decided here once, so the two can never drift apart.

An answer card holds one **section per source**: a question can first get
offline notes (the first-help deadline) and then a model's answer. Sections
only ever grow at the end and never replace each other, so text the candidate
is reading never jumps under their eyes; the views decide how to style an
earlier section once a later one has arrived. ``OfflineNotes`` fills the notes
section; a model's deltas form one section, named after the provider that
finished it (``SuggestionDone``).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from cuecard import catalog
from cuecard.assist.pricing import estimate_usd
from cuecard.events import (
    Event,
    Level,
    Notice,
    OfflineNotes,
    PromptSent,
    Question,
    SessionEnded,
    Speaker,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.tally import Tally

Part = Literal["transcript", "card", "status"]
PARTS: tuple[Part, ...] = ("transcript", "card", "status")

MAX_LINES = 300
MAX_PROMPTS = 50
TYPED_UTTERANCE_ID = 0
"""``Question.utterance_id`` of a question the user typed: no utterance has id 0."""
NOTES_SOURCE = "offline"
NOTES_SOURCES = frozenset({NOTES_SOURCE, "notes"})
"""Sources whose text is the offline notes from the user's own profile."""

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
    """One utterance in the transcript; partials update it in place until it is final."""

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
class Section:
    """One source's answer to the card's question (offline notes, or a model's answer)."""

    source: str
    text: str = ""
    done: bool = False
    provider: str = ""
    model: str = ""

    @property
    def notes(self) -> bool:
        """The offline notes from the user's profile, not a model's answer."""
        return (self.provider or self.source) in NOTES_SOURCES

    @property
    def parts(self) -> AnswerParts:
        return split_answer(self.text)


@dataclass
class Card:
    """The question being answered and everything said about it so far."""

    question: Question
    sections: list[Section] = field(default_factory=list)
    status: str = "thinking…"
    done: bool = False
    failed: bool = False

    @property
    def typed(self) -> bool:
        return self.question.typed or self.question.utterance_id == TYPED_UTTERANCE_ID

    @property
    def shown(self) -> list[Section]:
        return [s for s in self.sections if s.text.strip()]

    @property
    def primary(self) -> Section | None:
        """The section a copy takes: the latest with text (a model's answer after notes)."""
        shown = self.shown
        return shown[-1] if shown else None

    @property
    def answer(self) -> str:
        primary = self.primary
        return primary.text if primary is not None else ""

    @property
    def parts(self) -> AnswerParts:
        return split_answer(self.answer)

    @property
    def bullets(self) -> list[str]:
        return self.parts.bullets

    def section(self, source: str) -> Section:
        for section in self.sections:
            if section.source == source:
                return section
        section = Section(source)
        self.sections.append(section)
        return section


def section_label(section: Section) -> str:
    """A heading for one source's part of a card (views show it when a card has several)."""
    if section.notes:
        return "Your notes (offline)"
    name = section.provider or section.source
    if not name:
        return "Answer"
    spec = catalog.PROVIDERS.get(name)
    label = f"From {spec.author if spec is not None else name}"
    return f"{label} · {section.model}" if section.model else label


@dataclass
class SessionView:
    """The session as a view sees it: ``apply`` every event, then draw what ``changed``."""

    lines: deque[Line] = field(default_factory=lambda: deque(maxlen=MAX_LINES))
    card: Card | None = None
    last_question: Question | None = None
    levels: dict[Speaker, float] = field(default_factory=dict)
    notice: str = ""
    notice_level: str = "info"
    prompts: deque[PromptSent] = field(default_factory=lambda: deque(maxlen=MAX_PROMPTS))
    provider: str = ""
    model: str = ""
    counts: Tally = field(default_factory=Tally)
    """The session's one tally, fed the same events as the session's (``cuecard.tally``)."""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    """Estimated spend this session; None once a model without a known price answered."""
    streaming: bool = False
    ended: bool = False
    changed: set[Part] = field(default_factory=lambda: set(PARTS))

    # -- the reducer ---------------------------------------------------------
    def apply(self, event: Event) -> None:
        self.counts.add(event)
        match event:
            case Utterance():
                self._utterance(event)
                self.changed.add("transcript")
            case Question():
                self._question(event)
            case SuggestionDelta():
                self._delta(event)
            case SuggestionDone():
                self._done(event)
            case OfflineNotes():
                self._notes(event)
            case SuggestionFailed():
                card = self._card_for(event.question_id)
                if card is not None:
                    card.status = event.reason
                    card.done = card.failed = True
                    self.streaming = False
                    self.changed.add("card")
            case PromptSent():
                self.prompts.append(event)
            case Level():
                self.levels[event.channel] = event.dbfs
                self.changed.add("status")
            case Notice():
                self.notice, self.notice_level = event.message, event.level
                self.changed.add("status")
            case SessionEnded():
                self.ended = True
                self.streaming = False
                self.levels.clear()  # nothing is heard any more
                self.changed.add("status")
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

    def _question(self, event: Question) -> None:
        self.last_question = event
        card = self._card_for(event.id)
        if card is not None and event.wording_only:  # same question, latest words
            card.question = event
            self.changed.add("card")
            return
        if card is not None:  # revised (the interviewer went on) or asked again: start over
            card.question = event
            card.sections.clear()
            card.done = card.failed = False
            card.status = "thinking…"
        else:
            self.card = Card(event)
        self.streaming = True
        self.changed.add("card")

    def _delta(self, event: SuggestionDelta) -> None:
        card = self._card_for(event.question_id)
        if card is None:
            return  # a stale answer to a question no longer on screen
        source = ""  # a model's stream: its section is named when it is done
        if event.restart:
            # The stream broke and starts over: what it had shown goes. Notes stay unless
            # it is the notes themselves that restart.
            restarting_notes = source in NOTES_SOURCES
            card.sections = [
                s for s in card.sections
                if s.source != source and (restarting_notes or s.notes)
            ]  # fmt: skip
        section = card.section(source)
        section.text += event.text
        section.done = False
        card.done = card.failed = False
        card.status = "answering…"
        self.streaming = True
        self.changed.add("card")

    def _notes(self, event: OfflineNotes) -> None:
        """Notes from the user's profile, in their own section; a model's text goes below."""
        card = self._card_for(event.question_id)
        if card is None:
            return
        section = card.section(NOTES_SOURCE)
        section.text, section.done, section.provider = event.text, True, "offline"
        if not any(s.text.strip() for s in card.sections if not s.notes):
            card.status = event.reason  # why notes are shown, until the model says more
        self.changed.add("card")

    def _done(self, event: SuggestionDone) -> None:
        self.input_tokens += event.input_tokens
        self.output_tokens += event.output_tokens
        cost = estimate_usd(event.provider, event.model, event.input_tokens, event.output_tokens)
        self.cost_usd = None if cost is None or self.cost_usd is None else self.cost_usd + cost
        self.provider, self.model = event.provider, event.model
        self.changed.add("status")
        card = self._card_for(event.question_id)
        if card is None:
            return
        section = self._section_for_done(card, "", event.provider)
        section.text = event.text
        section.done = True
        section.provider, section.model = event.provider, event.model
        card.done = all(s.done for s in card.sections)
        card.status = f"{event.provider} · {event.model}"
        self.streaming = not card.done
        self.changed.add("card")

    @staticmethod
    def _section_for_done(card: Card, source: str, provider: str) -> Section:
        """The section a finished answer belongs to, whether or not its deltas said.

        An unattributed stream still open is the one this ends (it may be the offline
        engine at the end of a fallback chain: the notes section above stays as it was).
        """
        if source:
            for section in card.sections:
                if section.source == source:
                    return section
        for section in card.sections:
            if section.source == "" and not section.done:
                if not any(s.source == provider for s in card.sections):
                    section.source = provider
                return section
        for section in card.sections:
            if section.source == (source or provider) and not section.notes:
                return section
        if not source and provider in NOTES_SOURCES:
            for section in card.sections:
                if section.source == provider:
                    return section
        return card.section(source or provider)

    def _card_for(self, question_id: int) -> Card | None:
        card = self.card
        return card if card is not None and card.question.id == question_id else None

    # -- commands from the view ------------------------------------------------
    def reset(self) -> None:
        """Back to a new session's state (the same object: open panels keep reading it)."""
        fresh = type(self)()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def take_changes(self) -> set[Part]:
        """What changed since the last call (the view redraws only that)."""
        changed, self.changed = self.changed, set()
        return changed

    def mark_all(self) -> None:
        self.changed.update(PARTS)

    def clear_card(self) -> None:
        """Forget the answer on screen (the user's "clear"); the transcript stays."""
        self.card = None
        self.streaming = False
        self.changed.add("card")

    def clear_all(self) -> None:
        self.clear_card()
        self.lines.clear()
        self.prompts.clear()
        self.changed.add("transcript")

    def usage(self) -> str:
        """Tokens sent and received this session, and what they cost (an estimate)."""
        tokens = self.input_tokens + self.output_tokens
        if not tokens:
            return ""
        cost = "cost unknown" if self.cost_usd is None else f"≈${self.cost_usd:.3f}"
        return f"tokens {self.input_tokens}↑ {self.output_tokens}↓ {cost}"
