"""macOS: CoreAudio. macOS cannot record what it plays, so the call goes through a virtual device.

CoreAudio has no loopback. A virtual loopback driver (BlackHole, free and
maintained; also Loopback, Soundflower, VB-Cable) appears as an input
device that records what is played to it: those inputs are listed as
loopbacks, and the user routes the call to them (a Multi-Output Device with
their speakers and BlackHole, so they still hear it). ScreenCaptureKit
system audio (macOS 13+) would avoid the driver but needs PyObjC bindings
cuecard does not ship; see docs/capture.md.

Not tried on real macOS hardware in this project's CI (see docs/capture.md).
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from cuecard.audio.backend import DeviceKind
from cuecard.audio.backend_soundcard import SoundcardBackend, load_soundcard, safe_id

VIRTUAL_LOOPBACK = re.compile(
    r"blackhole|soundflower|loopback audio|vb-?cable|background music|zoomaudiodevice", re.I
)
"""Names of virtual devices that carry what the Mac plays."""

INSTALL_BLACKHOLE = (
    "no loopback device found: macOS cannot record the call's audio by itself; install "
    "BlackHole (`brew install blackhole-2ch` or https://existential.audio/blackhole), then in "
    "Audio MIDI Setup create a Multi-Output Device with your speakers and BlackHole 2ch and "
    "make it the output of your call app; check with `cuecard devices`"
)


class CoreAudioBackend(SoundcardBackend):
    name = "CoreAudio"

    def __init__(self, sc: ModuleType | Any | None = None) -> None:
        super().__init__(sc if sc is not None else load_soundcard("CoreAudio"))

    def _entries(self) -> list[tuple[Any, DeviceKind, bool]]:
        sc = self.sc
        default_in = safe_id(sc.default_microphone)
        out: list[tuple[Any, DeviceKind, bool]] = []
        first_loop = True
        for mic in sc.all_microphones():
            if VIRTUAL_LOOPBACK.search(str(mic.name)):
                out.append((mic, "loopback", first_loop))
                first_loop = False
            else:
                out.append((mic, "input", str(mic.id) == default_in))
        return out

    def missing_hint(self, kind: DeviceKind) -> str:
        if kind == "loopback":
            return INSTALL_BLACKHOLE
        return super().missing_hint(kind)
