"""From utterances to ``Question`` events: early, once, and extended by follow-ups.

The answer engine starts work on every ``Question`` it sees and restarts the
answer when a question with a known id comes again. So this stage decides when
an id is born and when it is re-issued:

- **early**: when the speech stage reports a ``Pause`` and the partial heard
  up to it already reads as a whole question (its stable words ask something,
  all of it reads complete), a speculative ``Question`` fires at once, before
  any final pass: end of turn is decided from the partials. A stable partial
  (the words two Whisper passes agreed on) that reads as a whole question
  fires one too, even before the pause;
- **once**: the final (or a later partial) of the same utterance re-issues the
  id only if the question changed materially (``same_question``), so the user
  never sees two answers for one question; such a re-issue says
  ``supersedes_speculative`` and counts in ``stats`` as wasted speculation;
- **one question per question**: "And why?" right after a question (the
  interviewer barely paused, the candidate said nothing) extends that question
  (same id, combined text) instead of starting a second answer. A question
  asked after a pause of a second or more, or after the candidate spoke, is a
  new question with a new id, however short it is: "Tell me about yourself."
  and, 1.5 s later, "What are your salary expectations?" are two questions;
- **the latest words**: when the final (or a later partial) says the same
  question in other words ("from four" → "from 40 clinics"), the id is
  re-issued with ``wording_only``: views show the new words at once, the answer
  under way stands.

Pure and synchronous (``feed``) so it is trivially testable and cheap on the
event loop; ``run`` adapts it to an async stream of utterances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cuecard.clock import SessionClock
from cuecard.dialogue.questions import (
    QuestionAnalysis,
    analyse,
    classify,
    is_backchannel,
    is_follow_up,
    normalise,
    reads_complete,
    same_question,
)
from cuecard.events import Pause, Question, Utterance, next_id

__all__ = ["QuestionTracker"]

NEW_QUESTION_GAP_S = 0.75
"""Once the interviewer has paused this long (utterance start - previous utterance end)
after a question, anything they ask next is a new question, never a follow-up. The
contract is a one-second pause; on the Piper test speech (bench/question_boundaries.py)
1.0 s pauses measured 0.96-1.09 s (the 0.2 s pre-roll in ``start_s`` and the VAD's late
end of speech cancel out), so 0.75 keeps a margin for noisier calls."""

MIN_EARLY_CONFIDENCE = 0.7
"""Weak cues (a bare "?" or a tag) wait for the final: a partial has no reliable "?"."""

_FILLERS = frozenset({"um", "uh", "erm", "hmm", "mm", "so", "and", "okay", "yeah"})
"""Tentative words that do not mean the question goes on."""

FORCED_CONFIDENCE = 0.5
"""Confidence of an "answer now" question the detector did not recognise itself."""

PAUSE_COVER_S = 0.25
"""A pause decides end of turn only if the latest partial heard the speech up to this
close to where the silence began: about a word, whose absence a later revision fixes."""

_SAME_INSTANT_S = 0.05
"""A partial that heard this little past a pause's start heard no speech after it: the
speech stage's closing partial starts on the first quiet VAD window (32 ms)."""

STATS = ("questions", "speculative", "on_pause", "revised", "dropped")
"""``QuestionTracker.stats`` keys, each counted once per question id:

- questions: ids issued; speculative: ids first issued before the final;
- on_pause: of those, ids issued when a pause ended the turn (``pause``);
- revised: speculative ids re-issued with a materially different text (the
  answer restarts: the work on the first text was wasted);
- dropped: speculative ids whose final no longer reads as a question (the
  answer was not needed). Wasted speculation = revised + dropped.
"""


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
        new_question_gap_s: float = NEW_QUESTION_GAP_S,
        similarity_threshold: float = 0.8,
        pause_cover_s: float = PAUSE_COVER_S,
        company: str | None = None,
        early: bool = True,
        language: str = "auto",
    ) -> None:
        """``company``: the employer's name from the job description, so "why Acme?" is
        read as a question about them (no company name is written into the rules).
        ``early``: fire on a stable partial or a pause (``assist.speculative``); when False a
        question is issued only from a final utterance, so no answer starts on words the
        interviewer may still change (slower to the first words, no wasted requests).
        ``language``: the interview's (``speech.language``); "auto" reads each turn in
        the language its words are in."""
        self._clock = clock
        self.company = company
        self.early = early
        self.language = language
        self._new_question_gap_s = new_question_gap_s
        self._threshold = similarity_threshold
        self._pause_cover_s = pause_cover_s
        self._open: _Open | None = None
        self._closed = False
        """The open question takes no follow-ups: the candidate spoke, or the interviewer
        paused for a second since it (even if a statement came between)."""
        self._last_interviewer: Utterance | None = None
        self._paused: tuple[int, float] | None = None  # (utterance id, audio time) of a pause
        self.stats: dict[str, int] = dict.fromkeys(STATS, 0)
        """Counters for the session summary (see ``STATS``)."""
        self._issued: set[int] = set()
        self._speculative: set[int] = set()
        self._wasted: set[int] = set()

    # ------------------------------------------------------------------ API

    def feed(self, utterance: Utterance, now: float | None = None) -> Question | None:
        """Take one utterance (partial or final); return a Question to emit, if any."""
        if utterance.speaker == "you":
            self._note_candidate(utterance)
            return None
        last = self._last_interviewer
        if (
            last is not None
            and last.id != utterance.id
            and utterance.start_s - last.end_s >= self._new_question_gap_s
        ):
            self._closed = True  # a pause of a second: the open question takes no follow-up
        self._last_interviewer = utterance
        if not utterance.final and not self.early:
            return None
        stamp = self._now(utterance, now)
        heard = utterance.text if utterance.final else utterance.stable
        current = self._open
        continues = self._continues(current, utterance)
        analysis = self._analyse(heard, continues)
        on_pause = False
        if not utterance.final and not self._ready_early(analysis, utterance):
            analysis = self._turn_ended(utterance, continues)
            on_pause = analysis is not None
            if analysis is None:
                analysis = self._closed_by_question_mark(utterance, continues)
            if analysis is None:
                return None
        if analysis is None:
            if utterance.final and current is not None and current.utterance_id == utterance.id:
                self._waste(current.question)  # fired early on words the final does not ask
            return None
        return self._issue(
            current, analysis, utterance, stamp, follow_up=continues, on_pause=on_pause
        )

    def pause(self, pause: Pause, now: float | None = None) -> Question | None:
        """The speech stage heard a speaker stop; return a Question if the turn is one.

        The interviewer's latest partial is judged at once (``_turn_ended``),
        and so is any partial of the same utterance that comes while the pause
        lasts (the speculative final's text, fresher than the last partial).
        """
        if pause.channel != "interviewer" or not self.early:
            return None
        self._paused = (pause.utterance_id, pause.at_s)
        last = self._last_interviewer
        if last is None or last.final or last.id != pause.utterance_id:
            return None
        current = self._open
        continues = self._continues(current, last)
        analysis = self._turn_ended(last, continues)
        if analysis is None:
            return None
        stamp = self._now(pause, now)
        return self._issue(current, analysis, last, stamp, follow_up=continues, on_pause=True)

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
        analysis = self._analyse(last.text, continues)
        if analysis is None:
            text = last.text.strip()
            kind = classify(text, company=self.company)
            analysis = QuestionAnalysis(text, kind, FORCED_CONFIDENCE, ("forced",))
        if same_utterance and current is not None:
            text = _join(current.base, analysis.text)
            previous = current.question
            question = replace(
                previous, text=text, end_s=last.end_s, emitted_s=stamp, speculative=False,
                supersedes_speculative=previous.speculative
                and not same_question(previous.text, text, self._threshold),
                wording_only=False,
            )  # fmt: skip
            current.question = question
            current.part = analysis.text
            return self._note(question)
        return self._note(self._start(analysis, last, stamp, follow_up=False))

    # ------------------------------------------------------------ internals

    def _analyse(self, text: str, continues: bool) -> QuestionAnalysis | None:
        return analyse(text, continuation=continues, company=self.company,
                       language=self.language)  # fmt: skip

    def _note_candidate(self, utterance: Utterance) -> None:
        """The candidate spoke: whatever the interviewer asks next is a new question.

        Backchannel ("mm-hmm", "okay") is listening, not speaking: the interviewer
        may still be finishing the question it acknowledged.
        """
        if self._open is not None and not is_backchannel(utterance.text):
            self._closed = True

    def _now(self, event: Utterance | Pause, now: float | None) -> float:
        if now is not None:
            return now
        if self._clock is not None:
            return self._clock.now()
        return event.emitted_s

    def _issue(
        self,
        current: _Open | None,
        analysis: QuestionAnalysis,
        utterance: Utterance,
        stamp: float,
        *,
        follow_up: bool,
        on_pause: bool = False,
    ) -> Question | None:
        """Revise the open question if it came from this utterance, else start one."""
        if current is not None and current.utterance_id == utterance.id:
            question = self._revise(current, analysis, utterance, stamp)
        else:
            question = self._start(analysis, utterance, stamp, follow_up=follow_up)
        return None if question is None else self._note(question, on_pause=on_pause)

    def _note(self, question: Question, *, on_pause: bool = False) -> Question:
        """Count an issued question in ``stats``."""
        if question.id not in self._issued:
            self._issued.add(question.id)
            self.stats["questions"] += 1
            if question.speculative:
                self._speculative.add(question.id)
                self.stats["speculative"] += 1
                self.stats["on_pause"] += int(on_pause)
        elif question.supersedes_speculative:
            self._waste(question, "revised")
        return question

    def _waste(self, question: Question, how: str = "dropped") -> None:
        """Count a speculative question whose early answer turned out not to be needed."""
        if question.id in self._speculative and question.id not in self._wasted:
            self._wasted.add(question.id)
            self.stats[how] += 1

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
                supersedes_speculative=False,  # a follow-up adds to the question, wastes nothing
                wording_only=False,
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
        self._closed = False
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

    def _turn_ended(self, utterance: Utterance, continues: bool) -> QuestionAnalysis | None:
        """End of turn decided from a partial during a pause, or None.

        The speaker has paused after this utterance's text (a ``Pause`` came and
        the partial heard nothing after it); the partial heard the speech up to
        the pause (a stale one misses the last words); its stable words already
        ask something; and its whole text reads as a complete question. Its
        tentative words count here: they were tentative only because they sat
        at the edge of what was heard, and the speaker stopped after them. If
        the speaker goes on, a later partial or the final revises the question
        under the same id.
        """
        paused = self._paused
        if paused is None or paused[0] != utterance.id or utterance.final:
            return None
        if utterance.end_s > paused[1] + _SAME_INSTANT_S:
            self._paused = None  # this partial heard speech after the pause: they went on
            return None
        if paused[1] - utterance.end_s > self._pause_cover_s:
            return None
        if self._analyse(utterance.stable, continues) is None:
            return None
        whole = self._analyse(utterance.text, continues)
        if whole is None or whole.confidence < MIN_EARLY_CONFIDENCE:
            return None
        return whole if reads_complete(whole.text) else None

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
        whole = self._analyse(utterance.text, continues)
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
        """A follow-up with no pause of a second since the question, and no word from the
        candidate."""
        if self._closed:
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
        text = _join(current.base, analysis.text)
        previous = current.question
        if same_question(current.part, analysis.text, self._threshold):
            if normalise(current.part) == normalise(analysis.text):
                return None  # the same words ("?" added): nothing to show
            # The same question in other words: the card shows the latest words at once
            # (a partial's "from four" must not stay up once the final says "from 40").
            question = replace(
                previous, text=text, end_s=utterance.end_s, emitted_s=stamp,
                speculative=previous.speculative and not utterance.final,
                supersedes_speculative=False, wording_only=True,
            )  # fmt: skip
            current.question = question
            current.part = analysis.text
            return question
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
            supersedes_speculative=previous.speculative,
            wording_only=False,
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
