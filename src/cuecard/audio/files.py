"""Open a recording of any common format and read it in blocks, never whole.

A two-hour interview at 48 kHz stereo is about 1.3 GB as float32, so a
recording is only ever read block by block: memory stays flat whatever the
length. libsndfile (``soundfile``) reads WAV, FLAC, OGG and MP3 directly and
fast; what it refuses (M4A/AAC, WebM/Opus, MP3s with unusual headers, video
files with a sound track) goes through FFmpeg by way of PyAV, which
faster-whisper already brings along.

Samples come out as float32 ``(frames, channels)`` arrays, cleaned: NaN and
infinities (a broken float WAV) become 0 and everything is clipped to
[-1, 1], so no later stage has to guard against them.

Every failure is an :class:`~cuecard.audio.errors.AudioError` with one line
that names the file. A truncated file (header promises more than is there) is
decoded as far as it goes, as both libraries do by themselves.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import av
import numpy as np
import numpy.typing as npt
import soundfile as sf

from cuecard.audio.errors import FORMATS, AudioError

__all__ = ["DEMO_RECORDING", "DEMO_TURNS", "Recording", "clean", "open_recording"]

log = logging.getLogger(__name__)

Block = npt.NDArray[np.float32]
"""float32 samples shaped ``(frames, channels)``."""

_ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEMO_RECORDING = _ASSETS / "demo_interview.flac"
"""The bundled fictional interview: 16 kHz stereo, left interviewer, right you."""
DEMO_TURNS = _ASSETS / "demo_interview.json"
"""Who says what, and when, in the demo recording (made by tools/make_demo.py)."""

_SNIFF_BYTES = 4096


def clean(block: npt.NDArray[Any]) -> Block:
    """float32, NaN/inf replaced by silence, clipped to [-1, 1]; in place when possible.

    A float WAV can hold anything; NaN would poison every later sum (VAD,
    levels, the model), and values far over full scale make a meter lie.
    """
    out = np.asarray(block, dtype=np.float32)
    if not np.isfinite(out).all():
        out = np.nan_to_num(out, copy=not out.flags.writeable, nan=0.0, posinf=0.0, neginf=0.0)
    np.clip(out, -1.0, 1.0, out=out)
    return out


class Recording(ABC):
    """An open recording, read forward in blocks. Close it (or use ``with``).

    ``duration_s`` is None when the container does not say (some streams).
    """

    path: Path
    channels: int
    sample_rate: int
    duration_s: float | None
    _peeked: Block | None = None

    def read(self, frames: int) -> Block:
        """Up to ``frames`` frames, shape ``(n, channels)``; ``n == 0`` only at the end."""
        head = self._peeked
        if head is not None:
            block, rest = head[:frames], head[frames:]
            self._peeked = rest if len(rest) else None
            return block
        return self._read(frames)

    def peek(self, frames: int) -> Block:
        """The first ``frames`` frames (fewer if the file is shorter), not consumed.

        ``read`` returns them again, so a caller can look at the start of a
        recording (are both channels the same voice?) before streaming it,
        without seeking, which some containers cannot do. Call it before the
        first ``read``.
        """
        if self._peeked is None:
            parts: list[Block] = []
            got = 0
            while got < frames and len(block := self._read(frames - got)):
                parts.append(block)
                got += len(block)
            self._peeked = (
                np.concatenate(parts)
                if parts
                else np.zeros((0, self.channels), dtype=np.float32)
            )
        return self._peeked[:frames]

    @abstractmethod
    def _read(self, frames: int) -> Block:
        """Up to ``frames`` frames from the file itself; ``n == 0`` only at the end."""

    @abstractmethod
    def close(self) -> None:
        """Release the file; safe to call twice."""

    def blocks(self, frames: int) -> Iterator[Block]:
        """Every block to the end, each at most ``frames`` long."""
        while True:
            block = self.read(frames)
            if not len(block):
                return
            yield block

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.path.name!r}, {self.channels} ch, "
            f"{self.sample_rate} Hz, {self.duration_s} s)"
        )


class _SoundfileRecording(Recording):
    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self._label = label
        self._file = sf.SoundFile(str(path))  # raises sf.LibsndfileError: caller falls back
        self.channels = self._file.channels
        self.sample_rate = self._file.samplerate
        frames = self._file.frames
        # libsndfile reports a huge count for streams of unknown length.
        self.duration_s = frames / self.sample_rate if 0 < frames < 2**62 else None
        self._position = 0
        if frames == 0:
            self._file.close()
            raise AudioError(
                f"{label}: contains no audio samples; was the recording cut off before it began?"
            )

    def _read(self, frames: int) -> Block:
        try:
            data = self._file.read(frames, dtype="float32", always_2d=True)
        except (sf.SoundFileError, RuntimeError) as err:
            raise AudioError(
                f"{self._label}: could not decode audio after "
                f"{self._position / self.sample_rate:.1f} s ({err}); "
                "the file may be damaged, try re-exporting it"
            ) from err
        self._position += len(data)
        return clean(data)

    def close(self) -> None:
        self._file.close()


class _PyAVRecording(Recording):
    """FFmpeg through PyAV, for the formats libsndfile does not read."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self._label = label
        self._container: Any = av.open(str(path))  # raises av.FFmpegError: caller reports
        try:
            if not self._container.streams.audio:
                raise AudioError(
                    f"{label}: has no audio stream (a video without sound?); "
                    f"cuecard reads {FORMATS}"
                )
            stream = self._container.streams.audio[0]
            codec = stream.codec_context  # None when FFmpeg found no decoder for the format tag
            if codec is None:
                raise AudioError(
                    f"{label}: uses an audio encoding cuecard cannot decode; "
                    "re-export it as WAV (PCM) or FLAC"
                )
            self.channels = int(codec.channels or 0)
            self.sample_rate = int(codec.sample_rate or stream.rate or 0)
            if self.channels < 1 or self.sample_rate < 1:
                raise AudioError(
                    f"{label}: the audio stream has no usable sample rate or channels; "
                    "try re-exporting it as WAV or FLAC"
                )
            if stream.duration is not None and stream.time_base is not None:
                self.duration_s = float(stream.duration * stream.time_base)
            elif self._container.duration is not None:
                self.duration_s = self._container.duration / av.time_base
            else:
                self.duration_s = None
            self._stream = stream
            # Packed float32 whatever the codec's native format (s16p, fltp, ...).
            self._resampler = av.AudioResampler(format="flt")
            self._frames: Iterator[Any] = self._container.decode(stream)
        except BaseException:
            self._container.close()
            raise
        self._pending: list[Block] = []
        self._pending_frames = 0
        self._position = 0
        self._done = False

    def _decode_more(self) -> None:
        try:
            frame = next(self._frames, None)
            converted = self._resampler.resample(frame)  # None flushes the converter
            for out in converted:
                packed = np.asarray(out.to_ndarray(), dtype=np.float32)
                samples = packed.reshape(-1, self.channels)  # interleaved -> (frames, ch)
                self._pending.append(samples)
                self._pending_frames += len(samples)
        except (av.FFmpegError, ValueError) as err:  # ValueError: a stream that changed shape
            raise AudioError(
                f"{self._label}: could not decode audio after "
                f"{self._position / self.sample_rate:.1f} s ({err}); "
                "the file may be damaged, try re-exporting it"
            ) from err
        if frame is None:
            self._done = True

    def _read(self, frames: int) -> Block:
        while self._pending_frames < frames and not self._done:
            self._decode_more()
        if not self._pending_frames:
            return np.zeros((0, self.channels), dtype=np.float32)
        joined = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        block, rest = joined[:frames], joined[frames:]
        self._pending = [rest] if len(rest) else []
        self._pending_frames = len(rest)
        self._position += len(block)
        return clean(block.copy() if not block.flags.writeable else block)

    def close(self) -> None:
        self._container.close()


MIN_RATE = 4_000
"""Below any recording of speech (telephone audio is 8 kHz); a 16 KB WAV claiming 1 Hz
held 4.4 hours of "audio" and replayed for minutes."""
MAX_RATE = 768_000
MAX_CHANNELS = 64
MIN_BYTES_PER_S = 4
"""Fewer bytes a second than any real file holds: FLAC stores digital silence in about
40 bytes a second (a frame header and a constant subframe per 4096 samples), so only
a header that promises hours in a few kilobytes is refused."""


def _check_plausible(rec: Recording, label: str) -> Recording:
    """Refuse a header whose numbers no real recording has, before anything decodes it."""
    problem = None
    if not MIN_RATE <= rec.sample_rate <= MAX_RATE:
        problem = f"claims a sample rate of {rec.sample_rate} Hz"
    elif not 1 <= rec.channels <= MAX_CHANNELS:
        problem = f"claims {rec.channels} channels"
    elif rec.duration_s is not None and rec.duration_s > 0:
        size = rec.path.stat().st_size
        if size / rec.duration_s < MIN_BYTES_PER_S:
            problem = (
                f"claims {rec.duration_s / 60:.0f} min of audio in {size / 1e3:.0f} KB, "
                "more than it can hold"
            )
    if problem is None:
        return rec
    rec.close()
    raise AudioError(
        f"{label}: {problem}, so its header is damaged; re-export it as WAV or FLAC"
    )


def _sniff(path: Path, label: str) -> bytes:
    """The first bytes, after turning OS-level failures into one-line errors."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise AudioError(f"{label}: file not found; check the path") from None
    except IsADirectoryError:
        raise AudioError(f"{label}: is a folder, not a recording; give an audio file") from None
    except PermissionError:
        raise AudioError(f"{label}: permission denied; check the file's permissions") from None
    except OSError as err:
        raise AudioError(f"{label}: cannot be read ({err.strerror or err})") from None
    if not head:
        raise AudioError(f"{label}: the file is empty (0 bytes); was the recording saved?")
    return head


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    text = head.decode("utf-8", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / len(text) > 0.95


def _what_it_is(head: bytes) -> str:
    """A short guess at what a non-audio file is, for the error message."""
    for magic, kind in (
        (b"%PDF", "a PDF"),
        (b"PK\x03\x04", "a ZIP or Office document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
    ):
        if head.startswith(magic):
            return f" (it looks like {kind})"
    if _looks_like_text(head):
        return " (it looks like text)"
    return ""


def open_recording(path: str | os.PathLike[str]) -> Recording:
    """Open ``path`` for block reading; raises AudioError with one line if it cannot.

    Any sample rate and channel count is returned as it is in the file; the
    caller decides what to do with channels (see cuecard.audio.sources).
    """
    p = Path(path)
    label = str(path)
    head = _sniff(p, label)
    # Before any decoder: FFmpeg parses some text as subtitles or raw streams,
    # and a text file is never a recording whatever a decoder thinks of it.
    # (Every audio container starts with binary bytes, NULs included.)
    if _looks_like_text(head):
        raise AudioError(
            f"{label}: not an audio file (it looks like text); cuecard reads {FORMATS}"
        )
    try:
        return _check_plausible(_SoundfileRecording(p, label), label)
    except (sf.SoundFileError, RuntimeError) as err:
        log.debug("libsndfile cannot open %s (%s); trying FFmpeg", p.suffix or "file", err)

    try:
        return _check_plausible(_PyAVRecording(p, label), label)
    except av.FFmpegError as err:
        log.debug("FFmpeg cannot open %s either (%s)", p.suffix or "file", type(err).__name__)
        raise AudioError(
            f"{label}: not an audio file{_what_it_is(head)}; cuecard reads {FORMATS}"
        ) from None
