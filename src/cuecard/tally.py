"""The session's counts, kept once: every front end reads the same ``Tally``.

The same counts used to be kept three times (the session summary, the answer engine's
usage, each view), and ``answers`` appeared twice in ``session_end``. A ``Tally`` is fed
every event a session delivers; the session puts its ``to_dict`` in ``SessionEnded``'s
summary, and views and the CLI's last line show what it says, so "5 questions, 5
answered, 3 revised" is the same sentence everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cuecard.events import (
    Event,
    OfflineNotes,
    Question,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)

COUNTS = ("utterances", "questions", "answered", "revised", "notes_shown", "failed")
"""What ``to_dict`` holds: final utterances; questions (by id: a revision is the same
question); answered (questions a model finished an answer to); revised (questions re-issued
with another text as the interviewer went on); notes shown; failed answers."""


@dataclass
class Tally:
    utterances: int = 0
    questions: int = 0
    answered: int = 0
    revised: int = 0
    notes_shown: int = 0
    failed: int = 0
    _texts: dict[int, str] = field(default_factory=dict, repr=False)
    _answered: set[int] = field(default_factory=set, repr=False)
    _revised: set[int] = field(default_factory=set, repr=False)

    def add(self, event: Event) -> None:
        if isinstance(event, Utterance):
            self.utterances += int(event.final)
        elif isinstance(event, Question):
            before = self._texts.get(event.id)
            if before is None:
                self.questions += 1
            elif before != event.text and event.id not in self._revised:
                self._revised.add(event.id)
                self.revised += 1
            self._texts[event.id] = event.text
        elif isinstance(event, SuggestionDone):
            if event.question_id not in self._answered:
                self._answered.add(event.question_id)
                self.answered += 1
        elif isinstance(event, SuggestionFailed):
            self.failed += 1
        elif isinstance(event, OfflineNotes):
            self.notes_shown += 1

    def to_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in COUNTS}

    def line(self) -> str:
        """The counts a person reads: "5 questions, 5 answered, 3 revised"."""
        parts = [_n(self.utterances, "utterance"), _n(self.questions, "question"),
                 f"{self.answered} answered"]  # fmt: skip
        if self.revised:
            parts.append(f"{self.revised} revised")
        if self.notes_shown:
            parts.append(f"{self.notes_shown} with your notes first")
        return ", ".join(parts)


def _n(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"
