"""tiny.en and non-English speech: one clear line naming the model to switch to (issue 22).

Real tiny.en on real audio: Spanish (espeak-ng; no Spanish neural voice ships on PyPI)
gets one warning; English from a neural voice, and the robotic espeak-ng English of the
demo, get none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cuecard import paths
from cuecard.events import Notice

from .conftest import transcribe_file

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"


def _warnings(events: list[object]) -> list[str]:
    return [e.message for e in events if isinstance(e, Notice) and "English only" in e.message]


@pytest.mark.slow
def test_spanish_with_tiny_en_says_which_model_to_use_once(transcriber) -> None:
    events = transcribe_file(transcriber, SPEECH / "interviewer_es.ogg", speaker="interviewer")
    (line,) = _warnings(events)
    assert line.startswith("tiny.en understands English only")
    assert "speech.model = base" in line and "--language" in line


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["neural", "demo"])
def test_english_is_never_told_it_is_not_english(transcriber, clip: str) -> None:
    path = SPEECH / "terms_sample.ogg" if clip == "neural" else paths.demo_recording()
    events = transcribe_file(
        transcriber, path, **({"speaker": "interviewer"} if clip == "neural" else {})
    )
    assert _warnings(events) == []
