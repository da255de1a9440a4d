"""Practice-only speech options: the live path is unchanged, the practice path is measured.

The disfluent initial prompt (``PRACTICE_PROMPT``) makes Whisper write "um" and "uh"; it
must not cost accuracy on real speech nor put fillers where none were said. ``Silence``
markers come only when asked for, after every final before them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cuecard.config import Config
from cuecard.events import Event, Silence, Utterance
from cuecard.practice.fillers import PRACTICE_PROMPT, count_fillers
from cuecard.session import FileInput, Session
from cuecard.speech.stage import SpeechOptions

from .conftest import finals, transcribe_file
from .test_transcription import wer


def run(transcriber, path: Path, options: SpeechOptions, *, sink=None, realtime: bool = False,
        **source) -> list[Event]:  # fmt: skip
    events: list[Event] = []
    session = Session(Config(), FileInput(path, realtime=realtime, **source), answers=False,
                      tripwire=False, sinks=[events.append, *([sink] if sink else [])],
                      transcriber=transcriber, speech=options)  # fmt: skip
    if sink is not None:
        sink.session = session
    asyncio.run(session.run())
    return events


def test_the_live_path_asks_for_nothing_more() -> None:
    assert SpeechOptions() == SpeechOptions(initial_prompt="", silence_after_s=None)


def test_no_silence_markers_unless_asked(transcriber, testdata: Path) -> None:
    events = transcribe_file(transcriber, testdata / "beckett.wav", speaker="you")
    assert finals(events) and not any(isinstance(e, Silence) for e in events)


@pytest.mark.parametrize("clip", ["beckett", "jfk", "two_cities"])
def test_the_practice_prompt_keeps_accuracy_and_invents_no_filler(
    transcriber, testdata: Path, clip: str
) -> None:
    audio = next(testdata.glob(f"{clip}.*[!t]"))
    events = run(transcriber, audio, SpeechOptions(initial_prompt=PRACTICE_PROMPT),
                 speaker="you")  # fmt: skip
    text = " ".join(u.text for u in finals(events))
    reference = (testdata / f"{clip}.txt").read_text()
    assert wer(reference, text) <= 0.15, text
    vocal = {k: v for k, v in count_fillers(text).items() if k in ("um", "uh", "er")}
    assert vocal == {}, text


def test_silence_follows_every_final_before_it(transcriber, testdata: Path) -> None:
    events = run(transcriber, testdata / "beckett.wav", SpeechOptions(silence_after_s=0.6),
                 speaker="you")  # fmt: skip
    silences = [e for e in events if isinstance(e, Silence)]
    assert silences
    for silence in silences:
        at = events.index(silence)
        before = [e for e in events[:at] if isinstance(e, Utterance) and e.final]
        after = [e for e in events[at:] if isinstance(e, Utterance) and e.final]
        assert before and abs(before[-1].end_s - silence.since_s) < 1e-6
        assert all(u.start_s >= silence.since_s for u in after)
        assert silence.at_s - silence.since_s >= 0.6 and not silence.forced


class EndTurnOnFirstFinal:
    """A key press as soon as the first words are final: the answer must end there."""

    session: Session | None = None

    def __init__(self) -> None:
        self.pressed = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, Utterance) and event.final and not self.pressed:
            assert self.session is not None
            self.pressed = self.session.end_turn("you")


def test_end_turn_closes_the_answer_with_a_forced_silence(transcriber, testdata: Path) -> None:
    press = EndTurnOnFirstFinal()  # at real-time speed: a key press comes while audio plays
    events = run(transcriber, testdata / "jfk.flac", SpeechOptions(silence_after_s=5.0),
                 sink=press, speaker="you", realtime=True)  # fmt: skip
    forced = [e for e in events if isinstance(e, Silence) and e.forced]
    assert press.pressed and len(forced) == 1
