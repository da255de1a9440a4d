"""Live capture without a sound server: device choice, format conversion, OS backends, reconnects.

The OS audio APIs are outside this machine (WASAPI and CoreAudio cannot run
here at all), so two stand-ins are used, both at the boundary and never
inside cuecard's code:

- ``FakeSoundcard``: an object with soundcard's API (``all_microphones``,
  ``default_speaker``, ``recorder`` ...) as soundcard presents a Windows or
  Mac machine, to test how each backend classifies and opens devices;
- ``ScriptedBackend``: sound devices that produce real tones in real time and
  can be unplugged, replugged, made silent or made the default, to test how
  ``LiveSource`` keeps chunks flowing on the session clock through all that.

The real PulseAudio path is tested in tests/live.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from cuecard.audio import capture
from cuecard.audio.backend import Backend, Device, DeviceKind
from cuecard.audio.backend_coreaudio import CoreAudioBackend
from cuecard.audio.backend_wasapi import WasapiBackend
from cuecard.audio.capture import (
    Converter,
    DeviceError,
    LiveSource,
    list_devices,
    select_device,
)
from cuecard.audio.sources import CHUNK_SAMPLES
from cuecard.clock import SessionClock
from cuecard.events import SAMPLE_RATE, AudioChunk

# -- choosing a device ---------------------------------------------------------

DEVICES = [
    Device("alsa_input.usb-Jabra", "Jabra Evolve2 Mono", "input", 1, default=False, index=0),
    Device("alsa_input.pci-analog", "Built-in Audio Analog Stereo", "input", 2, True, 1),
    Device("alsa_output.usb-Jabra.monitor", "Monitor of Jabra Evolve2", "loopback", 2, False, 2),
    Device("alsa_output.pci-analog.monitor", "Monitor of Built-in Audio", "loopback", 2, True, 3),
]


def test_no_name_picks_the_default_of_each_kind() -> None:
    assert select_device(DEVICES, None, "input").id == "alsa_input.pci-analog"
    assert select_device(DEVICES, None, "loopback").id == "alsa_output.pci-analog.monitor"


def test_without_a_default_the_first_of_the_kind_is_used_and_none_is_an_error() -> None:
    plain = [Device(d.id, d.name, d.kind, d.channels, False, d.index) for d in DEVICES]
    assert select_device(plain, None, "input").index == 0
    with pytest.raises(DeviceError, match="install BlackHole"):
        select_device(plain[:2], None, "loopback", missing_hint="install BlackHole")


def test_by_number_id_name_or_part_of_either_case_insensitive() -> None:
    assert select_device(DEVICES, "3", "input").id == "alsa_output.pci-analog.monitor"
    assert select_device(DEVICES, "alsa_input.usb-Jabra", "input").index == 0
    assert select_device(DEVICES, "built-in audio analog stereo", "input").index == 1
    assert select_device(DEVICES, "analog st", "input").index == 1


def test_a_part_that_fits_both_kinds_prefers_the_kind_asked_for() -> None:
    # "jabra" is the headset's microphone and its monitor.
    assert select_device(DEVICES, "jabra", "input").kind == "input"
    assert select_device(DEVICES, "jabra", "loopback").kind == "loopback"


def test_an_ambiguous_part_is_an_error_that_lists_the_matches() -> None:
    with pytest.raises(DeviceError) as err:
        select_device(DEVICES, "monitor", "loopback")
    message = str(err.value)
    assert "matches 2 devices" in message and "Jabra" in message and "Built-in" in message
    assert "\n" not in message


def test_an_unknown_name_or_number_lists_every_device_on_one_line() -> None:
    for query in ("Nonexistent", "17"):
        with pytest.raises(DeviceError) as err:
            select_device(DEVICES, query, "input")
        message = str(err.value)
        assert "\n" not in message
        assert all(d.name in message for d in DEVICES), message


# -- format conversion ---------------------------------------------------------


def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_hz(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize(("rate", "channels"), [(48_000, 2), (44_100, 1), (16_000, 1), (96_000, 6)])
def test_device_blocks_become_16k_mono_with_pitch_and_level_kept(rate: int, channels: int) -> None:
    mono = tone(440, 2.0, rate)
    block = np.repeat(mono[:, None], channels, axis=1)
    conv = Converter(rate, channels)
    frames = round(rate * 0.04)
    blocks = [block[i : i + frames] for i in range(0, len(block), frames)]
    out = np.concatenate([conv.process(b) for b in blocks])
    assert out.dtype == np.float32 and out.ndim == 1
    assert abs(len(out) - 2.0 * SAMPLE_RATE) < 0.05 * SAMPLE_RATE  # the filter holds a few ms
    steady = out[SAMPLE_RATE // 2 : SAMPLE_RATE]
    assert abs(dominant_hz(steady) - 440) < 3
    assert np.sqrt(np.mean(steady**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.03)


def test_channels_are_averaged_and_bad_samples_cleaned() -> None:
    left, right = tone(440, 0.5, 48_000), np.zeros(24_000, np.float32)
    block = np.stack([left, right], axis=1)
    block[100, 0] = np.nan
    out = Converter(48_000, 2).process(block)
    assert np.isfinite(out).all()
    assert np.abs(out).max() == pytest.approx(0.25, rel=0.05)  # one speaking channel of two


def test_a_block_with_the_wrong_channel_count_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 2 channels"):
        Converter(48_000, 2).process(np.zeros((480, 3), np.float32))


# -- Windows and macOS backends, on soundcard's API as those systems present it -----


@dataclass
class FakeRecorder:
    mic: FakeMic
    samplerate: int
    channels: int
    blocksize: int
    entered: bool = False

    def __enter__(self) -> FakeRecorder:
        self.entered = True
        self.mic.opened.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.entered = False

    def record(self, numframes: int) -> np.ndarray:
        return np.full((numframes, self.channels), 0.1, np.float32)


@dataclass
class FakeMic:
    id: Any
    name: str
    channels: int
    isloopback: bool = False
    opened: list[FakeRecorder] = field(default_factory=list)

    def recorder(self, samplerate: int, channels: int, blocksize: int) -> FakeRecorder:
        return FakeRecorder(self, samplerate, channels, blocksize)


@dataclass
class FakeSoundcard:
    """soundcard's module API: what ``import soundcard`` gives on Windows or macOS."""

    mics: list[FakeMic]
    default_mic: FakeMic | None
    default_out: FakeMic | None

    def all_microphones(self, include_loopback: bool = False) -> list[FakeMic]:
        return [m for m in self.mics if include_loopback or not m.isloopback]

    def default_microphone(self) -> FakeMic:
        if self.default_mic is None:
            raise RuntimeError("no default input")
        return self.default_mic

    def default_speaker(self) -> FakeMic:
        if self.default_out is None:
            raise RuntimeError("no default output")
        return self.default_out


def windows() -> FakeSoundcard:
    # soundcard lists every speaker again as a loopback microphone with the speaker's id.
    speakers = FakeMic("{0.0.0.00000000}.{realtek}", "Speakers (Realtek Audio)", 2, True)
    headset = FakeMic("{0.0.0.00000000}.{jabra}", "Headset Earphone (Jabra)", 2, True)
    mic = FakeMic("{0.0.1.00000000}.{realtek}", "Microphone Array (Realtek Audio)", 4)
    headset_mic = FakeMic("{0.0.1.00000000}.{jabra}", "Headset Microphone (Jabra)", 1)
    return FakeSoundcard([speakers, headset, mic, headset_mic], default_mic=mic,
                         default_out=FakeMic(headset.id, headset.name, 2))  # fmt: skip


def test_wasapi_lists_outputs_as_loopbacks_and_marks_the_defaults() -> None:
    found = list_devices(WasapiBackend(windows()))
    assert [(d.kind, d.name, d.default) for d in found] == [
        ("input", "Microphone Array (Realtek Audio)", True),
        ("input", "Headset Microphone (Jabra)", False),
        ("loopback", "Speakers (Realtek Audio)", False),
        ("loopback", "Headset Earphone (Jabra)", True),
    ]
    assert [d.index for d in found] == [0, 1, 2, 3]


def test_wasapi_opens_the_loopback_not_a_microphone_of_the_same_name() -> None:
    sc = windows()
    backend = WasapiBackend(sc)
    found = list_devices(backend)
    chosen = select_device(found, "jabra", "loopback")
    stream = backend.open(chosen, 48_000, 1920)
    assert stream.read().shape == (1920, 2)
    stream.close()
    opened = [(m.name, r.samplerate, r.blocksize) for m in sc.mics for r in m.opened]
    assert opened == [("Headset Earphone (Jabra)", 48_000, 1920)]


def mac(with_blackhole: bool) -> FakeSoundcard:
    builtin = FakeMic(73, "MacBook Pro Microphone", 1)
    airpods = FakeMic(91, "AirPods Pro", 1)
    mics = [builtin, airpods]
    if with_blackhole:
        mics.append(FakeMic(104, "BlackHole 2ch", 2))
    return FakeSoundcard(mics, default_mic=builtin, default_out=None)


def test_coreaudio_treats_blackhole_as_the_loopback() -> None:
    found = list_devices(CoreAudioBackend(mac(with_blackhole=True)))
    loop = select_device(found, None, "loopback")
    assert (loop.name, loop.id, loop.default) == ("BlackHole 2ch", "104", True)
    assert select_device(found, None, "input").name == "MacBook Pro Microphone"
    # CoreAudio ids are numbers too: one that is not a listing number is taken as an id.
    assert select_device(found, "104", "loopback").name == "BlackHole 2ch"


def test_coreaudio_without_a_virtual_device_says_to_install_blackhole() -> None:
    backend = CoreAudioBackend(mac(with_blackhole=False))
    with pytest.raises(DeviceError) as err:
        LiveSource(backend=backend)
    message = str(err.value)
    assert "BlackHole" in message and "brew install blackhole-2ch" in message
    assert "Multi-Output Device" in message and "\n" not in message


# -- LiveSource on scripted devices ------------------------------------------------


class ScriptedStream:
    def __init__(self, dev: ScriptedDevice, rate: int, frames: int) -> None:
        self.dev, self.rate, self.frames = dev, rate, frames
        self.channels = dev.channels
        self.pos = 0
        self.next_due = time.monotonic()
        self.closed = False

    def read(self) -> np.ndarray:
        self.next_due += self.frames / self.rate
        while True:
            if not self.dev.plugged or self.dev.fail_reads:
                time.sleep(0.05)
                raise RuntimeError("device removed")
            if not self.dev.silent_driver:
                break
            time.sleep(0.02)  # a driver that delivers nothing while nothing plays
            self.next_due = time.monotonic()
        time.sleep(max(0.0, self.next_due - time.monotonic()))
        t = (self.pos + np.arange(self.frames)) / self.rate
        self.pos += self.frames
        wave = (0.5 * np.sin(2 * np.pi * self.dev.freq * t)).astype(np.float32)
        return np.repeat(wave[:, None], self.channels, axis=1)

    def close(self) -> None:
        self.closed = True
        self.dev.open_streams -= 1


@dataclass
class ScriptedDevice:
    id: str
    kind: DeviceKind
    freq: float
    channels: int = 2
    plugged: bool = True
    default: bool = False
    fail_reads: bool = False
    silent_driver: bool = False
    open_streams: int = 0
    opens: int = 0


class ScriptedBackend(Backend):
    name = "scripted"

    def __init__(self, *devices: ScriptedDevice) -> None:
        self.devs = list(devices)
        self.lock = threading.Lock()

    def devices(self) -> list[Device]:
        with self.lock:
            return [Device(d.id, d.id.title(), d.kind, d.channels, d.default)
                    for d in self.devs if d.plugged]  # fmt: skip

    def open(self, device: Device, rate: int, frames: int) -> ScriptedStream:
        with self.lock:
            dev = next(d for d in self.devs if d.id == device.id)
            if not dev.plugged:
                raise RuntimeError("no such device")
            dev.opens += 1
            dev.open_streams += 1
            dev.fail_reads = False
            return ScriptedStream(dev, rate, frames)


def laptop() -> tuple[ScriptedBackend, dict[str, ScriptedDevice]]:
    devs = {
        "mic": ScriptedDevice("mic", "input", 1000, channels=1, default=True),
        "headset-mic": ScriptedDevice("headset-mic", "input", 700, channels=1),
        "speakers": ScriptedDevice("speakers", "loopback", 440, default=True),
        "headset": ScriptedDevice("headset", "loopback", 300),
    }
    return ScriptedBackend(*devs.values()), devs


Step = tuple[float, Callable[[], None]]


async def run_source(source: LiveSource, seconds: float,
                     steps: list[Step] = ()) -> dict[str, list[AudioChunk]]:  # fmt: skip
    """Collect chunks until the clock reaches ``seconds``, doing each step at its clock time."""
    got: dict[str, list[AudioChunk]] = {"you": [], "interviewer": []}
    pending = sorted(steps, key=lambda s: s[0])
    source.clock.reset()
    async with source:
        async for chunk in source:
            got[chunk.channel].append(chunk)
            while pending and source.clock.now() >= pending[0][0]:
                pending.pop(0)[1]()
            if source.clock.now() >= seconds:
                break
    return got


def check_timeline(chunks: list[AudioChunk], clock_now: float) -> None:
    """Chunks of 512 samples whose t0 goes up by exactly 32 ms and keeps up with the clock."""
    assert chunks
    assert all(len(c.samples) == CHUNK_SAMPLES and not c.samples.flags.writeable for c in chunks)
    t0s = np.array([c.t0 for c in chunks])
    assert np.allclose(np.diff(t0s), CHUNK_SAMPLES / SAMPLE_RATE)
    assert t0s[0] == 0.0
    assert clock_now - chunks[-1].t1 < 0.6, (clock_now, chunks[-1].t1)


def freq_at(chunks: list[AudioChunk], t0: float, t1: float) -> float | None:
    part = [c.samples for c in chunks if t0 <= c.t0 < t1]
    audio = np.concatenate(part) if part else np.zeros(0, np.float32)
    if len(audio) < 1600 or np.abs(audio).max() < 0.05:
        return None
    return dominant_hz(audio)


@pytest.mark.anyio
async def test_both_channels_stream_on_the_session_clock_in_the_right_format() -> None:
    backend, _ = laptop()
    clock = SessionClock()
    source = LiveSource(backend=backend, clock=clock)
    got = await run_source(source, 1.5)
    now = clock.now()
    for channel, hz in (("interviewer", 440), ("you", 1000)):
        check_timeline(got[channel], now)
        assert abs(freq_at(got[channel], 0.3, 1.3) - hz) < 10  # type: ignore[operator]


@pytest.mark.anyio
async def test_stop_ends_the_stream_and_every_device_is_released() -> None:
    backend, devs = laptop()
    source = LiveSource(backend=backend)
    source.clock.reset()
    count = 0
    async with source:
        async for _ in source:
            count += 1
            if count == 20:
                source.stop()
    assert count >= 20
    await asyncio.sleep(0)
    assert all(d.open_streams == 0 for d in devs.values())


@pytest.mark.anyio
async def test_a_device_that_fails_is_reopened_and_the_gap_is_silence() -> None:
    backend, devs = laptop()
    source = LiveSource(backend=backend, loopback="speakers")

    def fail() -> None:
        devs["speakers"].plugged = False

    def back() -> None:
        devs["speakers"].plugged = True

    got = await run_source(source, 4.0, [(1.0, fail), (2.0, back)])
    chunks = got["interviewer"]
    check_timeline(chunks, source.clock.now())
    assert freq_at(chunks, 0.3, 0.9) == pytest.approx(440, abs=10)
    assert freq_at(chunks, 1.4, 1.9) is None  # silence while it was away
    assert freq_at(chunks, 3.0, 3.9) == pytest.approx(440, abs=10)
    assert devs["speakers"].opens == 2
    notices = [m for _, m in source.drain_notices()]
    assert any("lost the device for the interviewer" in m for m in notices), notices
    assert any("again" in m for m in notices), notices
    # The other channel never noticed.
    check_timeline(got["you"], source.clock.now())


@pytest.mark.anyio
async def test_a_named_device_gone_for_long_falls_back_to_the_default_then_comes_back() -> None:
    backend, devs = laptop()
    source = LiveSource(backend=backend, loopback="headset")

    def unplug() -> None:
        devs["headset"].plugged = False

    def replug() -> None:
        devs["headset"].plugged = True

    got = await run_source(source, 9.5, [(0.8, unplug), (5.5, replug)])
    chunks = got["interviewer"]
    check_timeline(chunks, source.clock.now())
    assert freq_at(chunks, 0.2, 0.7) == pytest.approx(300, abs=10)  # the headset
    fallback = 0.8 + 1.0 + capture.FALLBACK_AFTER_S + 0.3
    assert freq_at(chunks, fallback, 5.4) == pytest.approx(440, abs=10)  # the speakers meanwhile
    back = 5.5 + capture.RECHECK_S + 0.5
    assert freq_at(chunks, back, 9.4) == pytest.approx(300, abs=10)  # the headset again
    notices = [m for _, m in source.drain_notices()]
    assert any("instead" in m for m in notices) and any("switching" in m for m in notices)


@pytest.mark.anyio
async def test_without_a_name_capture_follows_the_default_device() -> None:
    backend, devs = laptop()
    source = LiveSource(backend=backend)

    def headset_on() -> None:
        with backend.lock:
            devs["mic"].default, devs["headset-mic"].default = False, True

    got = await run_source(source, 4.5, [(0.5, headset_on)])
    chunks = got["you"]
    check_timeline(chunks, source.clock.now())
    assert freq_at(chunks, 0.1, 0.5) == pytest.approx(1000, abs=10)
    assert freq_at(chunks, 0.5 + capture.RECHECK_S + 0.6, 4.4) == pytest.approx(700, abs=10)


@pytest.mark.anyio
async def test_a_driver_that_delivers_nothing_still_gives_a_timeline_of_silence() -> None:
    backend, devs = laptop()
    devs["speakers"].silent_driver = True
    source = LiveSource(backend=backend)

    def plays() -> None:
        devs["speakers"].silent_driver = False

    got = await run_source(source, 5.0, [(4.0, plays)])
    chunks = got["interviewer"]
    check_timeline(chunks, source.clock.now())
    quiet = [c for c in chunks if c.t1 <= 3.5]
    assert quiet[-1].t1 > 3.5 - capture.QUIET_S - 0.5, "silence must still flow"
    assert all(not c.samples.any() for c in quiet)


def test_the_same_device_for_both_channels_is_refused() -> None:
    backend, _ = laptop()
    backend.devs.append(ScriptedDevice("combo", "input", 500))
    backend.devs[-1].kind = "loopback"
    with pytest.raises(DeviceError, match="same device"):
        LiveSource(backend=backend, mic="speakers", loopback="speakers")


# -- one session per device (issue 10 item 5) -----------------------------------


@pytest.mark.anyio
async def test_a_second_session_on_the_same_devices_is_refused_until_the_first_ends() -> None:
    import os

    from cuecard.audio.device_lock import DeviceBusy

    backend, _ = laptop()
    first = LiveSource(backend=backend)
    with pytest.raises(DeviceBusy) as err:
        LiveSource(backend=backend)
    message = str(err.value)
    assert "'Speakers'" in message and f"process {os.getpid()}" in message
    assert "stop that session first" in message and "\n" not in message
    await first.aclose()
    again = LiveSource(backend=backend)  # released by aclose
    await again.aclose()


@pytest.mark.anyio
async def test_sharing_one_device_is_refused_and_leaves_the_other_free() -> None:
    from cuecard.audio.device_lock import DeviceBusy

    backend, _ = laptop()
    first = LiveSource(backend=backend, mic="mic", loopback="speakers")
    with pytest.raises(DeviceBusy, match="your microphone"):
        LiveSource(backend=backend, mic="mic", loopback="headset")
    # The refused session took the headset's lock first; it gave it back.
    other = LiveSource(backend=backend, mic="headset-mic", loopback="headset")
    await other.aclose()
    await first.aclose()


def test_a_lock_left_by_a_crashed_session_does_not_block_the_next() -> None:
    import os
    import signal
    import subprocess
    import sys

    from cuecard.audio.device_lock import DeviceBusy, DeviceLock

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from cuecard.audio.device_lock import DeviceLock\n"
         "lock = DeviceLock('alsa_output.pci.monitor', 'x')\n"
         "print('held', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DeviceBusy, match=f"process {holder.pid}"):
            DeviceLock("alsa_output.pci.monitor", "the interviewer's audio ('Monitor')")
        holder.send_signal(signal.SIGKILL)  # a crash: no clean-up code runs
        holder.wait(10)
    finally:
        holder.kill()
    lock = DeviceLock("alsa_output.pci.monitor", "the interviewer's audio ('Monitor')")
    assert lock.path.exists()  # the crashed session's file is still there, and harmless
    lock.release()
