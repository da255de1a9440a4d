"""What the three OS backends share: the ``soundcard`` library's device and stream API.

``soundcard`` (https://github.com/bastibe/SoundCard) talks to PulseAudio (and
PipeWire's PulseAudio server) on Linux, WASAPI on Windows and CoreAudio on
macOS through cffi, with one API: ``all_microphones(include_loopback=True)``
lists inputs and, where the OS has them, loopbacks; ``mic.recorder(...)``
gives blocking float32 reads. The OS modules only differ in how a device is
classified and which is the default, so each backend passes its own rules to
this base class.

The module is passed in, not imported here: soundcard connects to the sound
server when it is imported, and the Windows/macOS modules can only be
imported on their OS, so tests hand the backends an object with the same API.
"""

from __future__ import annotations

import logging
import sys
from abc import abstractmethod
from types import ModuleType
from typing import Any

import numpy as np

from cuecard.audio.backend import Backend, Device, DeviceKind, InputStream
from cuecard.audio.errors import AudioError
from cuecard.audio.files import Block

log = logging.getLogger(__name__)

MAX_CHANNELS = 8
"""Capture at most this many channels (a 32-channel interface is mixed down by the OS)."""


def load_soundcard(what: str) -> ModuleType:
    """Import soundcard, turning 'cannot reach the sound system' into one line.

    Its libraries are found by reading the library folders, not by starting
    programs (``cuecard.syslibs``). soundcard names its PulseAudio client after
    ``sys.argv``, and fails with ``python -c`` when argv has no second element; a
    placeholder avoids that.
    """
    restore = None
    if sys.argv[:1] == ["-c"] and len(sys.argv) == 1:
        restore = sys.argv
        sys.argv = ["-c", "cuecard"]
    from cuecard.syslibs import no_spawn_lookup

    try:
        with no_spawn_lookup():  # cffi's dlopen("pulse") would start ldconfig, gcc and ld
            import soundcard
    except Exception as err:
        raise AudioError(
            f"cannot reach the sound system ({what}): {type(err).__name__} {err}".strip()
            + "; is it running?"
        ) from None
    finally:
        if restore is not None:
            sys.argv = restore
    try:
        soundcard.set_name("cuecard")
    except Exception as err:  # only PulseAudio supports naming the client
        log.debug("the sound system does not take a client name (%s)", type(err).__name__)
    module: ModuleType = soundcard
    return module


class SoundcardStream:
    """A soundcard recorder (not yet entered), read in blocks of ``frames`` frames."""

    def __init__(self, recorder: Any, frames: int, channels: int) -> None:
        self._frames = frames
        self._recorder = recorder
        self._recorder.__enter__()
        self.channels = int(getattr(self._recorder, "channels", channels) or channels)
        self._open = True

    def read(self) -> Block:
        data = self._recorder.record(numframes=self._frames)
        return np.asarray(data, dtype=np.float32).reshape(-1, self.channels)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._recorder.__exit__(None, None, None)


class SoundcardBackend(Backend):
    """Lists and opens devices through a soundcard-like module ``sc``."""

    def __init__(self, sc: ModuleType | Any) -> None:
        self.sc = sc

    @abstractmethod
    def _entries(self) -> list[tuple[Any, DeviceKind, bool]]:
        """Every capturable soundcard microphone object, its kind, and whether it is the default."""

    def devices(self) -> list[Device]:
        out: list[Device] = []
        for mic, kind, default in self._entries():
            try:
                out.append(
                    Device(
                        id=str(mic.id), name=str(mic.name), kind=kind,
                        channels=max(1, min(MAX_CHANNELS, int(mic.channels))), default=default,
                    )
                )  # fmt: skip
            except Exception as err:  # a device that vanished while listing
                log.debug("skipping a device that cannot be read (%s)", type(err).__name__)
        return out

    def _find(self, device: Device) -> Any:
        for mic, kind, _ in self._entries():
            if str(mic.id) == device.id and kind == device.kind:
                return mic
        raise AudioError(f"{device.name!r} is not connected")

    def open(self, device: Device, rate: int, frames: int) -> InputStream:
        mic = self._find(device)
        recorder = mic.recorder(samplerate=rate, channels=device.channels, blocksize=frames)
        return SoundcardStream(recorder, frames, device.channels)


def safe_id(get: Any) -> str | None:
    """``get().id`` or None: asking for a default fails when there is none."""
    try:
        return str(get().id)
    except Exception:
        return None
