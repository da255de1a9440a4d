"""The session's timeline of what was said, for prompt history and the transcript view.

Only final utterances are kept: partials are rewritten while someone speaks and
would make the history jump. The two channels finish utterances independently,
so a late final from one speaker is put back in audio order rather than appended.
Consecutive utterances of one speaker form one turn, because that is how a
person (and a prompt) reads a dialogue.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from cuecard.events import Speaker, Utterance

__all__ = ["Conversation", "Turn"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted stretch of speech."""

    speaker: Speaker
    text: str
    start_s: float
    end_s: float


class Conversation:
    """Final utterances of both speakers in audio order. Lives in memory only."""

    def __init__(self) -> None:
        self._utterances: list[Utterance] = []

    def add(self, utterance: Utterance) -> bool:
        """Record a final utterance; partials and empty texts are ignored (returns False)."""
        if not utterance.final or not utterance.text.strip():
            return False
        bisect.insort(self._utterances, utterance, key=lambda u: (u.start_s, u.end_s))
        return True

    def __len__(self) -> int:
        return len(self._utterances)

    def utterances(self) -> tuple[Utterance, ...]:
        return tuple(self._utterances)

    def turns(self) -> list[Turn]:
        """The whole dialogue as turns (consecutive same-speaker utterances merged)."""
        turns: list[Turn] = []
        for u in self._utterances:
            text = u.text.strip()
            if turns and turns[-1].speaker == u.speaker:
                last = turns[-1]
                turns[-1] = Turn(
                    u.speaker, f"{last.text} {text}", last.start_s, max(last.end_s, u.end_s)
                )
            else:
                turns.append(Turn(u.speaker, text, u.start_s, u.end_s))
        return turns

    def recent_turns(self, n: int) -> list[Turn]:
        """The last ``n`` turns, oldest first (``n <= 0`` gives none)."""
        return self.turns()[-n:] if n > 0 else []

    def clear(self) -> None:
        """Forget everything said (the user's "clear" command)."""
        self._utterances.clear()
