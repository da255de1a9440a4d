"""One session builder for every front end: the composition root.

``replay``, ``demo``, ``listen``, the desktop app and the benches all start a
``Session``: they choose a source (a recording, the bundled demo, or live
devices) and add sinks (a terminal view, JSON lines, the overlay). Everything
else is decided here, once, so the front ends cannot drift apart (the
desktop's own copy of this once lost the echo filter and the silence watcher):

- the stage list: speech; the silence watcher and the echo filter wherever
  audio is captured live; question detection and the answer engine when
  answers are on; the vault recorder when the user opted in to keep sessions;
- the egress guard, armed before anything can open a socket;
- the summary (what happened, what it cost, what speculation wasted), which
  ``SessionEnded`` carries and every front end can show;
- commands from a view: ``inject`` (answer now, a typed question), ``stop``
  (end after what was heard), ``set_paused``.

This is the only module that knows every stage; each stage knows only the
events it reads and writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cuecard import paths
from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import (
    AudioChunk,
    Command,
    Event,
    Notice,
    Question,
    SessionStarted,
    Speaker,
    next_id,
)
from cuecard.tally import Tally

if TYPE_CHECKING:
    from cuecard.assist.engine import AnswerEngine
    from cuecard.audio.backend import Device
    from cuecard.audio.capture import LiveSource
    from cuecard.pipeline import Pipeline, Processor, Sink
    from cuecard.privacy.egress import Guard
    from cuecard.speech.stage import SpeechOptions, SpeechStage
    from cuecard.speech.transcriber import Transcriber

log = logging.getLogger(__name__)


# -- sources ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileInput:
    """A recording (stereo: left interviewer, right you), one file per speaker, or the demo."""

    path: Path | None = None
    interviewer: Path | None = None
    you: Path | None = None
    speaker: Speaker | None = None
    realtime: bool = True
    demo: bool = False
    """The bundled mock interview, answered from the bundled sample profile."""

    @classmethod
    def bundled_demo(cls, *, realtime: bool = True) -> FileInput:
        return cls(paths.demo_recording(), realtime=realtime, demo=True)

    @property
    def name(self) -> str:
        first = self.path or self.interviewer or self.you
        return first.name if first is not None else "?"


@dataclass(frozen=True, slots=True)
class LiveInput:
    """The microphone (you) and what the computer plays (the interviewer)."""

    mic: str | None = None
    loopback: str | None = None
    stop_after_s: float | None = None
    mic_only: bool = False
    """Practice: only the microphone (the questions come from cuecard, not a call)."""


@dataclass(frozen=True, slots=True)
class NoInput:
    """No audio at all: only questions typed into a view are answered.

    A typed question must not open a microphone: the README promises that nothing
    listens until the user presses Start, so a question typed before that runs a
    session whose source never opens a device and yields nothing until stopped.
    """

    demo: bool = False
    """Answer from the bundled sample profile, as the demo does."""


class _NoAudio:
    """The source of a ``NoInput`` session: no chunk, ever, until ``stop``/``aclose``."""

    def __init__(self) -> None:
        self._ended: asyncio.Event | None = None
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True
        if self._ended is not None:
            self._ended.set()

    async def aclose(self) -> None:
        self.stop()

    def __aiter__(self) -> _NoAudio:
        return self

    async def __anext__(self) -> AudioChunk:
        if self._ended is None:
            self._ended = asyncio.Event()
        if not self._stopped:
            await self._ended.wait()
        raise StopAsyncIteration


SourceSpec = FileInput | LiveInput | NoInput


# -- the summary --------------------------------------------------------------------------


@dataclass
class SessionSummary:
    """What happened in a session, for the last event, the CLI's last line and the overlay."""

    audio_s: float = 0.0
    wall_s: float = 0.0
    counts: Tally = field(default_factory=Tally)
    """Utterances, questions, answered, revised, notes shown, failed: the one tally."""
    echoes_dropped: int = 0
    answer_usage: dict[str, object] = field(default_factory=dict)
    """The answer engine's counts: tokens, estimated cost, held back, wasted speculation."""
    dialogue: dict[str, object] = field(default_factory=dict)
    """Question detection's counts (speculative questions and how many were revised)."""
    speech: dict[str, object] = field(default_factory=dict)
    kept_session: str | None = None
    vault_error: str | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"audio_s": round(self.audio_s, 3),
                                   "wall_s": round(self.wall_s, 3), **self.counts.to_dict()}
        data.update((k, v) for k, v in asdict(self).items() if k not in data and k != "counts")
        return data

    def line(self, *, live: bool = False) -> str:
        """One line for a person: how long, what was heard, what was answered."""
        m, s = divmod(round(self.audio_s), 60)

        def n(count: int, word: str, plural: str | None = None) -> str:
            return f"{count} {word if count == 1 else plural or word + 's'}"

        parts = [self.counts.line()]
        if self.echoes_dropped:
            parts.append(n(self.echoes_dropped, "echo", "echoes") + " of the interviewer dropped")
        cost = self.answer_usage.get("cost_usd")
        if isinstance(cost, float) and cost > 0:
            parts.append(f"about ${cost:.3f} spent")
        kept = f"; kept as {self.kept_session}" if self.kept_session else ""
        if live:
            return f"listened {m}:{s:02d}: {', '.join(parts)}{kept}; devices released"
        return f"{m}:{s:02d} of audio: {', '.join(parts)}{kept}"


class SessionError(Exception):
    """The session cannot start as asked (the vault is locked, the keychain is missing)."""


# -- the transcriber, once per process ------------------------------------------------------

_TRANSCRIBERS: dict[tuple[str, str, int, str], Transcriber] = {}
_WHISPERS: dict[tuple[str, str, int], Any] = {}
_TRANSCRIBER_LOCK = threading.Lock()


def load_transcriber(cfg: Config) -> Transcriber:
    """Load (once per process) and verify the configured Whisper model."""
    from cuecard.speech import model
    from cuecard.speech.transcriber import Transcriber

    name = cfg.speech.model
    if name == "auto" and cfg.speech.language not in ("auto", "en"):
        name = model.MULTILINGUAL  # the only one that can: slower beats not at all
    elif name == "auto":  # measured once on this machine, then remembered (speech/auto.py)
        from cuecard.speech import auto

        name = auto.choose(compute_type=cfg.speech.compute_type,
                           cpu_threads=cfg.speech.cpu_threads).model  # fmt: skip
    key = (name, cfg.speech.compute_type, cfg.speech.cpu_threads)
    with _TRANSCRIBER_LOCK:
        if key not in _WHISPERS:
            _WHISPERS[key] = model.load(
                name,
                compute_type=cfg.speech.compute_type,
                cpu_threads=cfg.speech.cpu_threads,
            )
        # one per language setting: "auto" remembers the language it detected
        full = (*key, cfg.speech.language)
        if full not in _TRANSCRIBERS:
            _TRANSCRIBERS[full] = Transcriber(
                _WHISPERS[key], language=cfg.speech.language, name=name
            )
        return _TRANSCRIBERS[full]


# -- the session ----------------------------------------------------------------------------


class Session:
    """One listening session, from a source to the sinks a front end added.

    Opening the source happens in ``__init__``, so a bad file or a missing device
    fails (``AudioError``, one line) before any model loads. ``run()`` builds the
    rest, runs until the audio ends, ``stop()`` or cancellation, and always
    delivers ``SessionEnded`` last, Ctrl-C included.
    """

    def __init__(
        self,
        cfg: Config,
        source: SourceSpec,
        *,
        answers: bool = True,
        keep: bool | None = None,
        explicit_key: str | None = None,
        tripwire: bool = True,
        clock: SessionClock | None = None,
        sinks: Sequence[Sink] = (),
        transcriber: Transcriber | None = None,
        audio_taps: Sequence[Callable[[AudioChunk], None]] = (),
        stages: Sequence[Processor] = (),
        speech: SpeechOptions | None = None,
    ) -> None:
        """``audio_taps`` see every chunk the session hears (benches measure lag with it).

        ``stages`` run after the built-in ones and ``speech`` asks the speech stage for
        more than the live path needs: that is how practice (``cuecard.practice``) is
        a session like any other, with its own stage instead of the answer engine.
        """
        self.cfg = cfg
        self.spec = source
        self.answers = answers
        self.keep = cfg.privacy.keep_sessions if keep is None else keep
        self.explicit_key = explicit_key
        self.tripwire = tripwire
        self.clock = clock or SessionClock()
        self.sinks: list[Sink] = list(sinks)
        self.summary = SessionSummary()
        self.guard: Guard | None = None
        self.engine: AnswerEngine | None = None
        self.pipeline: Pipeline | None = None
        self._transcriber = transcriber
        self._taps = list(audio_taps)
        self._paused = False
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._processors: list[Processor] = []
        self._extra: list[Processor] = list(stages)
        self._speech_options = speech
        self._speech: SpeechStage | None = None
        self._t0 = 0.0
        self.audio: AsyncIterable[AudioChunk] = self._open_source()

    # -- what it is made of --------------------------------------------------

    @property
    def live(self) -> bool:
        return isinstance(self.spec, LiveInput)

    @property
    def source_kind(self) -> str:
        if isinstance(self.spec, LiveInput):
            return "live"
        if isinstance(self.spec, NoInput):
            return "typed"
        return "demo" if self.spec.demo else "file"

    @property
    def devices(self) -> dict[Speaker, Device]:
        """The devices a live session captures (empty for a recording)."""
        from cuecard.audio.capture import LiveSource

        return self.audio.devices if isinstance(self.audio, LiveSource) else {}

    def open_devices(self) -> dict[Speaker, Device]:
        """The devices with a capture stream open right now (none while paused)."""
        live = self.live_source
        return live.open_devices() if live is not None else {}

    @property
    def live_source(self) -> LiveSource | None:
        from cuecard.audio.capture import LiveSource

        return self.audio if isinstance(self.audio, LiveSource) else None

    def stages(self) -> list[str]:
        """The stages this session runs, in order (the start event lists them)."""
        names = [f"source:{self.source_kind}", "speech"]
        if self.live:
            names += ["silence-watch", "echo-filter"]
        if self.answers:
            names += ["dialogue", "answers"]
        names += [str(getattr(s, "name", type(s).__name__)) for s in self._extra]
        if self.keep:
            names.append("vault")
        return names

    def add_sink(self, sink: Sink) -> None:
        self.sinks.append(sink)

    def _open_source(self) -> AsyncIterable[AudioChunk]:
        if isinstance(self.spec, LiveInput):
            from cuecard.audio.capture import LiveSource

            return LiveSource(
                mic=self.spec.mic if self.spec.mic is not None else self.cfg.audio.mic,
                loopback=(
                    self.spec.loopback if self.spec.loopback is not None
                    else self.cfg.audio.loopback
                ),
                clock=self.clock,
                stop_after_s=self.spec.stop_after_s,
                speakers=("you",) if self.spec.mic_only else ("interviewer", "you"),
            )  # fmt: skip
        if isinstance(self.spec, NoInput):
            return _NoAudio()
        from cuecard.audio.sources import FileSource

        spec = self.spec
        return FileSource(
            spec.path, speaker=spec.speaker, interviewer=spec.interviewer, you=spec.you,
            clock=self.clock, realtime=spec.realtime,
        )  # fmt: skip

    # -- commands from a view (call them on the session's loop) ---------------

    async def inject(self, event: Event) -> None:
        """An event from a view into the head of the stages: ``AnswerNow``, a ``Question``."""
        if self.pipeline is not None:
            await self.pipeline.inject(event)

    async def ask(self, text: str) -> Question | None:
        """A question the candidate typed ("what should I say to…"), answered like a heard one."""
        from cuecard.dialogue.questions import analyse, classify

        text = " ".join(text.split())
        if not text or self.pipeline is None or not self.answers:
            return None
        company = getattr(self.engine.retriever, "company", None) if self.engine else None
        analysis = analyse(text, company=company)
        now = self.clock.now()
        question = Question(
            next_id(), text, analysis.kind if analysis else classify(text, company=company),
            analysis.confidence if analysis else 0.5, 0, now, now, now, typed=True,
        )  # fmt: skip
        await self.inject(question)
        return question

    def end_turn(self, speaker: Speaker = "you") -> bool:
        """``speaker`` is done talking now (practice: a key press ends the answer).

        Their open utterance is closed at once and a forced ``Silence`` follows its
        final; call on the session's loop. False when nothing was heard yet.
        """
        ended = self._speech.end_turn(speaker) if self._speech is not None else False
        if ended:
            self._command("end_turn")
        return ended

    def stop(self) -> None:
        """End after the audio already heard; the stages drain and ``SessionEnded`` follows."""
        if not self._stopped:
            self._command("stop")
        self._stopped = True
        stop = getattr(self.audio, "stop", None)
        if callable(stop):
            stop()

    def set_paused(self, paused: bool, *, close_devices: bool = False) -> None:
        """Paused: audio is still read from the source but dropped, so nothing is heard.

        ``close_devices``: a live session also closes its capture streams until resumed
        (the user's Pause: a paused user expects nothing to listen, not a stream whose
        audio is dropped). Practice's short pauses while a question is read keep them
        open. Thread-safe: the live source only flips flags its capture threads read, and
        the command is posted to the loop.
        """
        if paused != self._paused:
            self._command("pause" if paused else "resume")
        self._paused = paused
        live = self.live_source
        if live is not None:
            live.set_paused(paused and close_devices)

    def _command(self, name: Literal["end_turn", "pause", "resume", "stop"]) -> None:
        """Put a person's command on the bus, in front of the views (from any thread)."""
        loop, pipeline = self._loop, self.pipeline
        if loop is None or pipeline is None or loop.is_closed() or pipeline.ended:
            return
        event = Command(name, self.clock.now())
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            pipeline.announce_now(event)
        else:
            loop.call_soon_threadsafe(pipeline.announce_now, event)

    @property
    def paused(self) -> bool:
        return self._paused

    # -- running ----------------------------------------------------------------

    async def run(self) -> SessionSummary:
        """Run to the end; returns the summary (also in ``SessionEnded.summary``)."""
        from cuecard.pipeline import Pipeline
        from cuecard.privacy.egress import startup
        from cuecard.speech.stage import SpeechStage

        self._loop = asyncio.get_running_loop()
        vault = None
        self._t0 = self._loop.time()
        heap = contextlib.ExitStack()
        try:
            self.guard = startup(self.cfg, tripwire=self.tripwire)
            problems = self._build_stages()
            transcriber = self._transcriber
            warming = (
                asyncio.create_task(asyncio.to_thread(self.engine.warm))
                if self.engine is not None
                else None
            )  # while the speech model loads: the first answer should not pay for it
            if transcriber is None:
                transcriber = await asyncio.to_thread(load_transcriber, self.cfg)
            if warming is not None:
                await warming
            sinks: list[Sink] = list(self.sinks)
            if self.keep:
                vault, recorder = self._open_vault()
                sinks.append(recorder)
            sinks.append(self._count)
            speech = SpeechStage(
                transcriber, self.cfg.speech, self.clock, options=self._with_vocabulary()
            )
            self._speech = speech
            pipeline = Pipeline(
                self._gated(self.audio), speech, self._processors, sinks, self.clock,
                summary=lambda: self._finish(speech).to_dict(),
            )  # fmt: skip
            self.pipeline = pipeline
            heap.enter_context(_startup_heap_frozen())
            self.clock.reset()
            await pipeline.deliver(SessionStarted(
                self.source_kind, tuple(self.stages()), self._provider_names(), 0.0
            ))  # fmt: skip
            for message in getattr(self.audio, "notices", ()):  # e.g. one voice on both sides
                await pipeline.deliver(Notice("info", message, 0.0))
            for message in problems:
                await pipeline.deliver(Notice("warning", message, 0.0))
            try:
                await pipeline.run()
            except asyncio.CancelledError:
                await pipeline.end(pipeline.ending())
                raise
            except BaseExceptionGroup as group:
                # A stage failed (a file that stops decoding halfway): the views still get
                # their last event, and the front end gets the one error, not a task group.
                await pipeline.end(pipeline.ending())
                raise _first_failure(group) from None
        finally:
            heap.close()
            self.summary.wall_s = self._loop.time() - self._t0
            if self.engine is not None:
                await self.engine.aclose()
            if vault is not None:
                vault.close()
            aclose = getattr(self.audio, "aclose", None)
            if aclose is not None:
                await aclose()
            log.info("session: %.1f s audio, %s", self.summary.audio_s,
                     self.summary.counts.line())  # fmt: skip
        return self.summary

    def _build_stages(self) -> list[str]:
        """The processors after speech; returns one line per problem the user should fix."""
        problems: list[str] = []
        live = self.live_source
        if live is not None:
            from cuecard.audio.levels import SilenceWatcher
            from cuecard.dialogue.echo import EchoFilter

            self._processors += [
                SilenceWatcher(self.clock, self.cfg.audio.silence_warning_s, source=live),
                EchoFilter(),
            ]
        if self.answers:
            from cuecard.assist.factory import build_engine
            from cuecard.dialogue.stage import DialogueStage

            demo = isinstance(self.spec, FileInput | NoInput) and self.spec.demo
            self.engine, problems = build_engine(
                self.cfg, self.clock, self.guard, demo_profile=demo,
                explicit_key=self.explicit_key,
            )  # fmt: skip
            company = getattr(self.engine.retriever, "company", None)  # from the job description
            stage = DialogueStage(
                self.clock,
                company=company,
                speculative=self.cfg.assist.speculative,
                language=self.cfg.speech.language,
            )
            self._processors += [stage, self.engine]
        self._processors += self._extra
        return problems

    def _with_vocabulary(self) -> SpeechOptions:
        """The speech options, with the user's vocabulary as the recogniser's hotwords.

        The terms come from ``speech.vocabulary`` and the profile the answers use (the
        sample profile in the demo), chosen on the device (``cuecard.profile.vocabulary``).
        """
        from cuecard.profile.reading import ProfileError
        from cuecard.profile.store import profile_chunks
        from cuecard.profile.vocabulary import as_prompt, vocabulary
        from cuecard.speech.stage import SpeechOptions

        options = self._speech_options or SpeechOptions()
        sp = self.cfg.speech
        if options.hotwords:
            return options
        chunks = []
        if sp.vocabulary_from_profile:
            retriever = self.engine.retriever if self.engine is not None else None
            demo = isinstance(self.spec, FileInput) and self.spec.demo
            try:
                chunks = list(getattr(retriever, "chunks", None) or profile_chunks(sample=demo))
            except (ProfileError, OSError):
                log.warning("session: profile unreadable; no vocabulary from it")
        terms = vocabulary(chunks, yours=sp.vocabulary, exclude=sp.vocabulary_exclude,
                           from_profile=sp.vocabulary_from_profile)  # fmt: skip
        log.info("session: %d vocabulary terms bias the recogniser", len(terms))
        return replace(options, hotwords=as_prompt(terms))

    def _provider_names(self) -> tuple[str, ...]:
        if self.engine is None:
            return ()
        return self.engine.provider_names

    def _open_vault(self) -> tuple[Any, Sink]:
        from cuecard.privacy.recorder import VaultRecorder
        from cuecard.privacy.secrets import SecretsError
        from cuecard.privacy.vault import Vault
        from cuecard.privacy.vault_keys import VaultError

        try:
            vault = Vault.open(retention_days=self.cfg.privacy.retention_days)
            writer = vault.start_session()
        except (VaultError, SecretsError) as err:
            raise SessionError(str(err)) from None
        self.summary.kept_session = writer.id
        ledger = self.guard.ledger if self.guard is not None else None
        return vault, VaultRecorder(writer, ledger, on_error=self._vault_failed)

    def _vault_failed(self, message: str) -> None:
        """From the recorder's worker thread: the user must see it, now, in every view."""
        self.summary.vault_error = message
        loop, pipeline = self._loop, self.pipeline
        if loop is None or pipeline is None or loop.is_closed():
            return
        notice = Notice("error", f"this session is no longer being kept: {message}", 0.0)

        def announce() -> None:
            loop.create_task(pipeline.announce(notice))

        loop.call_soon_threadsafe(announce)

    async def _gated(self, source: AsyncIterable[AudioChunk]) -> AsyncIterator[AudioChunk]:
        async for chunk in source:
            if self._stopped and not self.live:
                return
            if not self._paused:
                for tap in self._taps:
                    tap(chunk)
                yield chunk

    def _count(self, event: Event) -> None:
        self.summary.counts.add(event)

    def _finish(self, speech: Any) -> SessionSummary:
        """Fill in the counts the stages keep; called once, for ``SessionEnded``."""
        from cuecard.dialogue.echo import EchoFilter
        from cuecard.dialogue.stage import DialogueStage

        summary = self.summary
        if self.pipeline is not None:
            summary.audio_s = self.pipeline.audio_s
        if self._loop is not None:
            summary.wall_s = self._loop.time() - self._t0
        summary.speech = {**speech.stats, "busy_s": round(speech.scheduler.busy_s, 2)}
        for proc in self._processors:
            if isinstance(proc, EchoFilter):
                summary.echoes_dropped = proc.echoes
            elif isinstance(proc, DialogueStage):
                summary.dialogue = dict(proc.stats)
        if self.engine is not None:
            summary.answer_usage = self.engine.usage.to_dict()
        return summary


@contextlib.contextmanager
def _startup_heap_frozen() -> Iterator[None]:
    """Keep full garbage collections off the interview's hot path.

    By the time audio starts the process holds everything it loaded (modules, the
    SDKs' types, the models' Python objects), and each full collection rescanned all
    of it on the event loop: 45-70 ms measured here, one of them landing in the first
    answer's request and delaying its first words by as much. Frozen, those objects
    are never rescanned; collections look only at what the session itself creates.
    Unfrozen at the end, so a frozen cycle is still collected after the session.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first real failure in a task group's exceptions (cancellations are its echo)."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_failure(exc)
        if not isinstance(exc, asyncio.CancelledError):
            return exc
    return group
