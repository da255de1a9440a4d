"""The user's vocabulary makes the recogniser write their names and terms (issue 22).

A Piper neural voice reads sentences of the bundled sample profile
(tests/data/speech/terms_sample.ogg, tools/make_test_speech.py); the real tiny.en
pipeline transcribes them with and without the profile's vocabulary as hotwords.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cuecard.events import Event
from cuecard.profile.store import sample_chunks
from cuecard.profile.vocabulary import as_prompt, vocabulary
from cuecard.speech.stage import SpeechOptions

from .conftest import finals
from .test_practice_options import run

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"


def _missed(events: list[Event], meta: dict[str, object]) -> list[str]:
    said = finals(events)
    missed = []
    for turn in meta["turns"]:  # type: ignore[attr-defined]
        t0, t1 = turn["start_s"] - 0.3, turn["end_s"] + 0.3
        heard = " ".join(u.text for u in said if u.start_s < t1 and u.end_s > t0)
        for term in meta["terms"]:  # type: ignore[attr-defined]
            if term in turn["text"] and not re.search(rf"(?<!\w){re.escape(term)}(?!\w)", heard):
                missed.append(term)
    return missed


@pytest.mark.slow
def test_the_profiles_terms_are_heard_more_often_with_the_vocabulary(transcriber) -> None:
    meta = json.loads((SPEECH / "terms_sample.json").read_text(encoding="utf-8"))
    clip = SPEECH / "terms_sample.ogg"
    plain = _missed(run(transcriber, clip, SpeechOptions(), speaker="interviewer"), meta)
    words = as_prompt(vocabulary(sample_chunks()))
    biased = _missed(
        run(transcriber, clip, SpeechOptions(hotwords=words), speaker="interviewer"), meta
    )
    print(f"\nmissed without: {plain}\nmissed with: {biased}")
    assert len(biased) < len(plain)
    assert "Tallyroute" in plain and "Tallyroute" not in biased
