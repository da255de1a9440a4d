"""Recordings as a live-like stream of 32 ms ``AudioChunk``s, one or two speakers.

A replay should behave like a live call, so the speech stage and everything
after it cannot tell a file from a microphone: chunks of 512 samples (32 ms at
16 kHz), each released when the session clock reaches its end time, both
channels interleaved in time order. ``realtime=False`` (``--fast``) drops the
waiting but still lets the event loop breathe.

Which channel is who:

- one stereo file: left = ``interviewer``, right = ``you``; unless both
  channels carry the same sound (a mono recording saved as stereo, one voice
  on two microphones): then it is one speaker, mixed down as ``interviewer``,
  and ``notices`` says so, instead of every line being transcribed twice;
- one mono file: all of it is ``speaker`` (default ``interviewer``, so a mono
  recording of a call still gets its questions answered);
- one file per speaker (``interviewer=``, ``you=``, either or both): each file
  is mixed down to mono if it is stereo; a shorter file simply ends early and
  the other channel goes on alone.

More than two channels is an :class:`AudioError`: guessing which of six
channels is the interviewer would be wrong more often than right.

Use it as::

    async with FileSource("call.wav", clock=clock) as source:
        async for chunk in source:
            ...

Decoding and resampling run in a worker thread, about half a second of audio
at a time (a few milliseconds of work), so the event loop never waits on
them and memory stays flat for any length of file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncGenerator
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np
import numpy.typing as npt

from cuecard.audio.errors import AudioError
from cuecard.audio.files import Recording, open_recording
from cuecard.audio.resample import Resampler
from cuecard.clock import SessionClock
from cuecard.events import SAMPLE_RATE, SPEAKERS, AudioChunk, Speaker

__all__ = ["CHUNK_S", "CHUNK_SAMPLES", "FileSource", "same_sound"]

log = logging.getLogger(__name__)

CHUNK_SAMPLES = 512
"""Samples per AudioChunk: 32 ms at 16 kHz, exactly one window of the speech stage's
VAD (Silero takes 512 samples). With 30 ms chunks a window straddled two chunks and
was judged up to 30 ms (15 ms on average) after its audio was heard: every pause,
and so every early answer, started that much later."""
CHUNK_S = CHUNK_SAMPLES / SAMPLE_RATE

_YIELD_EVERY = 8
"""In fast mode, give the event loop a turn after this many chunks (0.24 s of audio)."""

SAME_SOUND_HEAD_S = 20.0
"""How much of a stereo recording is compared before it is streamed (decoded once, kept)."""
_SAME_BLOCK_S = 0.5
_SAME_MIN_BLOCKS = 4
"""At least this many blocks with sound (2 s) before two channels are called the same."""
_SOUND_DBFS = -45.0
_SAME_MAX_LAG_S = 0.003
"""Two microphones up to about a metre apart hear one voice this much apart."""
_SAME_CORRELATION = 0.9
_SAME_LEVEL_DB = 4.0

Samples = npt.NDArray[np.float32]
PathLike = str | os.PathLike[str]


class _Feed:
    """One open recording mapped onto its speakers, producing 16 kHz mono per speaker.

    ``columns[speaker]`` is the file's channel for that speaker, or None to
    mix every channel down. Reads happen in a worker thread; the lock keeps
    ``close`` from pulling the file out from under a read still running there
    after its awaiting task was cancelled.
    """

    def __init__(
        self, recording: Recording, columns: dict[Speaker, int | None], block_s: float
    ) -> None:
        self.recording = recording
        self.columns = columns
        self.speakers = tuple(columns)
        self._block_frames = max(1, round(recording.sample_rate * block_s))
        self._mixdown = all(col is None for col in columns.values())
        self._resampler = Resampler(
            recording.sample_rate, 1 if self._mixdown else recording.channels
        )
        self._lock = threading.Lock()
        self.done = False
        self._closed = False

    def read(self) -> dict[Speaker, Samples]:
        """The next block per speaker; sets ``done`` once the file and the filter are drained."""
        with self._lock:
            if self._closed:
                self.done = True
            if self.done:
                return {}
            block = self.recording.read(self._block_frames)
            if self._mixdown and len(block):
                block = block.mean(axis=1, dtype=np.float32, keepdims=True)
            if len(block):
                out = self._resampler.process(block)
            else:
                out = self._resampler.flush()
                self.done = True
        result: dict[Speaker, Samples] = {}
        for speaker, col in self.columns.items():
            samples = np.ascontiguousarray(out[:, 0 if col is None else col])
            samples.flags.writeable = False  # chunks are views of it; events are read-only
            result[speaker] = samples
        return result

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self.recording.close()


class FileSource:
    """Recorded audio as an async stream of AudioChunk, paced like a live call.

    ``FileSource(path)`` takes one recording (stereo: left interviewer, right
    you; mono: all ``speaker``); ``FileSource(interviewer=a, you=b)`` takes one
    file per speaker. Files are opened here, so a bad file raises
    :class:`AudioError` before any model loads.

    Every chunk is exactly ``CHUNK_SAMPLES`` long (a channel's last chunk is
    padded with silence) and read-only; ``t0`` goes up by ``CHUNK_S`` per
    chunk on each channel, and chunks come out in time order, interviewer
    first at equal ``t0``.

    ``realtime=True`` releases each chunk once ``clock.now()`` has reached its
    end time (``t0 + CHUNK_S``): audio time 0 is clock time 0, so reset the
    session's clock when the audio should start. Without a clock, one is
    started at the first chunk. ``realtime=False`` releases chunks as fast as
    the consumer takes them.
    """

    def __init__(
        self,
        path: PathLike | None = None,
        *,
        speaker: Speaker | None = None,
        interviewer: PathLike | None = None,
        you: PathLike | None = None,
        clock: SessionClock | None = None,
        realtime: bool = True,
        block_s: float = 0.5,
    ) -> None:
        if speaker is not None and speaker not in SPEAKERS:
            raise ValueError(f"speaker must be one of {SPEAKERS}, not {speaker!r}")
        if block_s <= 0:
            raise ValueError("block_s must be positive")
        self._clock = clock
        self._realtime = realtime
        self._feeds: list[_Feed] = []
        self.notices: list[str] = []
        """One-line notes for the user about how the files are read (one speaker on both
        channels); the session shows them as it starts."""
        try:
            if path is not None:
                if interviewer is not None or you is not None:
                    raise AudioError(
                        "give one recording, or a file per speaker with --interviewer/--you, "
                        "not both"
                    )
                self._feeds.append(self._open_single(path, speaker, block_s))
            else:
                if speaker is not None:
                    raise AudioError("a speaker can only be chosen for a single recording")
                if interviewer is None and you is None:
                    raise AudioError(
                        "no recording given; give one file, or --interviewer/--you files"
                    )
                files: tuple[tuple[Speaker, PathLike | None], ...] = (
                    ("interviewer", interviewer),
                    ("you", you),
                )
                for who, file in files:
                    if file is not None:
                        rec = _open_per_speaker(file)
                        self._feeds.append(_Feed(rec, {who: None}, block_s))
        except BaseException:
            for feed in self._feeds:
                feed.close()
            raise
        present = {s for feed in self._feeds for s in feed.speakers}
        self._speakers = tuple(s for s in SPEAKERS if s in present)
        self._gen: AsyncGenerator[AudioChunk, None] | None = None
        self._closed = False

    def _open_single(self, path: PathLike, speaker: Speaker | None, block_s: float) -> _Feed:
        rec = open_recording(path)
        try:
            if speaker is not None:
                _check_channels(rec, per_speaker=True)
                return _Feed(rec, {speaker: None}, block_s)
            _check_channels(rec, per_speaker=False)
            if rec.channels == 1:
                return _Feed(rec, {"interviewer": 0}, block_s)
            head = rec.peek(round(SAME_SOUND_HEAD_S * rec.sample_rate))
            if same_sound(head, rec.sample_rate):
                self.notices.append(
                    f"{Path(path).name}: both channels carry the same voice, so it is played as "
                    "one speaker, the interviewer (--speaker you if it is you)"
                )
                return _Feed(rec, {"interviewer": None}, block_s)
            return _Feed(rec, {"interviewer": 0, "you": 1}, block_s)
        except BaseException:
            rec.close()
            raise

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        """The channels this source yields, in SPEAKERS order."""
        return self._speakers

    @property
    def duration_s(self) -> float | None:
        """Length of the longest recording, None if a container does not say."""
        durations = [feed.recording.duration_s for feed in self._feeds]
        if any(d is None for d in durations):
            return None
        return max(d for d in durations if d is not None)

    def stop(self) -> None:
        """End the stream at the next chunk (Ctrl-C); ``aclose`` still releases the files."""
        self._closed = True

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AudioChunk:
        if self._closed:
            raise StopAsyncIteration
        if self._gen is None:
            self._gen = self._chunks()
        return await anext(self._gen)

    async def aclose(self) -> None:
        """Stop reading and close the files; the iteration ends. Safe to call twice.

        From another task than the consumer's, the consumer gets no further
        chunk (its pending ``anext`` ends the iteration at the latest when the
        chunk it waits for falls due).
        """
        self._closed = True
        gen, self._gen = self._gen, None
        if gen is not None:
            # RuntimeError: being iterated right now in another task; that
            # task sees _closed and stops on its own.
            with contextlib.suppress(RuntimeError):
                await gen.aclose()
        for feed in self._feeds:
            feed.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _chunks(self) -> AsyncGenerator[AudioChunk, None]:
        clock = self._clock or SessionClock()
        speakers = self._speakers
        pending: dict[Speaker, list[Samples]] = {s: [] for s in speakers}
        buffered: dict[Speaker, int] = dict.fromkeys(speakers, 0)
        emitted: dict[Speaker, int] = dict.fromkeys(speakers, 0)
        since_yield = 0
        try:
            while True:
                for feed in self._feeds:
                    while not feed.done and any(buffered[s] < CHUNK_SAMPLES for s in feed.speakers):
                        for speaker, samples in (await asyncio.to_thread(feed.read)).items():
                            if len(samples):
                                pending[speaker].append(samples)
                                buffered[speaker] += len(samples)
                any_left = False
                for speaker in speakers:
                    if not buffered[speaker]:
                        continue  # this channel's file has ended
                    any_left = True
                    samples = _take(pending[speaker], CHUNK_SAMPLES)
                    buffered[speaker] -= min(len(samples), buffered[speaker])
                    chunk = AudioChunk(speaker, samples, emitted[speaker] / SAMPLE_RATE)
                    emitted[speaker] += CHUNK_SAMPLES
                    if self._closed:
                        return
                    if self._realtime:
                        # A loop, not one sleep: timers may fire up to the clock's
                        # resolution early (about 16 ms on Windows).
                        while (wait := chunk.t1 - clock.now()) > 0:  # noqa: ASYNC110
                            await asyncio.sleep(wait)
                    else:
                        since_yield += 1
                        if since_yield >= _YIELD_EVERY:
                            since_yield = 0
                            await asyncio.sleep(0)
                    if self._closed:
                        return  # closed from another task while this one waited
                    yield chunk
                if not any_left:
                    return
        finally:
            for feed in self._feeds:
                feed.close()


def _take(parts: list[Samples], n: int) -> Samples:
    """The first ``n`` samples from the queue ``parts`` (removed), zero-padded if short."""
    head = parts[0]
    if len(head) >= n:
        if len(head) == n:
            parts.pop(0)
        else:
            parts[0] = head[n:]
        return head[:n]
    out = np.zeros(n, dtype=np.float32)
    filled = 0
    while parts and filled < n:
        head = parts[0]
        take = min(n - filled, len(head))
        out[filled : filled + take] = head[:take]
        filled += take
        if take == len(head):
            parts.pop(0)
        else:
            parts[0] = head[take:]
    out.flags.writeable = False
    return out


def same_sound(head: npt.NDArray[np.float32], rate: int) -> bool:
    """Whether the two channels of ``head`` (frames, 2) carry one and the same sound.

    A mono recording saved as stereo, or one voice on a phone's two
    microphones: played as two speakers, every line would be transcribed
    twice. Decided on half-second blocks with sound: in (nearly) all of them
    the channels must be within 4 dB of each other and correlate at 0.9 or
    more at some lag up to 3 ms (two microphones hear one voice a little
    apart). A call recording fails at once: its channels hold different
    voices, or one is silent while the other speaks. Too little sound to tell
    counts as two speakers, the usual layout. A few FFTs: milliseconds.
    """
    n = max(1, round(_SAME_BLOCK_S * rate))
    max_lag = max(1, round(_SAME_MAX_LAG_S * rate))
    size = 1 << (2 * n - 1).bit_length()
    floor = n * 10 ** (_SOUND_DBFS / 10)  # energy of a block at that RMS level
    level = 10 ** (-_SAME_LEVEL_DB / 10)
    blocks = alike = 0
    for start in range(0, len(head) - n + 1, n):
        left = head[start : start + n, 0].astype(np.float64)
        right = head[start : start + n, 1].astype(np.float64)
        e_left, e_right = float(left @ left), float(right @ right)
        if max(e_left, e_right) < floor:
            continue
        blocks += 1
        if min(e_left, e_right) < level * max(e_left, e_right):
            continue
        xcorr = np.fft.irfft(np.fft.rfft(left, size) * np.conj(np.fft.rfft(right, size)), size)
        near = np.concatenate([xcorr[: max_lag + 1], xcorr[-max_lag:]])
        if float(near.max()) >= _SAME_CORRELATION * (e_left * e_right) ** 0.5:
            alike += 1
    return blocks >= _SAME_MIN_BLOCKS and alike >= 0.9 * blocks


def _check_channels(rec: Recording, *, per_speaker: bool) -> None:
    if rec.channels <= 2:
        return
    where = (
        "one speaker's file must be mono or stereo"
        if per_speaker
        else "cuecard takes a mono or stereo recording (left = interviewer, right = you), "
        "or one file per speaker with --interviewer/--you"
    )
    raise AudioError(f"{rec.path}: has {rec.channels} channels; {where}")


def _open_per_speaker(path: PathLike) -> Recording:
    rec = open_recording(path)
    try:
        _check_channels(rec, per_speaker=True)
    except BaseException:
        rec.close()
        raise
    return rec
