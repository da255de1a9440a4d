"""Fillers counted only where the audio shows them, on held-out Piper recordings.

The clips (tests/practice/clips, made once by tools/make_practice_clips.py with a neural
voice, sources in SOURCES.md) are decoded by the real tiny.en with the practice prompt and
word times (``Transcriber.timed_words``), then checked against their own audio
(``fillers.verify``). Only the held-out half is asserted on; the thresholds were set on the
tune half.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from cuecard.config import Config
from cuecard.practice.fillers import PRACTICE_PROMPT, verify
from cuecard.session import load_transcriber
from cuecard.speech.transcriber import TimedWord, Transcriber
from practice.answers import CLIPS, clip_answers

PAD = np.zeros(4800, np.float32)  # the stage keeps 0.3 s either side of an answer


@pytest.fixture(scope="module")
def whisper() -> Transcriber:
    return load_transcriber(Config())


def _audio(name: str) -> np.ndarray:
    audio, rate = sf.read(str(CLIPS / f"{name}.ogg"), dtype="float32")
    assert rate == 16_000
    return np.concatenate([PAD, audio, PAD])


def test_held_out_counts_within_one_and_none_invented(whisper: Transcriber) -> None:
    for row in clip_answers("holdout"):
        audio = _audio(str(row["name"]))
        checked = verify(whisper.timed_words(audio, initial_prompt=PRACTICE_PROMPT), audio)
        want: dict[str, int] = row["fillers"]  # type: ignore[assignment]
        total = sum(checked.counts.values())
        assert abs(total - sum(want.values())) <= 1, (row["name"], checked.counts, want)
        if not want:
            assert total == 0, (row["name"], checked.text)


def test_the_same_recording_counts_the_same_on_three_runs(whisper: Transcriber) -> None:
    audio = _audio("outage")
    runs = [verify(whisper.timed_words(audio, initial_prompt=PRACTICE_PROMPT), audio)
            for _ in range(3)]  # fmt: skip
    assert runs[0].counts and all(r.counts == runs[0].counts for r in runs), runs
    assert all(r.text == runs[0].text for r in runs)


def test_a_filler_the_decoder_adds_without_sound_is_dropped(whisper: Transcriber) -> None:
    """The decoder's failure, put into its own real output: "uh"s squeezed between two
    words and one in a silent pause (the answer with none). Each must be dropped."""
    audio = _audio("onboarding")
    words = whisper.timed_words(audio, initial_prompt=PRACTICE_PROMPT)
    assert verify(words, audio).counts == {}
    invented: list[TimedWord] = []
    for i, word in enumerate(words):
        invented.append(word)
        if i in (2, 6):  # between two words: no gap of its own
            invented.append(TimedWord("uh,", word.end_s, word.end_s, 0.3))
    silent = TimedWord("uh,", len(audio) / 16_000 - 0.25, len(audio) / 16_000 - 0.2, 0.3)
    checked = verify([*invented, silent], audio)
    assert checked.counts == {} and checked.dropped == 3, checked
    assert checked.confidence != "high"


def test_a_filler_with_its_own_sound_is_kept() -> None:
    """Half a second of voice between two words, nothing else: the "um" stays."""
    rate = 16_000
    t = np.arange(int(0.4 * rate)) / rate
    voice = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    gap = np.zeros(int(0.1 * rate), np.float32)
    audio = np.concatenate([voice, gap, voice, gap, voice])
    words = [TimedWord("So,", 0.0, 0.4, 0.9), TimedWord("um,", 0.5, 0.5, 0.2),
             TimedWord("yes.", 1.0, 1.4, 0.9)]  # fmt: skip
    checked = verify(words, audio)
    assert checked.counts == {"um": 1} and checked.dropped == 0
    assert checked.text == "So, um, yes."


def test_clips_are_small_and_described() -> None:
    sizes = [p.stat().st_size for p in Path(CLIPS).glob("*.ogg")]
    assert len(sizes) == len(clip_answers()) and sum(sizes) < 1_500_000
    assert (CLIPS / "SOURCES.md").is_file()


def test_the_answer_audio_is_held_only_until_it_is_checked() -> None:
    """The stage's tap keeps the candidate's audio in memory, bounded, and forgets an
    answer's audio once it is checked; the interviewer's channel is never kept."""
    from cuecard.events import AudioChunk
    from cuecard.practice.stage import KEEP_AUDIO_S, AnswerAudio

    tap = AnswerAudio()
    window = np.full(512, 0.1, np.float32)  # 32 ms
    for i in range(100):
        tap(AudioChunk("you", window, i * 0.032))
        tap(AudioChunk("interviewer", window * 2, i * 0.032))
    heard = tap.between(0.0, 3.2)
    assert len(heard) == 51_200 and np.allclose(heard, 0.1)  # the candidate's, whole
    tap.forget_before(3.2)
    assert not tap.between(0.0, 3.2).any()
    for i in range(int(KEEP_AUDIO_S / 0.032) + 50):
        tap(AudioChunk("you", window, i * 0.032))
    assert not tap.between(0.0, 1.0).any()  # bounded: the oldest went first
