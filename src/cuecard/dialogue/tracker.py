"""From utterances to ``Question`` events: early, once, and extended by follow-ups.

The answer engine starts work on every ``Question`` it sees and restarts the
answer when a question with a known id comes again. So this stage decides when
an id is born and when it is re-issued:

- **early**: a stable partial (the words two Whisper passes agreed on) that
  already reads as a whole question fires a speculative ``Question`` before the
  speaker stops, which is most of cuecard's latency win;
- **once**: the final (or a later partial) of the same utterance re-issues the
  id only if the question changed materially (``same_question``), so the user
  never sees two answers for one question;
- **follow-ups**: "And why?" shortly after a question, before the candidate
  answered, extends that question (same id, combined text) instead of starting
  a second answer; once the candidate has answered, a new question gets a new id.

Pure and synchronous (``feed``) so it is trivially testable and cheap on the
event loop; ``run`` adapts it to an async stream of utterances.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, replace

from cuecard.clock import SessionClock
from cuecard.dialogue.questions import (
    QuestionAnalysis,
    analyse,
    classify,
    is_follow_up,
    normalise,
    reads_complete,
    same_question,
)
from cuecard.events import Question, Utterance, next_id

__all__ = ["QuestionTracker"]

FOLLOW_UP_WINDOW_S = 8.0
"""A follow-up must start within this many seconds of the question's end."""

MIN_ANSWER_WORDS = 3
"""The candidate has answered once they said this many words ("yeah" is not an answer)."""

MIN_EARLY_CONFIDENCE = 0.7
"""Weak cues (a bare "?" or a tag) wait for the final: a partial has no reliable "?"."""

_FILLERS = frozenset({"um", "uh", "erm", "hmm", "mm", "so", "and", "okay", "yeah"})
"""Tentative words that do not mean the question goes on."""

FORCED_CONFIDENCE = 0.5
"""Confidence of an "answer now" question the detector did not recognise itself."""


@dataclass(slots=True)
class _Open:
    """The question an answer is being produced for, and what it was built from."""

    question: Question
    utterance_id: int  # the utterance whose text is the latest part of the question
    part: str  # that utterance's part of the question, as last issued
    base: str  # the question text before that part ("" unless a follow-up)
    base_confidence: float


class QuestionTracker:
    """Turns a session's utterances into ``Question`` events (see module doc).

    ``clock`` stamps ``emitted_s``; without one, ``feed(..., now=)`` or the
    utterance's own ``emitted_s`` is used, which keeps replays deterministic.
    """

    def __init__(
        self,
        clock: SessionClock | None = None,
        *,
        follow_up_window_s: float = FOLLOW_UP_WINDOW_S,
        min_answer_words: int = MIN_ANSWER_WORDS,
        similarity_threshold: float = 0.8,
    ) -> None:
        self._clock = clock
        self._follow_up_window_s = follow_up_window_s
        self._min_answer_words = min_answer_words
        self._threshold = similarity_threshold
        self._open: _Open | None = None
        self._answered = False
        self._last_interviewer: Utterance | None = None

    # ------------------------------------------------------------------ API

    def feed(self, utterance: Utterance, now: float | None = None) -> Question | None:
        """Take one utterance (partial or final); return a Question to emit, if any."""
        if utterance.speaker == "you":
            self._note_candidate(utterance)
            return None
        self._last_interviewer = utterance
        stamp = self._now(utterance, now)
        heard = utterance.text if utterance.final else utterance.stable
        current = self._open
        continues = self._continues(current, utterance)
        analysis = analyse(heard, continuation=continues)
        if not utterance.final and not self._ready_early(analysis, utterance):
            analysis = self._closed_by_question_mark(utterance, continues)
            if analysis is None:
                return None
        if analysis is None:
            return None
        if current is not None and current.utterance_id == utterance.id:
            return self._revise(current, analysis, utterance, stamp)
        return self._start(analysis, utterance, stamp, follow_up=continues)

    async def run(self, utterances: AsyncIterable[Utterance]) -> AsyncIterator[Question]:
        """The stage as an async stream: utterances in, questions out."""
        async for utterance in utterances:
            question = self.feed(utterance)
            if question is not None:
                yield question

    def last_interviewer_turn(self) -> str:
        """What the interviewer said last (for "answer now"); "" before they spoke."""
        last = self._last_interviewer
        return last.text.strip() if last is not None else ""

    def answer_now(self, now: float | None = None) -> Question | None:
        """Force a question from the interviewer's last turn, recognised or not.

        If that turn is already the open question, its id is re-issued, so the
        engine restarts the one answer rather than adding a second.
        """
        last = self._last_interviewer
        if last is None or not last.text.strip():
            return None
        stamp = self._now(last, now)
        current = self._open
        same_utterance = current is not None and current.utterance_id == last.id
        continues = same_utterance and current is not None and bool(current.base)
        analysis = analyse(last.text, continuation=continues)
        if analysis is None:
            text = last.text.strip()
            analysis = QuestionAnalysis(text, classify(text), FORCED_CONFIDENCE, ("forced",))
        if same_utterance and current is not None:
            text = _join(current.base, analysis.text)
            question = replace(
                current.question, text=text, end_s=last.end_s, emitted_s=stamp, speculative=False
            )
            current.question = question
            current.part = analysis.text
            return question
        return self._start(analysis, last, stamp, follow_up=False)

    # ------------------------------------------------------------ internals

    def _note_candidate(self, utterance: Utterance) -> None:
        if self._open is not None and len(utterance.text.split()) >= self._min_answer_words:
            self._answered = True

    def _now(self, utterance: Utterance, now: float | None) -> float:
        if now is not None:
            return now
        if self._clock is not None:
            return self._clock.now()
        return utterance.emitted_s

    def _start(
        self,
        analysis: QuestionAnalysis,
        utterance: Utterance,
        stamp: float,
        *,
        follow_up: bool,
    ) -> Question:
        """A question from an utterance we have not fired for yet."""
        current = self._open
        if follow_up and current is not None:
            previous = current.question
            question = replace(
                previous,
                text=_join(previous.text, analysis.text),
                confidence=max(previous.confidence, analysis.confidence),
                utterance_id=utterance.id,
                end_s=utterance.end_s,
                emitted_s=stamp,
                speculative=not utterance.final,
            )
            self._open = _Open(
                question, utterance.id, analysis.text, previous.text, previous.confidence
            )
            return question
        question = Question(
            id=next_id(),
            text=analysis.text,
            kind=analysis.kind,
            confidence=analysis.confidence,
            utterance_id=utterance.id,
            start_s=utterance.start_s,
            end_s=utterance.end_s,
            emitted_s=stamp,
            speculative=not utterance.final,
        )
        self._open = _Open(question, utterance.id, analysis.text, "", 0.0)
        self._answered = False
        return question

    def _ready_early(self, stable: QuestionAnalysis | None, utterance: Utterance) -> bool:
        """Whether a stable partial is worth answering before the final.

        The stable words must read as a whole question, and nothing tentative may
        follow them, unless Whisper already closed the question with "?": while
        the passes still disagree about the last words ("how would you design a
        rate" + "limiter for a"), the speaker is still asking.
        """
        if stable is None or stable.confidence < MIN_EARLY_CONFIDENCE:
            return False
        if not reads_complete(stable.text):
            return False
        if utterance.stable.rstrip().endswith("?"):
            return True
        return not [w for w in normalise(utterance.tentative).split() if w not in _FILLERS]

    def _closed_by_question_mark(
        self, utterance: Utterance, continues: bool
    ) -> QuestionAnalysis | None:
        """A partial whose whole text is a complete question ending in "?", with at
        most one word still tentative (the speech stage holds the edge word back
        even after a pause). Worth starting on: if the final differs materially,
        the question is revised under the same id and its answer restarts.
        """
        tentative = [w for w in normalise(utterance.tentative).split() if w not in _FILLERS]
        if len(tentative) > 1 or not utterance.text.rstrip().endswith("?"):
            return None
        whole = analyse(utterance.text, continuation=continues)
        if whole is None or whole.confidence < MIN_EARLY_CONFIDENCE:
            return None
        return whole if reads_complete(whole.text) else None

    def _continues(self, current: _Open | None, utterance: Utterance) -> bool:
        """Whether this utterance's question is part of the open one."""
        if current is None:
            return False
        if current.utterance_id == utterance.id:
            return bool(current.base)  # already known to be a follow-up
        return self._extends(current, utterance)

    def _extends(self, current: _Open, utterance: Utterance) -> bool:
        """A short follow-up, soon after, before the candidate answered."""
        if self._answered:
            return False
        if utterance.start_s - current.question.end_s > self._follow_up_window_s:
            return False
        return is_follow_up(utterance.text if utterance.final else utterance.stable)

    def _revise(
        self, current: _Open, analysis: QuestionAnalysis, utterance: Utterance, stamp: float
    ) -> Question | None:
        """A later partial or the final of an utterance we already fired for.

        Only this utterance's part is compared: a follow-up that grew from "And
        why" to "And why a token bucket rather than a sliding window" changed
        materially, however long the question it extends.
        """
        if same_question(current.part, analysis.text, self._threshold):
            return None
        text = _join(current.base, analysis.text)
        previous = current.question
        # A follow-up keeps the kind of the question it extends.
        kind = previous.kind if current.base else analysis.kind
        question = replace(
            previous,
            text=text,
            kind=kind,
            confidence=max(current.base_confidence, analysis.confidence),
            end_s=utterance.end_s,
            emitted_s=stamp,
            speculative=not utterance.final,
        )
        current.question = question
        current.part = analysis.text
        return question


def _join(first: str, second: str) -> str:
    """One question text from a question and its continuation."""
    if not first:
        return second
    if first[-1] not in ".?!":
        first += "?"  # the earlier part was a question in its own right
    return f"{first} {second}"
