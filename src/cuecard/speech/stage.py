"""The speech stage: audio chunks in, partial and final utterances out.

Per channel, a streaming VAD cuts speech. While someone speaks, the growing
utterance is re-transcribed at most every ``partial_interval_s`` and emitted as a
partial whose stable words never change. When silence starts, a final pass is
started at once (speculatively), so by the time the silence is long enough to
call the turn over, its text is usually ready: that is where the sub-second
final comes from. If the speaker goes on, the speculative pass is dropped.

At the same moment a ``Pause`` goes out, so the dialogue stage can decide end
of turn from the partial text it already has, before any final pass.

A session may ask for more than the live path needs (``SpeechOptions``): practice
gives the decoder a disfluent initial prompt, so "um" and "uh" are written
down, and asks for a ``Silence`` event once the candidate has been quiet for
the pause they chose. The defaults are the live path, unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cuecard.clock import SessionClock
from cuecard.config import SpeechConfig
from cuecard.events import (
    SAMPLE_RATE,
    AudioChunk,
    Event,
    Level,
    Notice,
    Pause,
    Silence,
    Speaker,
    Utterance,
    next_id,
)
from cuecard.speech.scheduler import PassScheduler
from cuecard.speech.stabilizer import Stabilizer
from cuecard.speech.transcriber import (
    NOT_ENGLISH_FINALS,
    NOT_ENGLISH_SCORE,
    Hypothesis,
    Transcriber,
    not_english,
)
from cuecard.speech.vad import WINDOW, SileroModel, StreamingVad

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]
WINDOW_S = WINDOW / SAMPLE_RATE
_Pass = asyncio.Future[Hypothesis | None]
DIGITAL_SILENCE = 1e-4  # below this peak the VAD model is not even asked
LEVEL_EVERY_S = 0.25
# A final pass starts, and a Pause is sent, once silence has lasted this long:
# dips shorter than this between words are common (most are one 32 ms window),
# and a pass started or a question fired on each would be wasted work.
SPECULATE_AFTER_S = 0.064
# When the interviewer's voice stops and the last partial heard the speech only
# up to longer ago than this, a partial pass starts at once (a closing partial):
# by the time the pause is sure (SPECULATE_AFTER_S) the dialogue stage has text
# that heard everything said, and can decide end of turn about 0.1 s before the
# speculative final could. Not wasted on a dip between words: it is the next
# partial, early. It delays that turn's final by about one partial pass, so only
# the channel questions are detected on gets it.
CLOSING_STALE_S = 0.15
CLOSING_CHANNELS: tuple[Speaker, ...] = ("interviewer",)
# Words at the edge of the audio heard so far are where greedy partials guess
# ("red limit" for "rate limiter"); two of them wait for a later pass.
PARTIAL_HOLDBACK = 2


@dataclass(frozen=True, slots=True)
class SpeechOptions:
    """What a session may ask of the speech stage beyond the settings.

    The defaults are the live path, exactly: no prompt, no silence events.
    Practice asks for both (``cuecard.practice``).
    """

    initial_prompt: str = ""
    """Text every pass reads as the previous text (Whisper's ``initial_prompt``)."""
    silence_after_s: float | None = None
    """Emit a ``Silence`` event once a speaker has been quiet this long after speaking."""
    hotwords: str = ""
    """The user's vocabulary ("Harbor Health, HL7, …"), read before the audio by every
    pass (``Transcriber.transcribe``)."""


@dataclass
class _Utterance:
    id: int
    start_s: float
    windows: list[tuple[float, npt.NDArray[np.float32], float]] = field(default_factory=list)
    stabilizer: Stabilizer = field(default_factory=Stabilizer)
    last_partial_s: float = -math.inf
    partial_inflight: bool = False
    partial_backoff_s: float = 0.0
    partials_emitted: int = 0
    finalized: bool = False
    resumed_s: float = -math.inf  # when the speaker last went on after a pause

    def audio(self, until_s: float | None = None) -> npt.NDArray[np.float32]:
        parts = [w for t0, w, _ in self.windows if until_s is None or t0 < until_s]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


class _Channel:
    """VAD and utterance bookkeeping for one speaker."""

    def __init__(self, speaker: Speaker, stage: SpeechStage) -> None:
        self.speaker = speaker
        self.stage = stage
        self.cfg = stage.cfg
        self.vad = StreamingVad(stage.vad_model)
        self.pending = np.zeros(0, np.float32)
        self.pending_t0 = 0.0
        pad_windows = max(1, round(self.cfg.speech_pad_ms / 1000 / WINDOW_S))
        self.preroll: deque[tuple[float, npt.NDArray[np.float32], float]] = deque(
            maxlen=pad_windows
        )
        self.utt: _Utterance | None = None
        self.silence_since: float | None = None
        self.speculative: tuple[float, _Pass, str] | None = None
        self.outbox: asyncio.Queue[Callable[[], Awaitable[None]] | None] = asyncio.Queue()
        self.level_sum = 0.0
        self.level_n = 0
        self.level_t = 0.0
        self.audio_end_s = 0.0
        self.last_end_s: float | None = None
        """Audio time the last utterance that went to a final pass ended."""
        self.silence_due = False
        self.urgent: list[Level | Pause] = []
        """Events of the chunk being pushed that go out at once, ahead of the outbox."""

    # -- feeding -------------------------------------------------------------
    def push(self, chunk: AudioChunk) -> list[Level | Pause]:
        """Feed one chunk; return what must go out at once (levels, pauses).

        A ``Pause`` goes out here, not through the outbox: queued there it
        waited behind the closing partial (0.1-0.2 s on 2 cores), and the answer
        to a question whose text was already known started that much later.
        """
        out: list[Level | Pause] = []
        self.urgent = out
        if not len(self.pending):
            self.pending_t0 = chunk.t0
        self.pending = np.concatenate([self.pending, chunk.samples])
        self.audio_end_s = chunk.t1
        while len(self.pending) >= WINDOW:
            window, self.pending = self.pending[:WINDOW], self.pending[WINDOW:]
            t0 = self.pending_t0
            self.pending_t0 += WINDOW_S
            self._window(t0, window)
            self.level_sum += float(np.mean(window * window))
            self.level_n += 1
            if t0 - self.level_t >= LEVEL_EVERY_S:
                rms = math.sqrt(self.level_sum / self.level_n)
                dbfs = 20 * math.log10(rms) if rms > 1e-10 else -100.0
                out.append(Level(self.speaker, round(dbfs, 1), self.stage.clock.now()))
                self.level_sum, self.level_n, self.level_t = 0.0, 0, t0
        return out

    def _window(self, t0: float, window: npt.NDArray[np.float32]) -> None:
        cfg = self.cfg
        prob = 0.0 if float(np.max(np.abs(window))) < DIGITAL_SILENCE else self.vad(window)
        utt = self.utt
        if utt is None:
            self.preroll.append((t0, window, prob))
            self._check_silence(t0 + WINDOW_S)
            if prob >= cfg.vad_threshold:
                self.utt = _Utterance(next_id(), start_s=t0, windows=list(self.preroll))
                self.preroll.clear()
                self.silence_since = None
            return
        utt.windows.append((t0, window, prob))
        now = t0 + WINDOW_S
        if prob >= cfg.vad_threshold:
            if self.silence_since is not None:
                self.silence_since = None
                self._resume(utt, now)
        elif prob < cfg.vad_neg_threshold and self.silence_since is None:
            self.silence_since = t0
            if (
                self.speaker in CLOSING_CHANNELS
                and not utt.partial_inflight
                and t0 - utt.last_partial_s > CLOSING_STALE_S
                and t0 - utt.start_s >= cfg.min_speech_ms / 1000
            ):
                self._submit_partial(utt, now)  # a closing partial (see CLOSING_STALE_S)
        if self.silence_since is not None:
            # Rounded: window times add up 0.032 s steps, so two windows of quiet
            # came out as 0.0639999 s half the time and the pause (or the end of
            # the utterance) waited one window more than it should.
            quiet = round(now - self.silence_since, 6)
            if quiet >= cfg.min_silence_ms / 1000:
                self._end(utt, self.silence_since)
                return
            if (
                self.speculative is None
                and quiet >= SPECULATE_AFTER_S
                and self.silence_since - utt.start_s >= cfg.min_speech_ms / 1000
            ):
                # The same wait filters out the dips between words (mostly one or
                # two 32 ms windows) for the dialogue stage's end-of-turn decision.
                self._pause(utt, self.silence_since)
                self._start_speculative(utt, self.silence_since)
        elif now - utt.start_s >= cfg.max_utterance_s:
            self._split_long(utt)
            return
        if (
            self.silence_since is None
            and prob >= cfg.vad_threshold  # never start a pass as the voice fades
            and not utt.partial_inflight
            and now - utt.last_partial_s >= max(cfg.partial_interval_s, utt.partial_backoff_s)
            and now - utt.start_s >= cfg.partial_interval_s
        ):
            self._submit_partial(utt, now)

    def _check_silence(self, now: float) -> None:
        after = self.stage.options.silence_after_s
        if after is None or not self.silence_due or self.last_end_s is None:
            return
        if now - self.last_end_s >= after:
            self.silence_due = False
            self._queue_silence(self.last_end_s, now, forced=False)

    def _queue_silence(self, since_s: float, at_s: float, *, forced: bool) -> None:
        """Behind every final already queued for this channel: a reader loses none."""

        async def emit() -> None:
            await self.stage.send(
                Silence(self.speaker, since_s, at_s, self.stage.clock.now(), forced)
            )

        self.outbox.put_nowait(emit)

    def end_turn(self) -> None:
        """A command: the speaker is done now (a key press); close and report at once."""
        now = self.audio_end_s
        utt = self.utt
        if utt is not None:
            self._end(utt, self.silence_since if self.silence_since is not None else now)
        self.silence_due = False
        self._queue_silence(self.last_end_s if self.last_end_s is not None else now, now,
                            forced=True)  # fmt: skip

    def flush(self) -> None:
        """The audio ended: close whatever utterance is open."""
        utt = self.utt
        if utt is not None:
            end = self.silence_since if self.silence_since is not None else self.audio_end_s
            self._end(utt, end)

    # -- passes --------------------------------------------------------------
    def _pass_audio(self, utt: _Utterance, until_s: float | None) -> npt.NDArray[np.float32]:
        pad_until = None if until_s is None else until_s + self.cfg.speech_pad_ms / 1000
        return utt.audio(pad_until)

    def _submit_partial(self, utt: _Utterance, now: float) -> None:
        self.stage.stats["partial_passes"] += 1
        utt.last_partial_s = now
        utt.partial_inflight = True
        prefix = utt.stabilizer.stable
        audio = utt.audio()
        transcriber, beam = self.stage.transcriber, self.cfg.partial_beam_size
        initial, hot = self.stage.options.initial_prompt, self.stage.options.hotwords
        future = self.stage.scheduler.submit(
            lambda: transcriber.transcribe(
                audio, beam_size=beam, prefix=prefix, initial_prompt=initial, hotwords=hot
            ),
            final=False,
            key=self.speaker,
        )
        self._queue_partial(utt, future, prefix, now)

    def _queue_partial(
        self, utt: _Utterance, future: _Pass, prefix: str, audio_end_s: float
    ) -> None:
        async def emit() -> None:
            started = self.stage.clock.now()
            try:
                hyp = await _outcome(future)
            finally:
                utt.partial_inflight = False
                # Back off when passes are slow, so partials never starve finals
                # or eat the CPU on a slow laptop.
                utt.partial_backoff_s = 1.5 * (self.stage.clock.now() - started)
            if hyp is None or utt.finalized:
                return
            full = prefix.split() + hyp.text.split()
            tail = " ".join(full[len(utt.stabilizer.stable_words) :])
            text, stable = utt.stabilizer.update(tail, holdback=PARTIAL_HOLDBACK)
            if not text:
                return
            utt.partials_emitted += 1
            await self.stage.send(
                Utterance(
                    utt.id,
                    self.speaker,
                    text,
                    False,
                    utt.start_s,
                    audio_end_s,  # what the pass heard, not what has arrived since
                    self.stage.clock.now(),
                    stable,
                )
            )

        self.outbox.put_nowait(emit)

    def _final_future(
        self, utt: _Utterance, end_s: float
    ) -> tuple[asyncio.Future[Hypothesis | None], str]:
        self.stage.stats["final_passes"] += 1
        prefix = utt.stabilizer.stable
        audio = self._pass_audio(utt, end_s)
        transcriber, beam = self.stage.transcriber, self.cfg.beam_size
        initial, hot = self.stage.options.initial_prompt, self.stage.options.hotwords
        future = self.stage.scheduler.submit(
            lambda: transcriber.transcribe(
                audio,
                beam_size=beam,
                prefix=prefix,
                final=True,
                initial_prompt=initial,
                hotwords=hot,
            ),
            final=True,
            key=self.speaker,
        )
        return future, prefix

    def _start_speculative(self, utt: _Utterance, end_s: float) -> None:
        self._drop_speculative()
        future, prefix = self._final_future(utt, end_s)
        self.speculative = (end_s, future, prefix)
        self._queue_settled(utt, end_s, future, prefix)

    def _queue_settled(self, utt: _Utterance, end_s: float, future: _Pass, prefix: str) -> None:
        """Show the speculative final's text as soon as it is ready, all of it stable.

        The words before a pause will not change (the speaker has moved past
        them), and the question detector can fire on them ~0.1 s before the
        silence is long enough to call the turn over: that head start is what
        lets an answer start before the final (speculative start).
        """

        async def emit() -> None:
            hyp = await _outcome(future)
            if hyp is None or utt.finalized:
                return
            stab = utt.stabilizer
            full = prefix.split() + hyp.text.split()
            tail = full[len(stab.stable_words) :]
            # The last word stays tentative: a pause inside a sentence ("had a
            # conflict | with a teammate") makes Whisper close the sentence early
            # ("had accomplished."), and the next pass must be able to fix it.
            stab.commit(tail[:-1])
            text = " ".join([*stab.stable_words, *tail[-1:]])
            if not text:
                return
            utt.partials_emitted += 1
            await self.stage.send(
                Utterance(utt.id, self.speaker, text, False, utt.start_s, end_s,
                          self.stage.clock.now(), stab.stable)
            )  # fmt: skip

        self.outbox.put_nowait(emit)

    def _pause(self, utt: _Utterance, at_s: float) -> None:
        """Tell the dialogue stage now that ``utt``'s speaker has just stopped.

        Sent ahead of the outbox: the dialogue decides on the text it already
        has if that heard the speech up to the pause, and otherwise on the
        closing partial or the speculative final's text, which come during the
        pause and are judged as they arrive.
        """
        self.stage.stats["pauses"] += 1
        self.urgent.append(Pause(self.speaker, utt.id, at_s, self.stage.clock.now()))

    def _resume(self, utt: _Utterance, now: float) -> None:
        """The speaker went on after a short pause.

        A speculative final that already ran (or is running) is not wasted: its
        text is shown as a settled partial (see ``_queue_settled``) and counts as
        this round's partial. One still waiting in the queue is dropped.
        """
        utt.resumed_s = now
        spec = self.speculative
        if spec is None:
            return
        self.speculative = None
        future = spec[1]
        if not (future.done() or future is self.stage.scheduler.running):
            self.stage.stats["speculative_dropped"] += 1
            future.cancel()
            return
        self.stage.stats["speculative_reused"] += 1
        utt.last_partial_s = now

    def _drop_speculative(self) -> None:
        if self.speculative is not None:
            self.stage.stats["speculative_dropped"] += 1
            self.speculative[1].cancel()
            self.speculative = None

    def _end(self, utt: _Utterance, end_s: float) -> None:
        self.utt = None
        self.silence_since = None
        self.vad.reset()
        if end_s - utt.start_s < self.cfg.min_speech_ms / 1000 and not utt.partials_emitted:
            self._drop_speculative()
            return
        if self.speculative is not None and self.speculative[0] == end_s:
            _, future, prefix = self.speculative
            self.speculative = None
        else:
            self._drop_speculative()
            future, prefix = self._final_future(utt, end_s)
        self._queue_final(utt, end_s, future, prefix)
        self.last_end_s = end_s
        self.silence_due = True

    def _split_long(self, utt: _Utterance) -> None:
        """Cut a monologue at its quietest recent moment so no pass exceeds Whisper's 30 s."""
        recent = utt.windows[-int(3 / WINDOW_S) :]
        cut_t0 = min(recent, key=lambda w: w[2])[0]
        rest = [w for w in utt.windows if w[0] > cut_t0]
        utt.windows = [w for w in utt.windows if w[0] <= cut_t0]
        self._drop_speculative()
        future, prefix = self._final_future(utt, cut_t0)
        self._queue_final(utt, cut_t0, future, prefix)
        nxt = _Utterance(next_id(), start_s=rest[0][0] if rest else cut_t0, windows=rest)
        self.utt = nxt

    def _queue_final(
        self, utt: _Utterance, end_s: float, future: asyncio.Future[Hypothesis | None], prefix: str
    ) -> None:
        async def emit() -> None:
            hyp = await _outcome(future)
            utt.finalized = True
            stab = utt.stabilizer
            if hyp is not None:
                full = prefix.split() + hyp.text.split()
                text = stab.finish(" ".join(full[len(stab.stable_words) :]))
            else:
                text = stab.finish("")
            if not text:
                return
            if hyp is not None:
                await self.stage.check_english(self.speaker, hyp)
            await self.stage.send(
                Utterance(
                    utt.id,
                    self.speaker,
                    text,
                    True,
                    utt.start_s,
                    end_s,
                    self.stage.clock.now(),
                    text,
                )
            )

        self.outbox.put_nowait(emit)

    async def drain(self) -> None:
        """Emit results in submission order, so a final never precedes its partials."""
        while (item := await self.outbox.get()) is not None:
            await item()


async def _outcome(future: _Pass) -> Hypothesis | None:
    """A pass's result; None when it was superseded or dropped (not when we are cancelled)."""
    try:
        return await future
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        return None


class SpeechStage:
    """VAD + Whisper for every channel, sharing one model through a scheduler."""

    def __init__(
        self,
        transcriber: Transcriber,
        cfg: SpeechConfig,
        clock: SessionClock,
        *,
        vad_model: SileroModel | None = None,
        options: SpeechOptions | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.cfg = cfg
        self.clock = clock
        self.options = options or SpeechOptions()
        self.vad_model = vad_model or SileroModel.shared()
        self.scheduler: PassScheduler[Hypothesis] = PassScheduler()
        self.stats: dict[str, int] = dict.fromkeys(
            (
                "partial_passes",
                "final_passes",
                "speculative_dropped",
                "speculative_reused",
                "pauses",
            ),
            0,
        )
        self._send: Send | None = None
        self._channels: dict[Speaker, _Channel] = {}
        self._ended = False
        self.audio_s = 0.0
        self._interviewer_scores: list[float] = []
        self._warned_language = False

    async def check_english(self, speaker: Speaker, hyp: Hypothesis) -> None:
        """With an English-only model and no language set, one warning once the
        interviewer's finals stop sounding like English (``NOT_ENGLISH_SCORE``)."""
        t = self.transcriber
        if speaker != "interviewer" or self._warned_language or self.cfg.language != "auto":
            return
        if getattr(t, "multilingual", True):
            return
        scores = self._interviewer_scores
        scores.append(hyp.score)
        recent = sorted(scores[-NOT_ENGLISH_FINALS:])
        if len(recent) == NOT_ENGLISH_FINALS and recent[len(recent) // 2] < NOT_ENGLISH_SCORE:
            self._warned_language = True
            await self.send(Notice("warning", not_english(t.name), self.clock.now()))

    def end_turn(self, speaker: Speaker) -> bool:
        """``speaker`` is done now (call on the session's loop): their open utterance is
        closed and a forced ``Silence`` follows its final. False before they were heard."""
        channel = self._channels.get(speaker)
        if channel is None or self._ended:
            return False  # not heard yet, or the audio is over (its finals are all out)
        channel.end_turn()
        return True

    async def send(self, event: Event) -> None:
        assert self._send is not None
        await self._send(event)

    async def run(self, chunks: AsyncIterable[AudioChunk], send: Send) -> None:
        """Consume the audio until it ends, emitting every utterance through ``send``."""
        self._send = send
        channels = self._channels
        async with asyncio.TaskGroup() as tg:
            worker = tg.create_task(self.scheduler.run())
            drains: list[asyncio.Task[None]] = []
            async for chunk in chunks:
                ch = channels.get(chunk.channel)
                if ch is None:
                    ch = channels[chunk.channel] = _Channel(chunk.channel, self)
                    drains.append(tg.create_task(ch.drain()))
                for event in ch.push(chunk):
                    await send(event)
                self.audio_s = max(self.audio_s, chunk.t1)
            self._ended = True
            for ch in channels.values():
                ch.flush()
                ch.outbox.put_nowait(None)
            await asyncio.gather(*drains)
            worker.cancel()
        log.info(
            "speech stage done: %.1f s of audio, %.1f s in passes",
            self.audio_s,
            self.scheduler.busy_s,
        )
