"""The real tiny.en model through the real pipeline, on real speech."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import pytest

from cuecard.events import Utterance

from .conftest import finals, transcribe_file


def normalise(text: str) -> str:
    text = text.lower().replace("–", " ").replace("-", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text)).strip()


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


@pytest.mark.parametrize("clip", ["beckett", "two_cities", "jfk"])
def test_clip_transcribes_within_wer_bound(transcriber, testdata: Path, clip: str) -> None:
    audio = next(testdata.glob(f"{clip}.*[!t]"))  # .wav or .flac, not .txt
    events = transcribe_file(transcriber, audio, speaker="interviewer")
    text = " ".join(u.text for u in finals(events))
    reference = (testdata / f"{clip}.txt").read_text()
    assert wer(reference, text) <= 0.15, text


def test_two_channels_are_attributed_in_order_with_stable_partials(transcriber, testdata) -> None:
    # Real-time pacing, so partials appear while each person speaks.
    events = transcribe_file(transcriber, testdata / "stereo_diarization.wav", realtime=True)
    utterances = [e for e in events if isinstance(e, Utterance)]
    by_speaker = {
        who: " ".join(u.text for u in finals(events) if u.speaker == who)
        for who in ("interviewer", "you")
    }
    left = (testdata / "stereo_diarization.left.txt").read_text()
    right = (testdata / "stereo_diarization.right.txt").read_text()
    assert wer(left, by_speaker["interviewer"]) <= 0.15
    assert wer(right, by_speaker["you"]) <= 0.15

    for final in finals(events):
        history = [u for u in utterances if u.id == final.id]
        partials = history[:-1]
        assert history[-1] is final, "nothing may follow an utterance's final"
        assert partials, f"no partial before the final of {final.speaker}"
        assert all(not p.final for p in partials)
        # Stable words never change: each stable prefix extends the last one,
        # and the final starts with every stable prefix shown before it.
        shown = ""
        for u in history:
            assert u.text.startswith(u.stable)
            assert u.stable.startswith(shown), (shown, u.stable)
            shown = u.stable
        assert final.text.startswith(shown)

    # The right order: the interviewer starts first in this clip, and each
    # channel's utterances are in time order.
    for who in ("interviewer", "you"):
        starts = [u.start_s for u in finals(events) if u.speaker == who]
        assert starts == sorted(starts)


def test_final_lag_is_short_at_real_time(transcriber, testdata) -> None:
    events = transcribe_file(
        transcriber, testdata / "beckett.wav", realtime=True, speaker="interviewer"
    )
    lags = sorted(u.emitted_s - u.end_s for u in finals(events))
    assert lags, "no final utterance"
    # Generous bound for a loaded CI machine; bench/latency.py reports the real figures.
    assert lags[len(lags) // 2] < 1.5, lags
