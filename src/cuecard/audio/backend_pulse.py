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
import time
from types import ModuleType
from typing import Any

import numpy as np

from cuecard.audio.backend import Device, DeviceKind, InputStream
from cuecard.audio.backend_soundcard import SoundcardBackend, load_soundcard, safe_id
from cuecard.audio.errors import AudioError
from cuecard.audio.files import Block

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

    def open(self, device: Device, rate: int, frames: int) -> InputStream:
        pulse = getattr(self.sc, "pulseaudio", None)
        if pulse is None or not hasattr(pulse, "_Recorder"):  # not the real library
            return super().open(device, rate, frames)
        mic = self._find(device)
        return PulseStream(pulse, str(mic.id), rate, frames, device.channels)

    def missing_hint(self, kind: DeviceKind) -> str:
        if kind == "loopback":
            return (
                "no monitor source to capture the call from: is PulseAudio or PipeWire "
                "(pipewire-pulse) running with an output device? (see `cuecard devices`)"
            )
        return super().missing_hint(kind)


class PulseStream:
    """A record stream read once per block period, draining every fragment that arrived.

    A monitor source delivers what its sink renders, in fragments as small as
    5 ms. soundcard's ``record()`` wakes its thread (through a callback into
    Python from libpulse's thread) for every fragment: 200 wake-ups a second
    per stream, about 4 % of a core each. Here the reading thread sleeps for
    one block, then takes everything readable in one go, with no callback:
    25 wake-ups a second.
    """

    def __init__(self, pulse: Any, source: str, rate: int, frames: int, channels: int) -> None:
        self._pulse = pulse
        self._recorder = _pinned_recorder(pulse)(source, rate, channels, frames)
        self._recorder.__enter__()
        self.channels = int(self._recorder.channels)
        self._period = frames / rate
        self._due = time.monotonic()
        self._open = True

    def read(self) -> Block:
        self._due += self._period
        wait = self._due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        else:
            self._due = time.monotonic()  # late: do not try to catch up in a burst
        core, ffi = self._pulse._pa, self._pulse._ffi
        mainloop = self._pulse._pulse.mainloop
        # One lock for the whole drain: soundcard's per-call lock wrapper
        # costs more than the calls themselves at 200 fragments a second.
        core.pa_threaded_mainloop_lock(mainloop)
        try:
            return self._drain(core, ffi, self._recorder.stream)
        finally:
            core.pa_threaded_mainloop_unlock(mainloop)

    def _drain(self, core: Any, ffi: Any, stream: Any) -> Block:
        if core.pa_stream_get_state(stream) != core.PA_STREAM_READY:
            raise AudioError("the recording stream ended (device removed?)")
        data = bytearray()
        data_ptr, nbytes_ptr = ffi.new("void**"), ffi.new("size_t*")
        while True:
            readable = core.pa_stream_readable_size(stream)
            if readable >= 2**63:  # (size_t) -1: the stream failed
                raise AudioError("the recording stream failed (device removed?)")
            if not readable:
                break
            data_ptr[0], nbytes_ptr[0] = ffi.NULL, 0
            if core.pa_stream_peek(stream, data_ptr, nbytes_ptr) < 0:
                raise AudioError("reading the recording stream failed")
            size = int(nbytes_ptr[0])
            if not size:
                break
            if data_ptr[0] == ffi.NULL:  # a hole in the stream: silence
                data += bytes(size)
            else:
                data += ffi.buffer(data_ptr[0], size)
            core.pa_stream_drop(stream)
        frames = len(data) // (4 * self.channels)
        samples = np.frombuffer(data, np.float32, count=frames * self.channels)
        return samples.reshape(frames, self.channels)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._recorder.__exit__(None, None, None)


@functools.cache
def _pinned_recorder(pulse: Any) -> Any:
    """soundcard's PulseAudio recorder, connected with ``PA_STREAM_DONT_MOVE`` and no callback.

    The body is soundcard 0.4.6's ``_Recorder._connect_stream`` with one more
    flag (soundcard has no option for it) and without the per-fragment read
    callback, which ``PulseStream`` does not need.
    """

    class PinnedRecorder(pulse._Recorder):  # type: ignore[misc,name-defined]
        def _connect_stream(self, bufattr: Any) -> None:
            flags = pulse._pa.PA_STREAM_ADJUST_LATENCY | pulse._pa.PA_STREAM_DONT_MOVE
            pulse._pulse._pa_stream_connect_record(self.stream, self._id.encode(), bufattr, flags)

    return PinnedRecorder
