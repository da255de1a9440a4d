"""The mock interview as a session stage: ask, listen, give feedback, ask the next one.

``PracticeStage`` runs after speech in an ordinary session (``Session(stages=[…],
answers=False)``), so the microphone goes through the same builder as a live
call, and a recording (``--answers FILE``) through the same file source as a
replay. It:

1. asks each question: a ``Question`` event (what the views show), then the
   local voice reads it; live, capture is paused while the voice speaks and
   for a short tail after, so the question is never transcribed as the
   candidate's answer; then ``YourTurn``, the prompt to answer, once capture
   is on again;
2. collects the candidate's final utterances as the answer, and (an audio tap)
   its audio, so the answer can be decoded once more, whole, and its fillers
   checked against the sound (``fillers.verify``);
3. closes the answer on the speech stage's ``Silence`` event (the pause the
   candidate chose, default 3 s, or a key press): that event comes after every
   final the candidate said before it, so no late final is lost, in fast mode
   too; then sends ``Feedback`` (and, if asked for, the coach's critique), and
   with follow-ups on, asks the one follow-up the answer called for next;
4. after the last answer, stops the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from cuecard.clock import SessionClock
from cuecard.events import (
    SAMPLE_RATE,
    AudioChunk,
    Event,
    Feedback,
    Notice,
    Question,
    Silence,
    Utterance,
    YourTurn,
    next_id,
)
from cuecard.practice.feedback import StoryMatcher, feedback_for
from cuecard.practice.fillers import CheckedFillers, verify
from cuecard.practice.questions import PracticeQuestion
from cuecard.practice.voice import ECHO_TAIL_S, Voice, VoiceError

if TYPE_CHECKING:
    from cuecard.config import Config
    from cuecard.practice.coach import Coach
    from cuecard.privacy.egress import Guard
    from cuecard.speech.transcriber import TimedWord

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]
WordsOf = Callable[[npt.NDArray[np.float32]], "list[TimedWord]"]
ANSWER_PAD_S = 0.3
"""Audio kept either side of the answer's utterances for the checking pass (the VAD's edges)."""
KEEP_AUDIO_S = 600.0
"""The most candidate audio held for one answer (ten minutes: no answer is longer)."""
COACH_WAIT_S = 30.0
FOLLOW_UP = "follow-up"
"""``PracticeQuestion.source`` of a follow-up the interviewer added."""
FOLLOW_UP_WAIT_S = 10.0
"""How long the model may take to word a follow-up before the rule's own words are used."""
"""At the end, how long the last critique may still take before the session ends without it."""


class Controls(Protocol):
    """What the stage needs from its session (``cuecard.session.Session`` has all of it)."""

    guard: Guard | None

    @property
    def live(self) -> bool: ...

    def set_paused(self, paused: bool) -> None: ...

    def stop(self) -> None: ...


@dataclass
class _Answer:
    question: PracticeQuestion
    question_id: int
    utterances: list[Utterance] = field(default_factory=list)


class AnswerAudio:
    """The candidate's audio, kept (in memory only) until the answer it belongs to is checked.

    An audio tap of the session (``Session(audio_taps=[…])``): it sees what the speech
    stage hears, paused audio excluded, on the same time axis as the utterances.
    """

    def __init__(self) -> None:
        self._chunks: list[AudioChunk] = []

    def __call__(self, chunk: AudioChunk) -> None:
        if chunk.channel != "you":
            return
        self._chunks.append(chunk)
        limit = int(KEEP_AUDIO_S / chunk.duration_s) if chunk.duration_s > 0 else 0
        if limit and len(self._chunks) > limit:
            del self._chunks[: len(self._chunks) - limit]

    def between(self, start_s: float, end_s: float) -> npt.NDArray[np.float32]:
        """The audio heard from ``start_s`` to ``end_s`` (silence where nothing was heard)."""
        n = max(0, int((end_s - start_s) * SAMPLE_RATE))
        out = np.zeros(n, np.float32)
        for chunk in self._chunks:
            if chunk.t1 <= start_s or chunk.t0 >= end_s:
                continue
            at = round((chunk.t0 - start_s) * SAMPLE_RATE)
            lo = max(0, -at)
            hi = min(len(chunk.samples), n - at)
            if hi > lo:
                out[at + lo : at + hi] = chunk.samples[lo:hi]
        return out

    def forget_before(self, t_s: float) -> None:
        self._chunks = [c for c in self._chunks if c.t1 > t_s]


class PracticeStage:
    """A pipeline processor that interviews the candidate and measures each answer."""

    name = "practice"

    def __init__(
        self,
        questions: Sequence[PracticeQuestion],
        clock: SessionClock,
        *,
        matcher: StoryMatcher | None,
        voice: Voice | None = None,
        coach: bool = False,
        cfg: Config | None = None,
        words_of: WordsOf | None = None,
        follow_ups: bool = False,
        terms: Sequence[str] = (),
    ) -> None:
        """``words_of`` decodes a whole answer with word times (``Transcriber.timed_words``);
        with it, each answer's fillers are checked against the audio in ``self.audio``."""
        self.questions = list(questions)
        self.words_of = words_of
        self.follow_ups = follow_ups
        self.terms = tuple(terms)
        self.audio = AnswerAudio()
        self.clock = clock
        self.matcher = matcher
        self.voice = voice
        self.want_coach = coach
        self.cfg = cfg
        self.controls: Controls | None = None
        self.coach: Coach | None = None
        self.feedback: list[Feedback] = []
        self.asked: list[tuple[int, PracticeQuestion]] = []
        self._next = 0
        self._answer: _Answer | None = None
        self._coaching: set[asyncio.Task[None]] = set()
        self._audio_s = 0.0

    def attach(self, controls: Controls) -> None:
        """The session this stage runs in (for pausing capture, the guard, and stopping)."""
        self.controls = controls

    @property
    def done(self) -> bool:
        return self._next >= len(self.questions) and self._answer is None

    # -- the pipeline ---------------------------------------------------------
    async def start(self, send: Send) -> None:
        if self.want_coach and self.cfg is not None:
            from cuecard.practice.coach import Coach

            guard = self.controls.guard if self.controls is not None else None
            self.coach, problems = Coach.build(self.cfg, guard, self.clock)
            for message in problems:
                await send(Notice("warning", message, self.clock.now()))
        await self._ask_next(send)

    async def process(self, event: Event, send: Send) -> None:
        await send(event)
        if isinstance(event, Utterance):
            self._audio_s = max(self._audio_s, event.end_s)
            if event.final and event.speaker == "you" and self._answer is not None:
                self._answer.utterances.append(event)
        elif isinstance(event, Silence) and event.speaker == "you":
            self._audio_s = max(self._audio_s, event.at_s)
            answer = self._answer
            if answer is None:
                return
            if answer.utterances or event.forced:
                await self._close(answer, send)
                await self._ask_next(send)

    async def finish(self, send: Send) -> None:
        """The audio is over (or the session was stopped): the answer in progress counts."""
        if self._answer is not None and self._answer.utterances:
            await self._close(self._answer, send)
        self._answer = None
        if self._coaching:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*self._coaching, return_exceptions=True), COACH_WAIT_S
                )
        if self.coach is not None:
            await self.coach.aclose()

    # -- asking and closing -----------------------------------------------------
    async def _ask_next(self, send: Send) -> None:
        if self._next >= len(self.questions):
            self._answer = None
            if self.controls is not None:
                self.controls.stop()
            return
        question = self.questions[self._next]
        self._next += 1
        qid = next_id()
        self.asked.append((qid, question))
        now = self.clock.now()
        await send(Question(qid, question.text, question.kind, 1.0, 0, self._audio_s,
                            self._audio_s, now))  # fmt: skip
        self._answer = _Answer(question, qid)
        if self.voice is not None:
            await self._speak(question.text, send)
        # capture is on again (the voice has finished): only now is the candidate asked
        await send(YourTurn(qid, self.clock.now()))

    async def _speak(self, text: str, send: Send) -> None:
        live = self.controls is not None and self.controls.live
        if live and self.controls is not None:
            self.controls.set_paused(True)  # the voice must not be heard as the candidate
        try:
            assert self.voice is not None
            await self.voice.say(text)
            if live:
                await asyncio.sleep(ECHO_TAIL_S)
        except VoiceError as err:
            self.voice = None
            await send(Notice("warning", f"{err}; questions are shown on screen only",
                              self.clock.now()))  # fmt: skip
        finally:
            if live and self.controls is not None:
                self.controls.set_paused(False)

    async def _checked(self, answer: _Answer) -> CheckedFillers | None:
        """The answer decoded once more, whole, and its fillers checked against its audio."""
        if self.words_of is None or not answer.utterances:
            return None
        start = max(0.0, answer.utterances[0].start_s - ANSWER_PAD_S)
        end = answer.utterances[-1].end_s + ANSWER_PAD_S
        audio = self.audio.between(start, end)
        self.audio.forget_before(end)
        if not audio.size or not np.any(audio):
            return None
        try:
            words = await asyncio.to_thread(self.words_of, audio)
        except Exception as err:  # the streaming text still gives feedback, marked unchecked
            log.warning("the checking pass failed (%s); fillers are unchecked",
                        type(err).__name__)  # fmt: skip
            return None
        return verify(words, audio)

    async def _close(self, answer: _Answer, send: Send) -> None:
        self._answer = None
        checked = await self._checked(answer)
        fb = feedback_for(
            answer.question_id, answer.question.text, answer.question.kind, answer.utterances,
            matcher=self.matcher, emitted_s=self.clock.now(), checked=checked, terms=self.terms,
        )  # fmt: skip
        if fb.follow_up is not None and self.follow_ups and answer.question.source != FOLLOW_UP:
            question = fb.follow_up
            if self.coach is not None:  # the model words it, about what the rule chose
                worded: str | None = None
                with contextlib.suppress(TimeoutError):
                    worded = await asyncio.wait_for(self.coach.follow_up(fb, send),
                                                    FOLLOW_UP_WAIT_S)  # fmt: skip
                question = worded or question
            # asked next, once: a follow-up is never followed up
            self.questions.insert(self._next, PracticeQuestion(
                question, answer.question.kind, "a follow-up to your answer", source=FOLLOW_UP,
            ))  # fmt: skip
            fb = dataclasses.replace(fb, follow_up=question)
        self.feedback.append(fb)
        await send(fb)
        if self.coach is not None and fb.words:
            task = asyncio.create_task(self.coach.critique(fb, send), name="coach")
            self._coaching.add(task)
            task.add_done_callback(self._coaching.discard)
