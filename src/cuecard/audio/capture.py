"""Live capture: your microphone and the call's audio as one async stream of AudioChunks.

``LiveSource`` is to a live call what ``FileSource`` is to a recording: it
yields 32 ms mono 16 kHz ``AudioChunk``s for ``you`` (a microphone) and
``interviewer`` (a loopback: what the computer plays), so every later stage is
the same for both.

Each device is read by its own thread with blocking reads of about 40 ms (the
OS audio APIs are blocking or callback based; a thread per device keeps a slow
device from delaying the other, and keeps the event loop free). Blocks are
mixed to mono and resampled to 16 kHz in that thread, stamped with the session
clock, and handed to the loop with ``call_soon_threadsafe``.

The loop side keeps one timeline per channel, so ``t0`` stays on the session
clock whatever the devices do: a gap (device unplugged, a driver that delivers
nothing during silence, a reopen that takes seconds) is filled with silence,
so the speech stage closes an open utterance, level meters fall to silence and
the timeline is right when audio comes back.

Devices come and go during a call (a headset plugged in or out), so a capture
thread never gives up: a device that fails is reopened; a device picked by
name that is gone for more than ``FALLBACK_AFTER_S`` is replaced by the
current default of its kind until it comes back; without a name, capture
follows the system default as it changes. What happened is reported as
one-line notices (``drain_notices``), never as a crash.

The OS specifics (listing devices, defaults, opening a stream) live in one
backend module per OS, behind :class:`Backend`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Literal, Self

import numpy as np
import numpy.typing as npt

from cuecard.audio.backend import Backend, Device, DeviceKind, InputStream
from cuecard.audio.device_lock import lock_devices
from cuecard.audio.errors import AudioError
from cuecard.audio.files import clean
from cuecard.audio.resample import Resampler
from cuecard.audio.sources import CHUNK_SAMPLES
from cuecard.clock import SessionClock
from cuecard.events import SAMPLE_RATE, AudioChunk, Speaker

__all__ = [
    "BLOCK_S",
    "CAPTURE_RATE",
    "Converter",
    "DeviceError",
    "LiveSource",
    "backend_for_platform",
    "describe_devices",
    "list_devices",
    "measure_levels",
    "select_device",
]

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.float32]

CAPTURE_RATE = 48_000
"""Rate devices are opened at: every OS mixer offers it; we resample to 16 kHz with soxr."""
BLOCK_S = 0.05
"""One read: short for latency, long for idle CPU (0.04 s cost 2 % more of a core than 0.08 s)."""
RETRY_S = 0.5
"""Wait between attempts to reopen a device that failed."""
FALLBACK_AFTER_S = 3.0
"""A named device gone this long is replaced by the default until it comes back."""
RECHECK_S = 2.0
"""How often a running capture checks whether it should switch device."""
FILL_MARGIN_S = 0.1
"""Silence fills a channel up to this far behind the clock, so real audio never lands before it."""
STALL_S = 0.5
"""A channel whose device is away (reconnecting) is filled with silence after this long."""
QUIET_S = 2.0
"""A channel whose open device delivers nothing for this long is filled with silence too.

Some drivers deliver nothing while nothing plays (WASAPI loopback); a live
stream that is merely late delivers in a burst soon, and filling it would cut
silence into the middle of words, so this is much longer than ``STALL_S``.
"""
AHEAD_S = 2.0
"""A channel this far ahead of the clock (a burst after a long stall) is trimmed back."""
TICK_S = 0.1
"""How often the loop side looks for stalled channels when no block arrives."""

CHANNEL_KIND: dict[Speaker, DeviceKind] = {"you": "input", "interviewer": "loopback"}
_WHO: dict[Speaker, str] = {"you": "your microphone", "interviewer": "the interviewer's audio"}


class DeviceError(AudioError):
    """A device that cannot be found or used; the message lists what is there."""


def backend_for_platform(platform: str = sys.platform) -> Backend:
    """The backend for this OS; raises AudioError when its sound system cannot be reached."""
    if platform.startswith("linux"):
        from cuecard.audio.backend_pulse import PulseBackend

        return PulseBackend()
    if platform == "win32":
        from cuecard.audio.backend_wasapi import WasapiBackend

        return WasapiBackend()
    if platform == "darwin":
        from cuecard.audio.backend_coreaudio import CoreAudioBackend

        return CoreAudioBackend()
    raise AudioError(f"live capture is not supported on {platform}; use `cuecard replay FILE`")


# -- choosing devices ----------------------------------------------------------


def list_devices(backend: Backend) -> list[Device]:
    """Inputs first, then loopbacks, numbered in that order (the order ``devices`` shows)."""
    found = backend.devices()
    ordered = [d for d in found if d.kind == "input"] + [d for d in found if d.kind == "loopback"]
    return [replace(d, index=i) for i, d in enumerate(ordered)]


def describe_devices(devices: Sequence[Device]) -> str:
    """A one-line list for error messages: ``0 'Name' (input), 1 ...``."""
    if not devices:
        return "none"
    return ", ".join(f"{d.index} {d.name!r} ({d.kind})" for d in devices)


def select_device(
    devices: Sequence[Device], query: str | None, kind: DeviceKind, *, missing_hint: str = ""
) -> Device:
    """The device ``query`` names: its number, id, name, or part of either (case-insensitive).

    No query: the default of ``kind``, else the first of ``kind``. A part
    that matches several devices prefers those of ``kind``; still several is
    an error that lists them, because guessing the wrong microphone in an
    interview is worse than asking.
    """
    of_kind = [d for d in devices if d.kind == kind]
    if query is None or not query.strip():
        for d in of_kind:
            if d.default:
                return d
        if of_kind:
            return of_kind[0]
        raise DeviceError(missing_hint or f"no {kind} device found")
    q = query.strip()
    flag = "--mic" if kind == "input" else "--loopback"
    if q.isdigit():
        for d in devices:
            if d.index == int(q):
                return d
        if not any(d.id == q for d in devices):  # CoreAudio ids are numbers too
            raise DeviceError(
                f"{flag} {q}: there is no device number {q}; available: {describe_devices(devices)}"
            )
    low = q.casefold()
    for exact in (
        [d for d in devices if d.id == q],
        [d for d in devices if d.id.casefold() == low or d.name.casefold() == low],
        [d for d in devices if low in d.name.casefold() or low in d.id.casefold()],
    ):
        preferred = [d for d in exact if d.kind == kind] or exact
        if len(preferred) == 1:
            return preferred[0]
        if len(preferred) > 1:
            raise DeviceError(
                f"{flag} {q!r} matches {len(preferred)} devices: {describe_devices(preferred)}; "
                "give more of the name or its number"
            )
    what = "input" if kind == "input" else "loopback"
    raise DeviceError(f"no {what} device matches {q!r}; available: {describe_devices(devices)}")


# -- format conversion ---------------------------------------------------------


class Converter:
    """Device blocks (any rate, any channels, float32) to mono 16 kHz, block by block.

    Channels are averaged (a call is mono in practice; averaging cannot clip);
    resampling keeps its filter state across blocks (see ``Resampler``).
    """

    def __init__(self, rate: int, channels: int) -> None:
        if channels < 1:
            raise ValueError("a device needs at least one channel")
        self.rate = rate
        self.channels = channels
        self._resampler = Resampler(rate, 1)

    def process(self, block: npt.NDArray[np.floating]) -> Samples:
        data = clean(np.asarray(block, dtype=np.float32))
        if data.ndim == 1:
            data = data.reshape(-1, self.channels)
        if data.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {data.shape[1]}")
        mono = data.mean(axis=1, dtype=np.float32, keepdims=True) if self.channels > 1 else data
        return np.ascontiguousarray(self._resampler.process(np.ascontiguousarray(mono))[:, 0])


# -- one thread per device -----------------------------------------------------

Deliver = Callable[[Speaker, Samples, float, bool], None]
Report = Callable[[Literal["info", "warning"], str], None]


class _Capture(threading.Thread):
    """Reads one channel's device until stopped, reopening or switching it as needed."""

    def __init__(
        self,
        channel: Speaker,
        backend: Backend,
        device: Device,
        *,
        explicit: bool,
        clock: SessionClock,
        deliver: Deliver,
        report: Report,
        block_s: float,
    ) -> None:
        super().__init__(name=f"cuecard-capture-{channel}", daemon=True)
        self.channel = channel
        self.kind = CHANNEL_KIND[channel]
        self.backend = backend
        self.wanted = device
        self.explicit = explicit
        self.clock = clock
        self.deliver = deliver
        self.report = report
        self.frames = max(1, round(CAPTURE_RATE * block_s))
        self.halt = threading.Event()
        self.paused = threading.Event()
        """Set: the device is closed and stays closed until cleared (pause closes capture)."""
        self.wake = threading.Event()
        """Set on halt or resume, so a paused thread reopens at once instead of polling."""
        self.current: Device | None = None
        self.streaming = False
        """True while a device is open (read by the loop to decide how long to wait)."""

    def run(self) -> None:
        device: Device | None = self.wanted
        lost_at: float | None = None
        lost_id: str | None = None
        who = _WHO[self.channel]
        while not self.halt.is_set():
            if self.paused.is_set():
                self.wake.wait()  # no device open while paused; resume or halt wakes us
                self.wake.clear()
                continue
            if device is None:
                device = self._find(lost_at)
                if device is None:
                    self.halt.wait(RETRY_S)
                    continue
            try:
                stream = self.backend.open(device, CAPTURE_RATE, self.frames)
            except Exception as err:  # any backend failure: the device is not usable now
                log.info("capture %s: cannot open a device (%s)", self.channel, type(err).__name__)
                if lost_at is None:
                    lost_at = time.monotonic()
                    self.report("warning", f"cannot open {device.name!r} for {who}; retrying")
                device = None
                self.halt.wait(RETRY_S)
                continue
            if lost_at is not None:
                again = "again" if device.id == lost_id else "instead, until it is back"
                self.report("info", f"capturing {who} from {device.name!r} {again}")
            lost_at = None
            self.current = opened = device
            self.streaming = True
            try:
                device, lost = self._pump(stream, device)
            finally:
                self.streaming = False
                try:
                    stream.close()
                except Exception as err:
                    log.debug("capture %s: close failed (%s)", self.channel, type(err).__name__)
            self.current = None
            if device is None and not lost and self.paused.is_set():
                device = opened  # reopen the same device on resume
            if lost:
                lost_at = time.monotonic()
                lost_id = opened.id
                self.report("warning", f"lost the device for {who}; reconnecting…")
        log.info("capture %s: stopped", self.channel)

    def _pump(self, stream: InputStream, device: Device) -> tuple[Device | None, bool]:
        """Read until stop, loss (returns None, True) or a better device (returns it, False)."""
        converter = Converter(CAPTURE_RATE, stream.channels)
        next_check = time.monotonic() + RECHECK_S
        fresh = True
        while not self.halt.is_set() and not self.paused.is_set():
            try:
                block = stream.read()
            except Exception as err:  # a failed stream: unplugged, server gone, module unloaded
                log.info("capture %s: device lost (%s)", self.channel, type(err).__name__)
                return None, True
            samples = converter.process(block)
            if len(samples):
                self.deliver(self.channel, samples, self.clock.now(), fresh)
                fresh = False
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + RECHECK_S
                better = self._better(device)
                if better is not None:
                    self.report("info", f"switching {_WHO[self.channel]} to {better.name!r}")
                    return better, False
        return None, False

    def _devices(self) -> list[Device]:
        try:
            return self.backend.devices()
        except Exception as err:
            log.info("capture %s: cannot list devices (%s)", self.channel, type(err).__name__)
            return []

    def _default(self, devices: list[Device]) -> Device | None:
        for d in devices:
            if d.kind == self.kind and d.default:
                return d
        return None

    def _find(self, lost_at: float | None) -> Device | None:
        """The device to (re)open now, or None to wait."""
        devices = self._devices()
        if self.explicit:
            for d in devices:
                if d.id == self.wanted.id and d.kind == self.wanted.kind:
                    return d
            if lost_at is not None and time.monotonic() - lost_at < FALLBACK_AFTER_S:
                return None
        return self._default(devices)

    def _better(self, device: Device) -> Device | None:
        """A device to switch to while this one still works, or None to stay."""
        devices = self._devices()
        if self.explicit:
            if device.id == self.wanted.id:
                return None
            return next((d for d in devices if d.id == self.wanted.id), None)
        default = self._default(devices)
        if default is not None and default.id != device.id:
            return default
        return None


# -- the loop side -------------------------------------------------------------


class _Timeline:
    """One channel's samples on the session clock, cut into CHUNK_SAMPLES chunks."""

    def __init__(self) -> None:
        self.parts: list[Samples] = []
        self.buffered = 0
        self.end = 0  # samples on the timeline so far (emitted + buffered)
        self.emitted = 0

    @property
    def end_s(self) -> float:
        return self.end / SAMPLE_RATE

    def _append(self, samples: Samples) -> None:
        if len(samples):
            self.parts.append(samples)
            self.buffered += len(samples)
            self.end += len(samples)

    def silence(self, seconds: float) -> None:
        n = round(seconds * SAMPLE_RATE)
        if n > 0:
            self._append(np.zeros(n, np.float32))

    def add(self, samples: Samples, stamp: float, fresh: bool) -> None:
        """A block that ended at clock time ``stamp``; ``fresh``: the first since (re)opening.

        Blocks of one open stream are contiguous by definition, so only a
        fresh block is aligned to the clock (the time the device was away
        becomes silence); later ones are appended as they are, however
        bursty their delivery, unless a burst runs far ahead of the clock.
        """
        start_s = stamp - len(samples) / SAMPLE_RATE
        late = start_s - self.end_s
        if fresh and late > 0:
            self.silence(late)  # the block ends exactly at its arrival: t0 is clock time
        elif -late > AHEAD_S:
            samples = samples[min(len(samples), round(-late * SAMPLE_RATE)) :]
        self._append(samples)

    def fill(self, now: float, streaming: bool) -> None:
        """Silence up to about ``now`` when nothing has been delivered for a while."""
        if now - self.end_s > (QUIET_S if streaming else STALL_S):
            self.silence(now - FILL_MARGIN_S - self.end_s)

    def chunks(self, *, pad: bool = False) -> Iterator[tuple[Samples, float]]:
        while self.buffered >= CHUNK_SAMPLES or (pad and self.buffered):
            joined = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
            head = joined[:CHUNK_SAMPLES]
            if len(head) < CHUNK_SAMPLES:
                head = np.concatenate([head, np.zeros(CHUNK_SAMPLES - len(head), np.float32)])
            rest = joined[CHUNK_SAMPLES:]
            self.parts = [rest] if len(rest) else []
            self.buffered = len(rest)
            head = np.array(head, dtype=np.float32)
            head.flags.writeable = False
            t0 = self.emitted / SAMPLE_RATE
            self.emitted += CHUNK_SAMPLES
            yield head, t0
        self.end = max(self.end, self.emitted)


_STOP = object()


class LiveSource:
    """Microphone (``you``) and loopback (``interviewer``) as an async stream of AudioChunk.

    Devices are chosen here (by number, id or part of the name; None means
    the system default of each kind), so a bad name raises
    :class:`DeviceError` before any model loads. Capture starts at the first
    ``__anext__``, so reset the session clock before iterating; ``t0`` is
    clock time. ``stop()`` ends the stream after the audio already captured;
    ``aclose()`` releases the devices; ``stop_after_s`` ends the stream at
    that clock time (``listen --duration``). Use it as::

        async with LiveSource(mic="USB", loopback=None, clock=clock) as source:
            async for chunk in source:
                ...
    """

    speakers: tuple[Speaker, ...] = ("interviewer", "you")

    def __init__(
        self,
        *,
        mic: str | None = None,
        loopback: str | None = None,
        clock: SessionClock | None = None,
        backend: Backend | None = None,
        block_s: float = BLOCK_S,
        stop_after_s: float | None = None,
        speakers: tuple[Speaker, ...] = ("interviewer", "you"),
    ) -> None:
        """``speakers=("you",)`` captures the microphone alone (practice)."""
        self.speakers = speakers
        self.backend = backend or backend_for_platform()
        self.clock = clock or SessionClock()
        self._block_s = block_s
        self._stop_after_s = stop_after_s
        try:
            devices = list_devices(self.backend)
        except AudioError:
            raise
        except Exception as err:
            raise AudioError(
                f"cannot list audio devices through {self.backend.name} ({err}); "
                "is the sound system running?"
            ) from err
        self.available = devices
        """Every device listed when the source was made (for messages and ``--save``)."""
        self.devices: dict[Speaker, Device] = {}
        if "you" in speakers:
            self.devices["you"] = select_device(
                devices, mic, "input", missing_hint=self.backend.missing_hint("input")
            )
        if "interviewer" in speakers:
            self.devices["interviewer"] = select_device(
                devices, loopback, "loopback", missing_hint=self.backend.missing_hint("loopback")
            )
            self.devices = {"interviewer": self.devices.pop("interviewer"), **self.devices}
        if (
            len(self.devices) == 2
            and self.devices["you"].id == self.devices["interviewer"].id
            and (self.devices["you"].kind == self.devices["interviewer"].kind)
        ):
            raise DeviceError(
                f"the microphone and the interviewer's audio are the same device "
                f"({self.devices['you'].name!r}); pick two with --mic and --loopback"
            )
        # One session per device: a second `listen` or app on the same call is refused
        # here, before any model loads (DeviceBusy); released by aclose or at exit.
        what = {"interviewer": "the interviewer's audio", "you": "your microphone"}
        self._locks = lock_devices([
            (self.devices[ch].id, f"{what[ch]} ({self.devices[ch].name!r})")
            for ch in ("interviewer", "you") if ch in self.devices  # the order main locks in
        ])  # fmt: skip
        self._explicit: dict[Speaker, bool] = {
            "you": mic is not None,
            "interviewer": loopback is not None,
        }
        self._threads: list[_Capture] = []
        self._queue: asyncio.Queue[tuple[Speaker, Samples, float, bool] | object] | None = None
        self._notices: list[tuple[Literal["info", "warning"], str]] = []
        self._gen: AsyncGenerator[AudioChunk, None] | None = None
        self._stopped = False
        self._closed = False
        self._paused = False

    # -- control ---------------------------------------------------------------
    def stop(self) -> None:
        """End the stream after what was captured (call on the loop's thread: Ctrl-C)."""
        self._stopped = True
        if self._queue is not None:
            self._queue.put_nowait(_STOP)

    def drain_notices(self) -> list[tuple[Literal["info", "warning"], str]]:
        """Device events since the last call (lost, reconnected, switched), oldest first."""
        out, self._notices = self._notices, []
        return out

    def set_paused(self, paused: bool) -> None:
        """Paused: every device is closed (no stream open on the sound server) until resumed.

        A paused user expects nothing to listen, not a stream whose audio is dropped. Each
        capture thread notices within one block read (``BLOCK_S``) and closes its stream;
        resuming reopens the same devices at once, and the time away becomes silence on
        the session clock like any reconnection.
        """
        self._paused = paused
        for thread in self._threads:
            if paused:
                thread.paused.set()
            else:
                thread.paused.clear()
            thread.wake.set()

    def open_devices(self) -> dict[Speaker, Device]:
        """The devices with a stream open now, by channel (empty while paused or stopped)."""
        return {t.channel: t.current for t in self._threads if t.current is not None}

    def current_device(self, channel: Speaker) -> Device | None:
        """The device a channel is reading now (None while it reconnects or before start)."""
        for thread in self._threads:
            if thread.channel == channel:
                return thread.current
        return None

    # -- iteration -------------------------------------------------------------
    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AudioChunk:
        if self._closed or (self._stopped and self._gen is None):
            raise StopAsyncIteration
        if self._gen is None:
            self._gen = self._chunks()
        return await anext(self._gen)

    async def aclose(self) -> None:
        """Stop capturing and release both devices; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        gen, self._gen = self._gen, None
        if gen is not None:
            await gen.aclose()
        self._halt()
        for thread in self._threads:
            # A driver can block a read for as long as nothing plays (WASAPI
            # loopback); the thread is a daemon and closes its device when the
            # read returns, so do not hold the session's end hostage to it.
            await asyncio.to_thread(thread.join, 1.5)
            if thread.is_alive():
                log.info("capture %s: device still in a read; released when it returns",
                         thread.channel)  # fmt: skip
        for lock in self._locks:
            lock.release()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _halt(self) -> None:
        for thread in self._threads:
            thread.halt.set()
            thread.wake.set()

    def _start(self) -> asyncio.Queue[tuple[Speaker, Samples, float, bool] | object]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[Speaker, Samples, float, bool] | object] = asyncio.Queue()
        self._queue = queue

        def deliver(channel: Speaker, samples: Samples, stamp: float, fresh: bool) -> None:
            # RuntimeError: the loop is closing and nobody listens any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, (channel, samples, stamp, fresh))

        def report(level: Literal["info", "warning"], message: str) -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._notices.append, (level, message))

        for channel in self.speakers:
            thread = _Capture(
                channel, self.backend, self.devices[channel], explicit=self._explicit[channel],
                clock=self.clock, deliver=deliver, report=report, block_s=self._block_s,
            )  # fmt: skip
            if self._paused:
                thread.paused.set()  # started paused: nothing opens until resumed
            self._threads.append(thread)
            thread.start()
        log.info("capture started on %d devices", len(self._threads))
        return queue

    async def _chunks(self) -> AsyncGenerator[AudioChunk, None]:
        queue = self._start()
        if self._stopped:
            queue.put_nowait(_STOP)
        timelines = {channel: _Timeline() for channel in self.speakers}
        threads = {thread.channel: thread for thread in self._threads}
        try:
            while True:
                try:
                    async with asyncio.timeout(TICK_S):
                        items = [await queue.get()]
                except TimeoutError:
                    items = []
                while not queue.empty():
                    items.append(queue.get_nowait())
                stop = False
                for item in items:
                    if item is _STOP:
                        stop = True
                        continue
                    channel, samples, stamp, fresh = item  # type: ignore[misc]
                    timelines[channel].add(samples, stamp, fresh)
                now = self.clock.now()
                if self._stop_after_s is not None and now >= self._stop_after_s:
                    stop = True
                for channel, timeline in timelines.items():
                    if not stop:
                        timeline.fill(now, threads[channel].streaming)
                    for samples, t0 in timeline.chunks(pad=stop):
                        yield AudioChunk(channel, samples, t0)
                if stop:
                    return
        finally:
            self._halt()


# -- one-second level test -----------------------------------------------------


def measure_levels(
    backend: Backend, devices: Sequence[Device], seconds: float = 1.0
) -> dict[int, float | None]:
    """RMS level (dBFS) of each device over ``seconds``, all at once; None if it cannot be read.

    For ``cuecard devices --test``: the user speaks and plays something, and
    sees which devices hear it before the interview, not during it.
    """
    results: dict[int, float | None] = {d.index: None for d in devices}
    frames = round(CAPTURE_RATE * BLOCK_S)

    def measure(device: Device) -> None:
        try:
            stream = backend.open(device, CAPTURE_RATE, frames)
        except Exception as err:
            log.info("level test: cannot open a device (%s)", type(err).__name__)
            return
        try:
            total, count = 0.0, 0
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                block = clean(stream.read())
                total += float(np.sum(np.square(block, dtype=np.float64)))
                count += block.size
            rms = (total / count) ** 0.5 if count else 0.0
            results[device.index] = round(20 * np.log10(rms), 1) if rms > 1e-10 else -100.0
        except Exception as err:
            log.info("level test: a device failed (%s)", type(err).__name__)
        finally:
            try:
                stream.close()
            except Exception as err:
                log.debug("level test: close failed (%s)", type(err).__name__)

    threads = [threading.Thread(target=measure, args=(d,), daemon=True) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 5.0)
    return results
