"""Windows: WASAPI. Every output endpoint can be recorded in loopback mode.

soundcard lists each speaker a second time as a loopback "microphone" with
the speaker's endpoint id, so a device is identified by (id, kind). The
default loopback is the default output, where the call app plays.

Not tried on real Windows hardware in this project's CI (see docs/capture.md).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from cuecard.audio.backend import DeviceKind
from cuecard.audio.backend_soundcard import SoundcardBackend, load_soundcard, safe_id


class WasapiBackend(SoundcardBackend):
    name = "WASAPI"

    def __init__(self, sc: ModuleType | Any | None = None) -> None:
        super().__init__(sc if sc is not None else load_soundcard("WASAPI"))

    def _entries(self) -> list[tuple[Any, DeviceKind, bool]]:
        sc = self.sc
        default_in = safe_id(sc.default_microphone)
        default_out = safe_id(sc.default_speaker)
        out: list[tuple[Any, DeviceKind, bool]] = []
        for mic in sc.all_microphones(include_loopback=True):
            if bool(getattr(mic, "isloopback", False)):
                out.append((mic, "loopback", str(mic.id) == default_out))
            else:
                out.append((mic, "input", str(mic.id) == default_in))
        return out

    def missing_hint(self, kind: DeviceKind) -> str:
        if kind == "loopback":
            return (
                "no output device to capture the call from: connect speakers or headphones "
                "and check Sound settings (see `cuecard devices`)"
            )
        return super().missing_hint(kind)
