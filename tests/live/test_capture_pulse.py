"""LiveSource in this process against the real PulseAudio server (no speech model needed)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cuecard.audio.capture import LiveSource
from cuecard.audio.sources import CHUNK_SAMPLES
from cuecard.events import SAMPLE_RATE, AudioChunk
from live.pulse_server import PulseServer


@pytest.mark.anyio
async def test_the_microphone_unplugged_is_silence_not_another_device_then_it_comes_back(
    fresh_pulse: PulseServer, testdata: Path
) -> None:
    """PulseAudio would move the stream to another source (the call's monitor, say): it must not."""
    pulse = fresh_pulse
    source = LiveSource(mic="Virtual Mic", loopback="Call Audio")
    got: dict[str, list[AudioChunk]] = {"you": [], "interviewer": []}
    marks: dict[str, float] = {}

    def script() -> None:
        pulse.wait_until(lambda: pulse.recording_streams() >= 2, 10, "capture")
        time.sleep(1.0)
        pulse.unload_sink("micfeed")  # takes virtmic with it
        marks["unplugged"] = source.clock.now()
        player = pulse.play("call", testdata / "beckett.wav")  # the call goes on meanwhile
        time.sleep(3.0)
        pulse.load_sink("micfeed")
        pulse.wait_until(lambda: pulse.recording_from("virtmic") == 1, 10, "virtmic again")
        marks["back"] = source.clock.now()
        time.sleep(1.5)
        marks["talk"] = source.clock.now()
        talk = pulse.play("micfeed", testdata / "jfk.flac")
        time.sleep(3.0)
        for proc in (player, talk):  # nothing may keep playing into the next test
            proc.kill()
            proc.wait()
        marks["end"] = source.clock.now()

    worker = threading.Thread(target=script, daemon=True)
    source.clock.reset()
    async with source:
        worker.start()
        async for chunk in source:
            got[chunk.channel].append(chunk)
            if "end" in marks:
                break
    await asyncio.to_thread(worker.join, 5)

    for chunks in got.values():
        t0s = np.array([c.t0 for c in chunks])
        assert np.allclose(np.diff(t0s), CHUNK_SAMPLES / SAMPLE_RATE), "no jumps, no overlaps"
        assert marks["end"] - chunks[-1].t1 < 0.6

    def loud(chunks: list[AudioChunk], t0: float, t1: float) -> float:
        part = [np.abs(c.samples).max() for c in chunks if t0 <= c.t0 < t1]
        return float(max(part, default=0.0))

    you, them = got["you"], got["interviewer"]
    assert loud(them, marks["unplugged"] + 0.5, marks["back"]) > 0.05, "the call was heard"
    assert loud(you, marks["unplugged"] + 0.5, marks["back"]) == 0.0, "no other device's sound"
    assert loud(you, marks["talk"] + 0.5, marks["end"]) > 0.05, "the microphone is back"
    notices = [m for _, m in source.drain_notices()]
    assert any("lost the device for your microphone" in m for m in notices), notices
