"""The events that flow one way through a session: audio → speech → dialogue → assist → ui.

Events are small frozen dataclasses so a stage can hand one to any number of
readers without copying, and no reader can change what another sees. Times are
seconds: ``start_s``/``end_s`` are audio time since the session started (the
same clock for both channels), ``emitted_s`` is the session clock when the event
was emitted (wall seconds since the audio started at real-time speed), so lag is
``emitted_s - end_s`` and can be measured from outside the process.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Speaker = Literal["interviewer", "you"]
SPEAKERS: tuple[Speaker, ...] = ("interviewer", "you")

QuestionKind = Literal[
    "behavioural", "technical", "situational", "about-you", "logistics", "small-talk", "coding"
]
"""``coding``: a problem to solve in code (signature, examples, constraints), usually read
from the screen; last, so it never wins a tie between spoken-question rules."""

SAMPLE_RATE = 16_000
"""Every AudioChunk is mono float32 at this rate, whatever the source."""

_ids = itertools.count(1)


def next_id() -> int:
    """A process-wide increasing id for utterances and questions."""
    return next(_ids)


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """32 ms of one channel (one VAD window), mono float32 at 16 kHz.

    ``t0`` is the audio time of the first sample; it increases monotonically per
    channel, so gaps (a device that stalled) are visible as jumps.
    """

    channel: Speaker
    samples: npt.NDArray[np.float32] = field(repr=False)
    t0: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def t1(self) -> float:
        return self.t0 + self.duration_s


@dataclass(frozen=True, slots=True)
class Utterance:
    """What one speaker said, partial while they speak, final when they stop.

    ``stable`` is the prefix of ``text`` that two successive passes agreed on:
    later partials and the final never change it, so text on screen does not
    jump back. ``text[len(stable):]`` is tentative.
    """

    id: int
    speaker: Speaker
    text: str
    final: bool
    start_s: float
    end_s: float
    emitted_s: float
    stable: str = ""

    @property
    def tentative(self) -> str:
        return self.text[len(self.stable) :]


@dataclass(frozen=True, slots=True)
class Silence:
    """A speaker has said nothing for a while, and everything they said before is out.

    Emitted by the speech stage only when a session asks for it (practice: the
    answer is over after the pause the candidate chose), once per quiet stretch
    that follows speech, and after every utterance of that speaker that ended
    before it: a reader can close a turn on it without losing a late final.
    ``forced`` marks one a command asked for (the candidate pressed a key).
    """

    speaker: Speaker
    since_s: float
    """Audio time the speaker's last utterance ended."""
    at_s: float
    """Audio time the silence was reported (``since_s`` + the pause, or the key press)."""
    emitted_s: float
    forced: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    """The interviewer asked something worth answering.

    ``utterance_id`` ties it to the utterance it came from; a question detected
    on a stable partial keeps its id when the final arrives.
    """

    id: int
    text: str
    kind: QuestionKind
    confidence: float
    utterance_id: int
    start_s: float
    end_s: float
    emitted_s: float
    speculative: bool = False
    supersedes_speculative: bool = False
    """This re-issue of the id replaces a speculative question whose text turned out
    different (the interviewer went on, or the final pass heard it otherwise): the
    work started on the earlier text was wasted."""
    typed: bool = False
    """The candidate typed it ("what should I say to…"); nobody said it."""
    wording_only: bool = False
    """This re-issue asks the same question in other words (the final pass heard "40
    clinics" where a partial had "four"): views show the new text, an answer under way
    stands."""


@dataclass(frozen=True, slots=True)
class Pause:
    """The VAD heard a speaker stop mid-utterance: silence started on a channel.

    Sent once the silence has lasted a few tens of milliseconds (longer than
    most dips between words), long before it is long enough to end the
    utterance (``min_silence_ms``), so the dialogue stage can decide end of turn
    from the text it already has instead of waiting for the final pass. It is
    sent at once, ahead of any pass still under way: a partial of the same
    utterance that comes after it heard the speech up to the pause at most, and
    is judged as it arrives. ``at_s`` is the audio time the silence began.
    """

    channel: Speaker
    utterance_id: int
    at_s: float
    emitted_s: float


@dataclass(frozen=True, slots=True)
class SuggestionDelta:
    """A piece of streamed answer text for a question.

    ``restart`` says: drop what was shown for this question so far (the stream
    broke and another attempt or provider starts over).
    """

    question_id: int
    text: str
    emitted_s: float
    restart: bool = False


@dataclass(frozen=True, slots=True)
class SuggestionDone:
    question_id: int
    text: str
    provider: str
    model: str
    emitted_s: float
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class SuggestionFailed:
    """An answer could not be produced; ``reason`` is one line a user can act on."""

    question_id: int
    reason: str
    emitted_s: float


@dataclass(frozen=True, slots=True)
class OfflineNotes:
    """Talking points from the user's own notes, shown while the model is slow or has failed.

    A separate section of the answer card: when the model's text arrives it streams into
    its own section, so nothing the candidate is reading changes under their eyes.
    ``reason`` is one line: why the notes are shown (slow, failed, spending guard).
    """

    question_id: int
    text: str
    reason: str
    emitted_s: float


@dataclass(frozen=True, slots=True)
class PromptSent:
    """Exactly what left the device for one answer, and to whom (the prompt inspector).

    Only views the user asked for show it (``--show-prompts``, the desktop
    inspector); it is never logged.
    """

    question_id: int
    provider: str
    destination: str
    text: str
    redacted: bool
    emitted_s: float


@dataclass(frozen=True, slots=True)
class AnswerNow:
    """A command from a view: treat the interviewer's last turn as the question."""

    emitted_s: float


@dataclass(frozen=True, slots=True)
class Command:
    """A person's command to the session (a key, a button, Ctrl-C), on the bus like anything
    heard, so ``--json`` and a kept session say when listening paused or a turn was ended.

    ``answer_now`` and a typed question have their own events (``AnswerNow``, a ``Question``
    with ``typed``); these are the ones that change what is heard, not what is answered.
    """

    name: Literal["end_turn", "pause", "resume", "stop"]
    emitted_s: float


@dataclass(frozen=True, slots=True)
class Notice:
    """A one-line status message for the user (warning, provider switch, ...)."""

    level: Literal["info", "warning", "error"]
    message: str
    emitted_s: float


@dataclass(frozen=True, slots=True)
class Level:
    """Input level of a channel, for meters and silence warnings (dBFS, RMS)."""

    channel: Speaker
    dbfs: float
    emitted_s: float


@dataclass(frozen=True, slots=True)
class Feedback:
    """Practice: how one answer went, computed on the device after its last final utterance.

    ``fillers`` counts filler words by kind ("um", "uh", "like", "you know", ...);
    ``star`` says which of situation, task, action and result were stated; ``story``
    is the title of the profile story the answer told, if any; ``next_step`` is one
    concrete thing to do better next time.
    """

    question_id: int
    question: str
    kind: QuestionKind
    answer_text: str
    start_s: float
    end_s: float
    duration_s: float
    words: int
    wpm: float
    fillers: dict[str, int]
    filler_total: int
    star: dict[str, bool]
    story: str | None
    numbers: tuple[str, ...]
    """Numbers and results said ("40%", "22 minutes", "halved")."""
    long_pauses: tuple[float, ...]
    """Pauses inside the answer that were long enough to notice (seconds each)."""
    next_step: str
    emitted_s: float
    filler_confidence: Literal["high", "medium", "low"] = "low"
    """How sure the filler count is: "high" when every vocal filler counted has its own
    voiced sound in the audio and none the decoder wrote was dropped; "low" when the
    answer's audio could not be checked (``cuecard.practice.fillers.verify``)."""
    follow_up: str | None = None
    """Practice: the one follow-up an interviewer would ask about this answer, if any (asked
    next when follow-ups are on; never about an answer to a follow-up)."""
    terms_used: tuple[str, ...] = ()
    """The job description's key terms the answer used…"""
    terms_missed: tuple[str, ...] = ()
    """…and those it did not (the ones a question of this kind is most likely to want)."""
    repeated: tuple[str, ...] = ()
    """Content words said three times or more in the answer."""


@dataclass(frozen=True, slots=True)
class YourTurn:
    """Practice: the question's voice has finished and the answer is heard from now on.

    Views prompt "answer out loud" on this, not on the ``Question`` (which is shown while
    the voice still reads it): an answer started on the prompt is then captured whole.
    """

    question_id: int
    emitted_s: float


@dataclass(frozen=True, slots=True)
class CoachNote:
    """Practice: a short critique of one answer from the configured model (optional).

    It goes through the same privacy wrapper as a live answer: what was sent is a
    ``PromptSent`` event first, and the egress ledger records the connection.
    """

    question_id: int
    text: str
    provider: str
    model: str
    emitted_s: float


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """What this session runs: its source, its stages in order, its answer providers.

    The first event of every session, whichever front end started it, so a script (or a
    test) can see that the CLI and the desktop app run the same stages.
    """

    source: str
    """``demo``, ``file`` or ``live``."""
    stages: tuple[str, ...]
    providers: tuple[str, ...]
    emitted_s: float


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The audio is over and every stage has drained (or the session was stopped).

    ``summary`` holds the session's counts (questions, answers, notes shown, wasted
    speculative requests, tokens, estimated cost); always the last event.
    """

    audio_s: float
    emitted_s: float
    summary: dict[str, object] = field(default_factory=dict, compare=False)


Event = (
    YourTurn
    | Utterance
    | Silence
    | Pause
    | Question
    | PromptSent
    | AnswerNow
    | Command
    | SuggestionDelta
    | SuggestionDone
    | SuggestionFailed
    | OfflineNotes
    | Notice
    | Level
    | Feedback
    | CoachNote
    | SessionStarted
    | SessionEnded
)
