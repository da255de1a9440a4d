"""FileSource: who is on which channel, chunk shape and timing, pacing, and bad input."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.signals import peak_hz, tone
from cuecard.audio.errors import AudioError
from cuecard.audio.sources import CHUNK_S, CHUNK_SAMPLES, FileSource
from cuecard.clock import SessionClock
from cuecard.events import AudioChunk

pytestmark = pytest.mark.anyio


async def collect(source: FileSource) -> list[AudioChunk]:
    async with source:
        return [chunk async for chunk in source]


def channel(chunks: list[AudioChunk], who: str) -> np.ndarray:
    return np.concatenate([c.samples for c in chunks if c.channel == who])


def check_stream_shape(chunks: list[AudioChunk]) -> None:
    """512 float32 samples each (one VAD window), t0 exactly 32 ms apart per channel, time order."""
    last: dict[str, int] = {}
    previous_t0 = -1.0
    for chunk in chunks:
        assert chunk.samples.shape == (CHUNK_SAMPLES,)
        assert chunk.samples.dtype == np.float32
        assert not chunk.samples.flags.writeable
        index = round(chunk.t0 / CHUNK_S)
        assert chunk.t0 == index * CHUNK_SAMPLES / 16_000
        assert index == last.get(chunk.channel, -1) + 1
        last[chunk.channel] = index
        assert chunk.t0 >= previous_t0
        previous_t0 = chunk.t0


async def test_stereo_file_left_is_interviewer_right_is_you(
    stereo_tone: Callable[..., Path],
) -> None:
    source = FileSource(stereo_tone("call.wav", rate=48_000, seconds=1.0), realtime=False)
    assert source.speakers == ("interviewer", "you")
    assert source.duration_s == pytest.approx(1.0)
    chunks = await collect(source)
    check_stream_shape(chunks)
    assert [c.channel for c in chunks[:4]] == ["interviewer", "you", "interviewer", "you"]
    assert [c.t0 for c in chunks[:4]] == [0.0, 0.0, 0.032, 0.032]
    interviewer, you = channel(chunks, "interviewer"), channel(chunks, "you")
    assert len(interviewer) == len(you) == 32 * CHUNK_SAMPLES  # 16 000 samples, last padded
    assert abs(peak_hz(interviewer[:16_000], 16_000) - 440) < 2
    assert abs(peak_hz(you[:16_000], 16_000) - 1000) < 2
    assert not interviewer[16_000:].any()  # the padding is silence


async def test_real_stereo_recording_keeps_each_channel_intact(testdata: Path) -> None:
    path = testdata / "stereo_diarization.wav"
    chunks = await collect(FileSource(path, realtime=False))
    check_stream_shape(chunks)
    original, _ = sf.read(path, dtype="float32")
    n = len(original)
    np.testing.assert_array_equal(channel(chunks, "interviewer")[:n], original[:, 0])
    np.testing.assert_array_equal(channel(chunks, "you")[:n], original[:, 1])


async def test_mono_file_defaults_to_interviewer(testdata: Path) -> None:
    source = FileSource(testdata / "beckett.wav", realtime=False)
    assert source.speakers == ("interviewer",)
    chunks = await collect(source)
    assert {c.channel for c in chunks} == {"interviewer"}
    frames = sf.info(str(testdata / "beckett.wav")).frames
    assert len(chunks) == -(-frames // CHUNK_SAMPLES)  # every sample, the last chunk padded


async def test_mono_file_for_a_chosen_speaker_resampled(testdata: Path) -> None:
    source = FileSource(testdata / "two_cities.wav", speaker="you", realtime=False)
    assert source.speakers == ("you",)
    assert source.duration_s == pytest.approx(44.4, abs=0.05)
    chunks = await collect(source)
    check_stream_shape(chunks)
    assert {c.channel for c in chunks} == {"you"}
    assert chunks[-1].t1 == pytest.approx(44.4, abs=CHUNK_S)


async def test_stereo_file_for_one_speaker_is_mixed_down(tmp_path: Path) -> None:
    left, right = tone(440, 1.0, 16_000), tone(440, 1.0, 16_000, amplitude=0.1)
    path = tmp_path / "me.wav"
    sf.write(path, np.stack([left, right], 1), 16_000, subtype="FLOAT")
    chunks = await collect(FileSource(path, speaker="you", realtime=False))
    np.testing.assert_allclose(channel(chunks, "you")[:16_000], (left + right) / 2, atol=1e-6)


async def test_one_file_per_speaker_shorter_one_ends_early(tmp_path: Path) -> None:
    interviewer = tmp_path / "them.flac"
    you = tmp_path / "me.ogg"
    sf.write(interviewer, tone(440, 2.0, 8_000), 8_000)
    sf.write(you, tone(1000, 1.0, 44_100), 44_100, format="OGG", subtype="VORBIS")
    source = FileSource(interviewer=interviewer, you=you, realtime=False)
    assert source.speakers == ("interviewer", "you")
    assert source.duration_s == pytest.approx(2.0)
    chunks = await collect(source)
    check_stream_shape(chunks)
    them, me = channel(chunks, "interviewer"), channel(chunks, "you")
    assert len(them) == 63 * CHUNK_SAMPLES  # 2 s
    assert len(me) == 32 * CHUNK_SAMPLES  # 1 s
    assert abs(peak_hz(them[:32_000], 16_000) - 440) < 2
    assert abs(peak_hz(me[:16_000], 16_000) - 1000) < 2
    # after 1 s only the interviewer goes on
    assert {c.channel for c in chunks if c.t0 > 1.05} == {"interviewer"}


async def test_only_one_per_speaker_file(testdata: Path) -> None:
    source = FileSource(you=testdata / "jfk.flac", realtime=False)
    assert source.speakers == ("you",)
    chunks = await collect(source)
    assert chunks[-1].t1 == pytest.approx(11.0, abs=CHUNK_S)


async def test_broken_samples_come_out_clean(tmp_path: Path) -> None:
    data = tone(440, 0.5, 16_000) * 4  # clipped
    data[::97] = np.nan
    data[::89] = np.inf
    path = tmp_path / "broken.wav"
    sf.write(path, data, 16_000, subtype="FLOAT")
    chunks = await collect(FileSource(path, realtime=False))
    samples = channel(chunks, "interviewer")
    assert np.isfinite(samples).all()
    assert np.abs(samples).max() == 1.0


async def test_realtime_paces_to_the_session_clock(stereo_tone: Callable[..., Path]) -> None:
    clock = SessionClock()
    start = time.monotonic()
    late = []
    async with FileSource(stereo_tone(seconds=1.0), clock=clock) as source:
        async for chunk in source:
            now = clock.now()
            assert now >= chunk.t1  # never ahead of a live call
            late.append(now - chunk.t1)
    elapsed = time.monotonic() - start
    assert elapsed >= 1.0 and elapsed < 1.5
    assert np.median(late) < 0.02


async def test_fast_mode_is_fast_and_lets_other_tasks_run(tmp_path: Path) -> None:
    path = tmp_path / "minute.flac"
    sf.write(path, tone(300, 60.0, 16_000), 16_000)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    start = time.monotonic()
    chunks = await collect(FileSource(path, realtime=False))
    elapsed = time.monotonic() - start
    task.cancel()
    assert len(chunks) == 60 * 16_000 // CHUNK_SAMPLES  # 1875
    assert elapsed < 5.0  # 60 s of audio; real time would take 60
    assert ticks >= len(chunks) // 8 - 1  # the loop got a turn at least every 8 chunks


async def test_aclose_mid_stream_ends_iteration(stereo_tone: Callable[..., Path]) -> None:
    source = FileSource(stereo_tone(seconds=1.0), realtime=False)
    seen = 0
    async for _ in source:
        seen += 1
        if seen == 5:
            break
    await source.aclose()
    await source.aclose()  # twice is fine
    assert [c async for c in source] == []
    assert all(feed._closed for feed in source._feeds)


async def test_cancelling_a_realtime_consumer_closes_the_files(
    stereo_tone: Callable[..., Path],
) -> None:
    source = FileSource(stereo_tone(seconds=5.0))
    got: list[AudioChunk] = []

    async def consume() -> None:
        async with source:
            async for chunk in source:
                got.append(chunk)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(got) < 30
    assert all(feed._closed for feed in source._feeds)


async def test_aclose_from_another_task_stops_the_consumer(
    stereo_tone: Callable[..., Path],
) -> None:
    source = FileSource(stereo_tone(seconds=5.0))
    got: list[AudioChunk] = []

    async def consume() -> None:
        async for chunk in source:
            got.append(chunk)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.2)
    await source.aclose()
    closed_at = len(got)
    await asyncio.wait_for(task, timeout=1.0)  # ends by itself, no cancel needed
    assert 0 < closed_at < 30
    assert len(got) <= closed_at + 1
    assert all(feed._closed for feed in source._feeds)


async def test_two_hours_stream_in_flat_memory(tmp_path: Path) -> None:
    """Two hours at 8 kHz is 230 MB as float32 (460 MB at 16 kHz): it must never be whole."""
    path = tmp_path / "two_hours.flac"
    minute = np.zeros(8_000 * 60, np.int16)
    with sf.SoundFile(path, "w", 8_000, 1, format="FLAC", subtype="PCM_16") as out:
        for _ in range(120):
            out.write(minute)

    def rss_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 1e6

    before = peak = rss_mb()
    count = 0
    last_t0 = -1.0
    async with FileSource(path, realtime=False) as source:
        assert source.duration_s == 7200.0
        async for chunk in source:
            assert chunk.t0 > last_t0
            last_t0 = chunk.t0
            count += 1
            if count % 5000 == 0:
                peak = max(peak, rss_mb())
    assert count == 7200 * 16_000 // CHUNK_SAMPLES
    assert last_t0 == pytest.approx(7200 - CHUNK_S)
    assert peak - before < 50


def assert_one_line(err: pytest.ExceptionInfo[AudioError], *needles: str) -> None:
    assert "\n" not in str(err.value)
    for needle in needles:
        assert needle in str(err.value), str(err.value)


async def test_six_channels_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "surround.wav"
    sf.write(path, np.zeros((16_000, 6), np.float32), 16_000)
    with pytest.raises(AudioError) as err:
        FileSource(path)
    assert_one_line(err, "surround.wav", "6 channels", "mono or stereo", "--interviewer/--you")
    with pytest.raises(AudioError) as err:
        FileSource(interviewer=path)
    assert_one_line(err, "6 channels")


async def test_bad_files_raise_before_streaming(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    sf.write(good, tone(440, 0.2, 16_000), 16_000)
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n")
    empty = tmp_path / "empty.flac"
    empty.touch()
    with pytest.raises(AudioError) as err:
        FileSource(text)
    assert_one_line(err, "notes.wav", "looks like text")
    with pytest.raises(AudioError) as err:
        FileSource(interviewer=good, you=empty)
    assert_one_line(err, "empty.flac", "empty")
    with pytest.raises(AudioError) as err:
        FileSource(interviewer=tmp_path / "missing.mp3")
    assert_one_line(err, "missing.mp3", "not found")


async def test_argument_combinations_the_cli_can_produce(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    sf.write(good, tone(440, 0.2, 16_000), 16_000)
    with pytest.raises(AudioError) as err:
        FileSource(good, interviewer=good)
    assert_one_line(err, "not both")
    with pytest.raises(AudioError) as err:
        FileSource()
    assert_one_line(err, "no recording")


# -- one voice on both channels (issue 10 item 5) ------------------------------


def speech(testdata: Path, name: str, seconds: float, rate: int = 16_000) -> np.ndarray:
    """Real speech from the shared clips at ``rate``, mono, ``seconds`` long."""
    import soxr

    data, sr = sf.read(testdata / name, dtype="float32", always_2d=True)
    mono = np.asarray(soxr.resample(data.mean(axis=1), sr, rate), dtype=np.float32)
    return mono[: round(seconds * rate)]


async def test_a_stereo_file_with_the_same_voice_on_both_channels_is_one_speaker(
    testdata: Path,
) -> None:
    source = FileSource(testdata / "jfk.flac", realtime=False)
    assert source.speakers == ("interviewer",)
    assert len(source.notices) == 1
    assert "jfk.flac" in source.notices[0] and "one speaker" in source.notices[0]
    chunks = await collect(source)
    assert {c.channel for c in chunks} == {"interviewer"}
    assert chunks[-1].t1 == pytest.approx(11.0, abs=CHUNK_S)  # all of it, nothing peeked away


async def test_nearly_the_same_voice_two_microphones_apart_is_one_speaker(
    tmp_path: Path, testdata: Path
) -> None:
    voice = speech(testdata, "two_cities.wav", 12.0, 44_100)
    delay = 44  # 1 ms: microphones ~30 cm apart
    right = 0.7 * np.concatenate([np.zeros(delay, np.float32), voice[:-delay]])  # -3 dB
    right += np.random.default_rng(1).normal(0, 0.002, len(right)).astype(np.float32)
    path = tmp_path / "phone.wav"
    sf.write(path, np.stack([voice, right], 1), 44_100, subtype="FLOAT")
    source = FileSource(path, realtime=False)
    assert source.speakers == ("interviewer",)
    assert source.notices
    await source.aclose()


@pytest.mark.parametrize(
    "layout", ["two voices", "one side silent", "crosstalk", "heavy crosstalk", "silence"]
)
async def test_a_call_recording_keeps_two_speakers(
    tmp_path: Path, testdata: Path, layout: str
) -> None:
    me = speech(testdata, "beckett.wav", 10.0)
    them = speech(testdata, "two_cities.wav", len(me) / 16_000)
    left, right = {
        "two voices": (them, me),
        "one side silent": (them, np.zeros_like(them)),
        "crosstalk": (them + 0.3 * me, me + 0.3 * them),  # each mic hears the other too
        "heavy crosstalk": (0.6 * (them + 0.5 * me), 0.6 * (me + 0.5 * them)),  # at -6 dB
        "silence": (np.zeros_like(them), np.zeros_like(them)),
    }[layout]
    path = tmp_path / "call.flac"
    sf.write(path, np.stack([left, right], 1), 16_000)
    source = FileSource(path, realtime=False)
    assert source.speakers == ("interviewer", "you")
    assert not source.notices
    chunks = await collect(source)
    n = len(them)
    np.testing.assert_allclose(channel(chunks, "interviewer")[:n], left, atol=1e-4)
    np.testing.assert_allclose(channel(chunks, "you")[:n], right, atol=1e-4)


async def test_a_chosen_speaker_skips_the_check(testdata: Path) -> None:
    source = FileSource(testdata / "jfk.flac", speaker="you", realtime=False)
    assert source.speakers == ("you",)
    assert not source.notices
    await source.aclose()


async def test_stop_ends_the_stream_at_the_next_chunk(stereo_tone: Callable[..., Path]) -> None:
    source = FileSource(stereo_tone(seconds=5.0), realtime=False)
    got = []
    async with source:
        async for chunk in source:
            got.append(chunk)
            if len(got) == 10:
                source.stop()
    assert 10 <= len(got) <= 12


def test_a_chunk_is_one_vad_window() -> None:
    """The VAD judges each window as soon as its chunk arrives, never half a chunk later."""
    from cuecard.speech.vad import WINDOW

    assert CHUNK_SAMPLES == WINDOW
