"""One listening session, from any audio source to the views: the composition root.

This is the only module that knows every stage; each stage knows only the
events it reads and writes. ``cuecard replay``, ``demo`` and ``listen`` and the
desktop app all start sessions through ``run_session``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import AudioChunk, Event, Utterance

if TYPE_CHECKING:
    from cuecard.pipeline import Processor, Sink
    from cuecard.speech.transcriber import Transcriber

log = logging.getLogger(__name__)


@dataclass
class SessionSummary:
    audio_s: float = 0.0
    utterances: int = 0
    questions: int = 0
    answers: int = 0
    wall_s: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


_TRANSCRIBERS: dict[tuple[str, str, int], Transcriber] = {}


def load_transcriber(cfg: Config) -> Transcriber:
    """Load (once per process) and verify the configured Whisper model."""
    from cuecard.speech import model
    from cuecard.speech.transcriber import Transcriber

    key = (cfg.speech.model, cfg.speech.compute_type, cfg.speech.cpu_threads)
    if key not in _TRANSCRIBERS:
        whisper = model.load(
            cfg.speech.model,
            compute_type=cfg.speech.compute_type,
            cpu_threads=cfg.speech.cpu_threads,
        )
        _TRANSCRIBERS[key] = Transcriber(whisper)
    return _TRANSCRIBERS[key]


class _Counter:
    def __init__(self, summary: SessionSummary) -> None:
        self.summary = summary

    def __call__(self, event: Event) -> None:
        from cuecard.events import Question, SuggestionDone

        if isinstance(event, Utterance) and event.final:
            self.summary.utterances += 1
        elif isinstance(event, Question):
            self.summary.questions += 1
        elif isinstance(event, SuggestionDone):
            self.summary.answers += 1


async def run_session(
    source: AsyncIterable[AudioChunk],
    cfg: Config,
    sinks: Sequence[Sink],
    *,
    clock: SessionClock,
    transcriber: Transcriber,
    processors: Sequence[Processor] = (),
    on_start: Callable[[], None] | None = None,
) -> SessionSummary:
    """Run until the source ends (or the task is cancelled); return what happened."""
    from cuecard.pipeline import Pipeline
    from cuecard.speech.stage import SpeechStage

    summary = SessionSummary()
    speech = SpeechStage(transcriber, cfg.speech, clock)
    pipeline = Pipeline(source, speech, processors, [*sinks, _Counter(summary)], clock)
    if on_start is not None:
        on_start()
    clock.reset()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        await pipeline.run()
    finally:
        summary.audio_s = pipeline.audio_s
        summary.wall_s = loop.time() - t0
        summary.extra["speech"] = {**speech.stats, "busy_s": round(speech.scheduler.busy_s, 2)}
        log.info(
            "session: %.1f s audio, %d utterances, %d questions, %d answers",
            summary.audio_s, summary.utterances, summary.questions, summary.answers,
        )  # fmt: skip
    return summary
