"""The interviewer's voice: a local text-to-speech voice of the operating system, never a cloud one.

pyttsx3 drives the voices every OS already has: espeak-ng on Linux (its
library, through ctypes), SAPI5 on Windows, NSSpeechSynthesizer on macOS.
It is maintained (2.99, 2025), small, pure Python, and has no network code
(no socket, HTTP or URL use anywhere in it; tests/practice/test_voice.py also
traces the native library's system calls while it speaks).

How it is used, and why:

- Every question is **rendered to audio before the session starts**
  (``prepare``). pyttsx3's own playback on Linux shells out to ``aplay`` with
  a temporary file and prints to stdout (which would break ``--json``); its
  save-to-file path only prints, and that happens here, before any event is
  written, with stdout held aside. The files live in a private temporary
  folder and are deleted as soon as they are read.
- cuecard **plays** the audio itself through ``soundcard`` (already used for
  capture), so it knows exactly when the voice stops: live capture is paused
  while the question is spoken and for a short tail after it, so the
  question's own sound in the room is never transcribed as the candidate.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

RENDER_TIMEOUT_S = 15.0
"""The most one question may take to synthesise (espeak: well under a second)."""
RATE_WPM = 165
"""A calm interviewer's pace (espeak's default of 175-200 sounds hurried)."""
ECHO_TAIL_S = 0.1
"""Capture stays paused this long after the voice stops (the room's echo).

Playback returns once the sound server has drained the stream, so the output buffer is
already empty then; what is left is the room. It must stay well under the 0.2 s after which
a candidate may start on the prompt (tests/live/test_practice_live.py starts the answer then
and checks every word arrives); the 0.35 s it was cut into an answer started that early."""


class VoiceError(Exception):
    """No local voice can speak (one line that says what to install)."""


class Voice(Protocol):
    def prepare(self, texts: list[str]) -> None: ...

    async def say(self, text: str) -> float:
        """Speak ``text`` (prepared or not); returns the seconds it took."""
        ...


@dataclass(frozen=True, slots=True)
class Rendered:
    samples: npt.NDArray[np.float32]
    rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate


_ENGINE_LOCK = threading.Lock()


def _install_hint() -> str:
    import sys

    if sys.platform.startswith("linux"):
        return "install espeak-ng (sudo apt install espeak-ng) for a spoken question"
    return "the system's speech voices are not available"


def _wait_written(engine: Any, done: threading.Event, path: Path) -> None:
    """Until the driver has written the file: ``runAndWait`` may return before it has.

    pyttsx3's espeak driver ends its loop as soon as it has started synthesising, and
    espeak then writes the file from its own thread: on a busy CPU the file was not
    there yet when we read it (a failed question, and a late write into a folder
    already removed). Other drivers are done when ``runAndWait`` returns.
    """
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    while not done.is_set() and time.monotonic() < deadline:
        if path.exists() and not engine.isBusy():
            return
        time.sleep(0.01)


SILENT_PEAK = 1e-3
"""Below this the voice's own lead-in and tail are silence (espeak pads both with zeros)."""


def _trimmed(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The clip without its silent ends: playback then ends when the voice audibly does, and
    the prompt to answer comes at that moment, not after half a second of padding."""
    loud = np.nonzero(np.abs(samples) > SILENT_PEAK)[0]
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def render(text: str, *, rate_wpm: int = RATE_WPM) -> Rendered:
    """``text`` as audio from the local voice (blocking; a second or less per question)."""
    import soundfile

    try:
        import pyttsx3
    except Exception as err:  # the espeak library missing raises at import on Linux
        raise VoiceError(f"no local voice ({type(err).__name__}): {_install_hint()}") from None
    with _ENGINE_LOCK, tempfile.TemporaryDirectory(prefix="cuecard-voice-") as folder:
        # macOS writes AIFF whatever the name says; soundfile reads both
        path = Path(folder) / "question.wav"
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # "Audio saved to …" from the driver
                engine = pyttsx3.init()
                engine.setProperty("rate", rate_wpm)
                done = threading.Event()
                token = engine.connect("finished-utterance", lambda **_: done.set())
                try:
                    engine.save_to_file(text, str(path))
                    engine.runAndWait()
                    _wait_written(engine, done, path)
                finally:
                    engine.disconnect(token)
            data, sr = soundfile.read(str(path), dtype="float32", always_2d=True)
        except Exception as err:
            raise VoiceError(
                f"the local voice failed ({type(err).__name__}): {_install_hint()}"
            ) from None
    samples = _trimmed(np.ascontiguousarray(data.mean(axis=1), dtype=np.float32))
    if not len(samples):
        raise VoiceError(f"the local voice produced no sound: {_install_hint()}")
    return Rendered(samples, int(sr))


class LocalVoice:
    """The OS voice, rendered ahead of time and played through the default (or named) speaker."""

    def __init__(self, speaker: str | None = None, *, rate_wpm: int = RATE_WPM) -> None:
        self.speaker_name = speaker
        self.rate_wpm = rate_wpm
        self._rendered: dict[str, Rendered] = {}

    def prepare(self, texts: list[str]) -> None:
        """Render every question now (call before the session starts). Raises VoiceError."""
        for text in texts:
            if text not in self._rendered:
                self._rendered[text] = render(text, rate_wpm=self.rate_wpm)

    async def say(self, text: str) -> float:
        clip = self._rendered.get(text)
        if clip is None:
            clip = await asyncio.to_thread(render, text, rate_wpm=self.rate_wpm)
            self._rendered[text] = clip
        await asyncio.to_thread(self._play, clip)
        return clip.duration_s

    def _play(self, clip: Rendered) -> None:
        from cuecard.audio.backend_soundcard import load_soundcard
        from cuecard.audio.errors import AudioError

        try:
            sc = load_soundcard("the question's voice")
            speaker = (
                sc.get_speaker(self.speaker_name) if self.speaker_name else sc.default_speaker()
            )
            speaker.play(clip.samples, samplerate=clip.rate)
        except AudioError as err:
            raise VoiceError(str(err)) from None
        except Exception as err:
            raise VoiceError(
                f"cannot play the question's voice ({type(err).__name__}); the question is "
                "shown on screen"
            ) from None
