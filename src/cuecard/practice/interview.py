"""One mock interview, put together the same way for the command line and the desktop.

The front end chooses where the answers come from (the microphone, or a
recording with ``--answers``) and adds its views; everything else is decided
here once: the questions from the profile, the voice rendered ahead of time,
the practice stage, and the one session builder with the practice-only
speech options (the disfluent prompt, the pause that ends an answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import QuestionKind
from cuecard.pipeline import Sink
from cuecard.practice.feedback import StoryMatcher
from cuecard.practice.fillers import PRACTICE_PROMPT
from cuecard.practice.followup import job_terms
from cuecard.practice.questions import PracticeQuestion, plan
from cuecard.practice.stage import PracticeStage
from cuecard.practice.voice import LocalVoice, Voice, VoiceError
from cuecard.session import FileInput, LiveInput, Session, load_transcriber
from cuecard.speech.stage import SpeechOptions
from cuecard.speech.transcriber import TimedWord, Transcriber

DEFAULT_PAUSE_S = 3.0
DEFAULT_COUNT = 5


@dataclass(frozen=True, slots=True)
class PracticeOptions:
    kind: QuestionKind | None = None
    count: int = DEFAULT_COUNT
    pause_s: float = DEFAULT_PAUSE_S
    voice: bool = True
    coach: bool = False
    seed: int | None = None
    sample_profile: bool = False
    """Practise against the bundled sample profile (the demo's), not the user's."""
    follow_ups: bool = False
    """After an answer that lacked something, ask one follow-up about it (live practice)."""


def answers_source(path: Path, *, realtime: bool = True) -> FileInput:
    """A recording of the candidate's answers, one per question, 3 s or more apart."""
    return FileInput(path, speaker="you", realtime=realtime)


def live_source(mic: str | None = None) -> LiveInput:
    """The microphone alone: the questions come from cuecard, not from a call."""
    return LiveInput(mic=mic, mic_only=True)


def practice_session(
    cfg: Config,
    source: FileInput | LiveInput,
    options: PracticeOptions,
    *,
    keep: bool = False,
    sinks: Sequence[Sink] = (),
    transcriber: Transcriber | None = None,
    tripwire: bool = True,
    voice: Voice | None = None,
    questions: Sequence[PracticeQuestion] | None = None,
    on_voice_problem: Callable[[str], None] | None = None,
) -> tuple[Session, PracticeStage]:
    """The session and its practice stage; nothing runs until ``await session.run()``.

    The voice renders every question now (a fraction of a second each), before the
    session writes anything; if no local voice can speak, ``on_voice_problem`` hears
    why and the questions are shown only.
    """
    from cuecard.profile.store import profile_chunks

    chunks = profile_chunks(sample=options.sample_profile)
    chosen = list(questions) if questions is not None else plan(
        chunks, kind=options.kind, count=options.count, seed=options.seed
    )
    if options.voice and voice is None:
        voice = LocalVoice()
    if voice is not None:
        try:
            voice.prepare([q.text for q in chosen])
        except VoiceError as err:
            if on_voice_problem is not None:
                on_voice_problem(str(err))
            voice = None
    clock = SessionClock()

    def words_of(audio: npt.NDArray[np.float32]) -> list[TimedWord]:
        # the session's own model (loaded once per process; already loaded by now)
        model = transcriber if transcriber is not None else load_transcriber(cfg)
        return model.timed_words(audio, initial_prompt=PRACTICE_PROMPT)

    stage = PracticeStage(
        chosen, clock, matcher=StoryMatcher(chunks) if chunks else None,
        voice=voice if options.voice else None, coach=options.coach, cfg=cfg,
        words_of=words_of, follow_ups=options.follow_ups, terms=job_terms(chunks),
    )  # fmt: skip
    session = Session(
        cfg, source, answers=False, keep=keep, sinks=sinks, transcriber=transcriber,
        tripwire=tripwire, clock=clock, stages=[stage], audio_taps=[stage.audio],
        speech=SpeechOptions(initial_prompt=PRACTICE_PROMPT, silence_after_s=options.pause_s),
    )  # fmt: skip
    stage.attach(session)
    return session, stage
