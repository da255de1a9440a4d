"""``--language`` on every command that listens (issue 22), in a fresh process each.

tiny.en, the default, understands English only: a non-English interview gets one line
naming the model to switch to, before any audio is read; a code Whisper does not know is
a usage error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import assert_one_line_error, cuecard, json_events

DATA = Path(__file__).resolve().parents[1] / "data"


def test_replay_in_english_by_flag() -> None:
    proc = cuecard("replay", str(DATA / "jfk.flac"), "--speaker", "interviewer", "--fast",
                   "--json", "--no-answers", "--language", "en")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    said = " ".join(e["text"] for e in json_events(proc.stdout) if e["type"] == "utterance")
    assert "country" in said.lower()


@pytest.mark.parametrize(
    "command",
    [
        ["replay", str(DATA / "jfk.flac"), "--fast", "--no-answers"],
        ["demo", "--fast", "--no-answers"],
        [
            "practice",
            "--answers",
            str(DATA / "jfk.flac"),
            "--fast",
            "--no-voice",
            "--sample",
            "--count",
            "1",
        ],
    ],
)
def test_a_non_english_interview_with_tiny_en_says_which_model_to_use(command: list[str]) -> None:
    line = assert_one_line_error(cuecard(*command, "--language", "es"))
    assert "tiny.en understands English only" in line
    assert "speech.model = base" in line


@pytest.mark.parametrize("command", [["replay", str(DATA / "jfk.flac")], ["demo"], ["listen"],
                                     ["practice", "--sample"]])  # fmt: skip
def test_a_language_whisper_does_not_know_is_a_usage_error(command: list[str]) -> None:
    proc = cuecard(*command, "--language", "klingon")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.strip().startswith("cuecard: --language 'klingon'")
    assert "Traceback" not in proc.stderr
