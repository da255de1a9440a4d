"""`cuecard replay` and `cuecard demo` as a user runs them, in a fresh process."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from .conftest import assert_one_line_error, cuecard, json_events


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_demo_fast_json_transcript_contains_the_demo_questions() -> None:
    proc = cuecard("demo", "--fast", "--json")
    assert proc.returncode == 0, proc.stderr
    events = json_events(proc.stdout)
    utterances = [e for e in events if e["type"] == "utterance"]
    assert events[-1]["type"] == "session_end"
    for e in utterances:
        assert set(e) >= {"speaker", "final", "text", "start_s", "end_s", "emitted_s"}
        assert e["speaker"] in ("interviewer", "you")
    interviewer = " ".join(
        e["text"] for e in utterances if e["final"] and e["speaker"] == "interviewer"
    )
    said = words(interviewer)
    for question in (
        "Can you tell me about yourself?",
        "Tell me about a time you had a conflict with a teammate.",
        "How would you design a rate limiter for a public API?",
        "What would you do if production went down during your first week?",
        "Why do you want to work at Northwind?",
    ):
        expected = words(question)
        assert len(expected & said) / len(expected) >= 0.8, (question, interviewer)


def test_mono_file_with_speaker_and_json_schema(testdata: Path) -> None:
    proc = cuecard(
        "replay", str(testdata / "jfk.flac"), "--speaker", "you", "--fast", "--json", "--no-answers"
    )
    assert proc.returncode == 0, proc.stderr
    finals = [e for e in json_events(proc.stdout) if e["type"] == "utterance" and e["final"]]
    assert finals and all(e["speaker"] == "you" for e in finals)
    assert "country" in " ".join(e["text"] for e in finals).lower()
    assert all(e["end_s"] >= e["start_s"] >= 0 for e in finals)


def test_two_files_one_per_speaker(tmp_path: Path, testdata: Path) -> None:
    proc = cuecard(
        "replay",
        "--interviewer",
        str(testdata / "beckett.wav"),
        "--you",
        str(testdata / "jfk.flac"),
        "--fast",
        "--json",
        "--no-answers",
    )
    assert proc.returncode == 0, proc.stderr
    finals = [e for e in json_events(proc.stdout) if e["type"] == "utterance" and e["final"]]
    you = " ".join(e["text"] for e in finals if e["speaker"] == "you").lower()
    them = " ".join(e["text"] for e in finals if e["speaker"] == "interviewer").lower()
    assert "country" in you and "country" not in them
    assert "fail" in them and "fail" not in you


@pytest.mark.parametrize("rate", [8_000, 96_000])
def test_unusual_sample_rates_give_a_correct_result(
    tmp_path: Path, testdata: Path, rate: int
) -> None:
    import soxr

    audio, sr = sf.read(testdata / "beckett.wav", dtype="float32")
    path = tmp_path / f"beckett_{rate}.wav"
    sf.write(path, soxr.resample(audio, sr, rate), rate)
    proc = cuecard("replay", str(path), "--fast", "--json", "--no-answers")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(
        e["text"] for e in json_events(proc.stdout) if e["type"] == "utterance" and e["final"]
    ).lower()
    assert {"tried", "failed", "matter", "again", "better"} <= words(text)


def test_nan_and_clipped_samples_are_cleaned(tmp_path: Path, testdata: Path) -> None:
    audio, sr = sf.read(testdata / "beckett.wav", dtype="float32")
    audio = audio * 4.0  # heavy clipping
    audio[1000:1100] = np.nan
    audio[5000:5010] = np.inf
    path = tmp_path / "broken.wav"
    sf.write(path, audio, sr, subtype="FLOAT")
    proc = cuecard("replay", str(path), "--fast", "--json", "--no-answers")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def _truncated_wav(path: Path, testdata: Path) -> None:
    data = (testdata / "beckett.wav").read_bytes()
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p, t: p.write_bytes(b""), id="empty"),
        pytest.param(
            lambda p, t: p.write_text("these are my interview notes\n" * 20), id="text-named-wav"
        ),
        pytest.param(
            lambda p, t: p.write_bytes(b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + b"\x00" * 8),
            id="header-only",
        ),
        pytest.param(
            lambda p, t: sf.write(p, np.zeros((16000, 6), np.float32), 16000), id="six-channels"
        ),
    ],
)
def test_bad_input_gives_one_line_error(tmp_path: Path, testdata: Path, make) -> None:
    path = tmp_path / "interview.wav"
    make(path, testdata)
    line = assert_one_line_error(cuecard("replay", str(path), "--fast", "--json"))
    assert "interview.wav" in line


def test_truncated_wav_decodes_what_is_there(tmp_path: Path, testdata: Path) -> None:
    path = tmp_path / "cut.wav"
    _truncated_wav(path, testdata)
    proc = cuecard("replay", str(path), "--fast", "--json", "--no-answers")
    if proc.returncode == 0:
        text = " ".join(e["text"] for e in json_events(proc.stdout) if e["type"] == "utterance")
        assert "tried" in text.lower()
    else:
        assert_one_line_error(proc)


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    line = assert_one_line_error(cuecard("replay", str(tmp_path / "nope.wav")))
    assert "nope.wav" in line
    proc = cuecard("replay", "x.wav", "--speaker", "someone")
    assert proc.returncode == 2


@pytest.mark.slow
def test_two_hours_of_silence_streams_with_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "silence.flac"
    rate = 8_000
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, format="FLAC") as fh:
        block = np.zeros(rate * 60, dtype=np.float32)
        for _ in range(120):
            fh.write(block)
    # The peak is read from /proc (VmHWM, this process's own memory): ru_maxrss keeps
    # the parent's resident size across the spawn, so a big pytest process failed it.
    script = (
        "import runpy, sys\n"
        "sys.argv = ['cuecard', 'replay', sys.argv[1], '--fast', '--json', '--no-answers']\n"
        "try:\n    runpy.run_module('cuecard', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print('RSS', hwm.split()[1], file=sys.stderr)\n"
    )
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=600
    )
    events = json_events(proc.stdout)
    assert not [e for e in events if e["type"] == "utterance"]
    assert events[-1]["type"] == "session_end" and events[-1]["audio_s"] > 7190
    rss_mb = int(proc.stderr.split("RSS")[-1]) / 1024
    # 2 h of 16 kHz float32 would be 460 MB; the model and libraries need ~350 MB.
    assert rss_mb < 600, rss_mb


def test_bad_config_value_names_the_key_and_allowed_values(cuecard_home: Path) -> None:
    cfg = cuecard_home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text('[speech]\ncompute_type = "fp8"\n')
    line = assert_one_line_error(cuecard("config", "show"))
    assert "speech.compute_type" in line and "int8" in line
    cfg.write_text('[speech]\nmodle = "tiny.en"\n')
    assert "speech.modle" in assert_one_line_error(cuecard("config", "show"))


def test_first_run_writes_a_commented_config_without_secrets(cuecard_home: Path) -> None:
    proc = cuecard("config", "path")
    assert proc.returncode == 0
    proc = cuecard("config", "show", "--json")
    assert proc.returncode == 0 and '"model": "tiny.en"' in proc.stdout
    assert not (cuecard_home / "config" / "config.toml").exists()  # reading creates nothing
    assert cuecard("ask", "Why this role?").returncode == 0  # the first real use writes it
    written = (cuecard_home / "config" / "config.toml").read_text()
    assert "keychain" in written and "key =" not in written
