"""Linux: PulseAudio, and PipeWire through its PulseAudio server (pipewire-pulse).

Every PulseAudio sink has a ``.monitor`` source that records what the sink
plays: that is the interviewer. Real microphones are sources whose
``device.class`` is not ``monitor``. The default loopback is the monitor of
the default sink (where a browser or Zoom plays unless told otherwise), so
"the call plays through my headset" is followed when the default changes.

Record streams are connected with ``PA_STREAM_DONT_MOVE``. Without it the
server moves a stream whose device disappears to its fallback source
(PulseAudio 15+ does this by itself), so the interviewer's channel would go on
silently recording, say, the microphone; with it the stream fails, and the
capture's own policy (wait for the named device, else the default of the
same kind) decides where to go.
"""

from __future__ import annotations

import functools
import logging
from types import ModuleType
from typing import Any

from cuecard.audio.backend_soundcard import (
    SoundcardBackend,
    SoundcardStream,
    load_soundcard,
    safe_id,
)
from cuecard.audio.capture import Device, DeviceKind

log = logging.getLogger(__name__)


class PulseBackend(SoundcardBackend):
    name = "PulseAudio"

    def __init__(self, sc: ModuleType | Any | None = None) -> None:
        super().__init__(sc if sc is not None else load_soundcard("PulseAudio/PipeWire"))

    def _entries(self) -> list[tuple[Any, DeviceKind, bool]]:
        sc = self.sc
        mics = sc.all_microphones(include_loopback=True)
        default_source = safe_id(sc.default_microphone)
        default_sink = safe_id(sc.default_speaker)
        default_monitor = f"{default_sink}.monitor" if default_sink else None
        out: list[tuple[Any, DeviceKind, bool]] = []
        for mic in mics:
            try:
                loop = bool(mic.isloopback)
            except Exception as err:  # gone while listing
                log.debug("skipping a source that vanished (%s)", type(err).__name__)
                continue
            if loop:
                out.append((mic, "loopback", mic.id == default_monitor))
            else:
                out.append((mic, "input", mic.id == default_source))
        return out

    def open(self, device: Device, rate: int, frames: int) -> SoundcardStream:
        pulse = getattr(self.sc, "pulseaudio", None)
        if pulse is None or not hasattr(pulse, "_Recorder"):  # not the real library
            return super().open(device, rate, frames)
        mic = self._find(device)
        recorder = _pinned_recorder(pulse)(mic.id, rate, device.channels, frames)
        return SoundcardStream(recorder, frames, device.channels)

    def missing_hint(self, kind: DeviceKind) -> str:
        if kind == "loopback":
            return (
                "no monitor source to capture the call from: is PulseAudio or PipeWire "
                "(pipewire-pulse) running with an output device? (see `cuecard devices`)"
            )
        return super().missing_hint(kind)


@functools.cache
def _pinned_recorder(pulse: Any) -> Any:
    """soundcard's PulseAudio recorder, connected with ``PA_STREAM_DONT_MOVE``.

    The body is soundcard 0.4.6's ``_Recorder._connect_stream`` with one more
    flag; soundcard has no option for it.
    """

    class PinnedRecorder(pulse._Recorder):  # type: ignore[misc,name-defined]
        def _connect_stream(self, bufattr: Any) -> None:
            flags = pulse._pa.PA_STREAM_ADJUST_LATENCY | pulse._pa.PA_STREAM_DONT_MOVE
            pulse._pulse._pa_stream_connect_record(
                self.stream, self._id.encode(), bufattr, flags
            )

            @pulse._ffi.callback("pa_stream_request_cb_t")  # type: ignore[misc,untyped-decorator]
            def read_callback(stream: Any, nbytes: Any, userdata: Any) -> None:
                self._record_event.set()

            self._callback = read_callback
            pulse._pulse._pa_stream_set_read_callback(self.stream, read_callback, pulse._ffi.NULL)

    return PinnedRecorder
