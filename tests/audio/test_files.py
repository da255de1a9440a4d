"""Opening recordings: every format, the shared real speech, and every kind of bad file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from audio.signals import peak_hz, tone, write_av
from cuecard.audio.errors import AudioError
from cuecard.audio.files import DEMO_RECORDING, clean, open_recording


def read_all(path: Path, block: int = 4096) -> tuple[np.ndarray, int]:
    with open_recording(path) as rec:
        blocks = list(rec.blocks(block))
        assert all(0 < len(b) <= block for b in blocks)
        assert all(b.dtype == np.float32 and b.ndim == 2 for b in blocks)
        return np.concatenate(blocks), rec.sample_rate


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("tone.wav", {"subtype": "PCM_16"}),
        ("tone24.wav", {"subtype": "PCM_24"}),
        ("float.wav", {"subtype": "FLOAT"}),
        ("tone.flac", {}),
        ("tone.ogg", {"format": "OGG", "subtype": "VORBIS"}),
        ("tone.mp3", {"format": "MP3", "subtype": "MPEG_LAYER_III"}),
    ],
)
def test_libsndfile_formats_decode_with_channels_in_order(
    stereo_tone: Callable[..., Path], name: str, kwargs: dict[str, str]
) -> None:
    path = stereo_tone(name, rate=44_100, seconds=1.0, **kwargs)
    data, rate = read_all(path)
    assert rate == 44_100
    assert data.shape[1] == 2
    # lossy codecs may add priming/padding, never lose the second
    assert 44_100 <= len(data) <= 44_100 + 4096
    assert abs(peak_hz(data[:, 0], rate) - 440) < 3
    assert abs(peak_hz(data[:, 1], rate) - 1000) < 3


@pytest.mark.parametrize(
    ("name", "fmt", "codec", "rate"),
    [
        ("tone.m4a", "mp4", "aac", 44_100),
        ("tone.webm", "webm", "libopus", 48_000),
        ("tone.mka", "matroska", "mp3", 44_100),  # MP3 in a container libsndfile cannot open
    ],
)
def test_ffmpeg_fallback_reads_what_libsndfile_cannot(
    tmp_path: Path, name: str, fmt: str, codec: str, rate: int
) -> None:
    data = np.stack([tone(440, 1.0, rate), tone(1000, 1.0, rate)], axis=1)
    path = write_av(tmp_path / name, data, rate, fmt, codec)
    with pytest.raises(sf.LibsndfileError):
        sf.info(str(path))  # the fallback really is needed for this file
    with open_recording(path) as rec:
        assert (rec.channels, rec.sample_rate) == (2, rate)
        assert rec.duration_s is not None
        assert rec.duration_s == pytest.approx(1.0, abs=0.1)
    decoded, got_rate = read_all(path)
    assert got_rate == rate
    assert rate * 0.99 <= len(decoded) <= rate * 1.1
    assert abs(peak_hz(decoded[:, 0], rate) - 440) < 3
    assert abs(peak_hz(decoded[:, 1], rate) - 1000) < 3
    assert np.abs(decoded).max() <= 1.0


@pytest.mark.parametrize(
    ("name", "rate", "channels", "seconds"),
    [
        ("beckett.wav", 16_000, 1, 10.0),
        ("two_cities.wav", 48_000, 1, 44.4),
        ("jfk.flac", 44_100, 2, 11.0),  # stereo, though the README says mono
        ("stereo_diarization.wav", 16_000, 2, 5.0),
    ],
)
def test_shared_speech_files_open_with_their_real_shape(
    testdata: Path, name: str, rate: int, channels: int, seconds: float
) -> None:
    path = testdata / name
    with open_recording(path) as rec:
        assert (rec.sample_rate, rec.channels) == (rate, channels)
        assert rec.duration_s == pytest.approx(seconds, abs=0.05)
    data, _ = read_all(path, block=rate // 2)
    expected, _ = sf.read(path, dtype="float32", always_2d=True)
    np.testing.assert_array_equal(data, expected)


def test_bundled_demo_recording_opens() -> None:
    with open_recording(DEMO_RECORDING) as rec:
        assert (rec.sample_rate, rec.channels) == (16_000, 2)


def test_nan_inf_and_overrange_samples_are_cleaned(tmp_path: Path) -> None:
    data = np.array([[0.5, np.nan], [np.inf, -np.inf], [3.0, -7.5], [-0.25, 1.0]], np.float32)
    path = tmp_path / "broken.wav"
    sf.write(path, data, 16_000, subtype="FLOAT")
    got, _ = read_all(path)
    np.testing.assert_array_equal(
        got, np.array([[0.5, 0.0], [0.0, 0.0], [1.0, -1.0], [-0.25, 1.0]], np.float32)
    )


def test_clean_never_changes_good_samples() -> None:
    good = np.linspace(-1, 1, 101, dtype=np.float32).reshape(-1, 1)
    np.testing.assert_array_equal(clean(good.copy()), good)


def test_truncated_wav_decodes_what_is_there(tmp_path: Path) -> None:
    full = tmp_path / "full.wav"
    sf.write(full, tone(440, 2.0, 16_000), 16_000, subtype="PCM_16")
    raw = full.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(raw[: len(raw) // 2])  # the header still promises 2 s
    data, rate = read_all(cut)
    assert rate == 16_000
    assert len(data) == (len(raw) // 2 - 44) // 2  # every whole sample after the header
    assert abs(peak_hz(data[:, 0], rate) - 440) < 3


def test_a_large_file_is_read_in_bounded_blocks(tmp_path: Path) -> None:
    path = tmp_path / "minute.flac"
    sf.write(path, tone(300, 60.0, 8_000), 8_000)
    with open_recording(path) as rec:
        sizes = [len(b) for b in rec.blocks(4_000)]
    assert sum(sizes) == 480_000
    assert max(sizes) == 4_000


def assert_one_line(err: pytest.ExceptionInfo[AudioError], *needles: str) -> None:
    message = str(err.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as err:
        open_recording(tmp_path / "nope.wav")
    assert_one_line(err, "nope.wav", "not found")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    with pytest.raises(AudioError) as err:
        open_recording(path)
    assert_one_line(err, "empty.wav", "empty (0 bytes)")


def test_a_folder_is_not_a_recording(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as err:
        open_recording(tmp_path)
    assert_one_line(err, "folder")


def test_text_file_named_wav(tmp_path: Path) -> None:
    path = tmp_path / "interview.wav"
    path.write_text("Interviewer: tell me about yourself.\nMe: sure...\n" * 20)
    with pytest.raises(AudioError) as err:
        open_recording(path)
    assert_one_line(err, "interview.wav", "not an audio file", "looks like text", "WAV, FLAC")


def test_subtitles_named_mp3(tmp_path: Path) -> None:
    """FFmpeg would parse this as a subtitle stream; it is still text, not a recording."""
    path = tmp_path / "call.mp3"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nTell me about yourself.\n\n")
    with pytest.raises(AudioError) as err:
        open_recording(path)
    assert_one_line(err, "call.mp3", "looks like text")


def test_pdf_named_wav(tmp_path: Path) -> None:
    path = tmp_path / "resume.wav"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(AudioError) as err:
        open_recording(path)
    assert_one_line(err, "resume.wav", "looks like a PDF")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 20_000, np.uint8).tobytes())
    try:
        with open_recording(path) as rec:  # FFmpeg may find "MP3 frames" in noise: fine
            for block in rec.blocks(4096):
                assert np.isfinite(block).all()
                assert np.abs(block).max() <= 1.0
    except AudioError as err:
        assert "\n" not in str(err)
        assert "noise.mp3" in str(err)


def test_header_only_wav_has_no_samples(tmp_path: Path) -> None:
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros((0, 1), np.float32), 16_000)
    with pytest.raises(AudioError) as err:
        open_recording(path)
    assert_one_line(err, "silent.wav", "no audio samples")


def test_video_without_sound(tmp_path: Path) -> None:
    path = tmp_path / "screen.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"  # type: ignore[attr-defined]
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):  # type: ignore[attr-defined]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[attr-defined]
            container.mux(packet)
    with pytest.raises(AudioError) as err:
        open_recording(path)
    assert_one_line(err, "screen.mp4", "no audio stream")


def test_six_channels_open_as_they_are(tmp_path: Path) -> None:
    """The reader reports what the file holds; FileSource decides it is too many."""
    path = tmp_path / "surround.wav"
    sf.write(path, np.zeros((1600, 6), np.float32), 16_000)
    with open_recording(path) as rec:
        assert rec.channels == 6
