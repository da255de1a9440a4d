"""Speaker edge cases of `cuecard replay`, as a user runs it (issue 10 item 5).

One voice on both channels of a stereo file, a recording in which nobody
speaks, and Ctrl-C in the middle of a session (``session_end`` must still be
the last JSON line, as README.md promises).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from .conftest import assert_one_line_error, cuecard, json_events


def test_a_stereo_file_with_one_voice_on_both_channels_is_transcribed_once(
    testdata: Path,
) -> None:
    proc = cuecard("replay", str(testdata / "jfk.flac"), "--fast", "--json", "--no-answers")
    assert proc.returncode == 0, proc.stderr
    events = json_events(proc.stdout)
    finals = [e for e in events if e["type"] == "utterance" and e["final"]]
    assert finals and {e["speaker"] for e in finals} == {"interviewer"}
    words = re.findall(r"[a-z']+", " ".join(e["text"] for e in finals).lower())
    assert words.count("americans") == 1, words  # each line once, not once per channel
    assert " ".join(words).count("what your country can do") == 1, words
    notices = [e for e in events if e["type"] == "notice"]
    assert any("one speaker" in e["message"] and e["level"] == "info" for e in notices), notices
    assert events[-1]["type"] == "session_end"


def test_a_recording_in_which_nobody_speaks_says_so(tmp_path: Path) -> None:
    path = tmp_path / "quiet room.wav"
    noise = np.random.default_rng(0).normal(0, 0.001, (3 * 16_000, 2)).astype(np.float32)
    sf.write(path, noise, 16_000)
    proc = cuecard("replay", str(path), "--fast", "--json")
    line = assert_one_line_error(proc)
    assert line == f"cuecard: no speech found in {path}"
    events = json_events(proc.stdout)
    assert events[-1]["type"] == "session_end"
    assert not [e for e in events if e["type"] == "utterance"]
    plain = cuecard("replay", str(path), "--fast", "--no-answers")
    assert assert_one_line_error(plain) == f"cuecard: no speech found in {path}"


def read_until(proc: subprocess.Popen[str], wanted: str, timeout: float) -> list[dict[str, Any]]:
    """JSON events from ``proc`` up to the first of type ``wanted`` (the process keeps running)."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    events: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            events.append(json.loads(line))
            if events[-1]["type"] == wanted:
                return events
    finally:
        timer.cancel()
    raise AssertionError(f"no {wanted} event before the stream ended: {events}")


def test_ctrl_c_mid_session_still_ends_the_json_stream_with_session_end() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cuecard", "demo", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        before = read_until(proc, "question", timeout=120)  # ~13 s into the interview
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    after = json_events(stdout)
    assert proc.returncode == 130, stderr
    assert "stopped." in stderr and "Traceback" not in stderr
    events = before + after
    assert events[-1]["type"] == "session_end", events[-3:]
    assert [e["type"] for e in events].count("session_end") == 1
    assert events[-1]["audio_s"] < 30, "stopped mid-interview, not at its end (61 s)"


def test_a_recording_that_stops_decoding_halfway_is_one_line_and_a_complete_stream(
    tmp_path: Path,
) -> None:
    from cuecard import paths

    cut = tmp_path / "cut.flac"
    data = paths.demo_recording().read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.75)])  # decodes for ~45 s, then loses sync
    proc = cuecard("replay", str(cut), "--fast", "--json", "--no-answers")
    line = assert_one_line_error(proc)
    assert "could not decode audio after" in line and "damaged" in line
    events = json_events(proc.stdout)
    assert events[-1]["type"] == "session_end" and events[-1]["audio_s"] > 20
