"""The speech stage's ``Pause``: when, for which utterance, and in what order (issue 10 item 4).

The dialogue stage decides end of turn from a Pause and the partial before
it, so a Pause must come at each turn's end, after a partial that heard the
speech up to it (the closing partial, started as the voice stops), and
before the final. Real model on the start of the bundled demo interview,
whose turn times are exact. The audio is paced on the model (each chunk
waits until no pass is running), so every pass is instant in audio time:
what is checked is the stage's logic, whatever the machine's load;
bench/question_lag.py measures the real-time figures.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import soundfile as sf

from cuecard.audio.files import DEMO_RECORDING, DEMO_TURNS
from cuecard.audio.sources import FileSource
from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.dialogue.tracker import PAUSE_COVER_S
from cuecard.events import AudioChunk, Event, Pause, Utterance
from cuecard.speech.stage import CLOSING_STALE_S, SpeechStage

CUT_S = 25.0  # two question turns and their answers


async def paced(source: FileSource, stage: SpeechStage) -> AsyncIterator[AudioChunk]:
    async for chunk in source:
        while not stage.scheduler.idle:  # noqa: ASYNC110 (polling the model, on purpose)
            await asyncio.sleep(0.002)
        for _ in range(3):
            await asyncio.sleep(0)  # let the finished pass's result be emitted
        yield chunk


def test_a_pause_comes_at_each_turn_end_after_a_fresh_partial_and_before_the_final(
    transcriber, tmp_path: Path
) -> None:
    audio, rate = sf.read(DEMO_RECORDING, dtype="float32")
    clip = tmp_path / "demo_start.flac"
    sf.write(clip, audio[: int(CUT_S * rate)], rate)
    turns = [t for t in json.loads(DEMO_TURNS.read_text())["turns"] if t["end_s"] < CUT_S]
    events: list[Event] = []

    async def main() -> None:
        stage = SpeechStage(transcriber, Config().speech, SessionClock())

        async def send(event: Event) -> None:
            events.append(event)

        async with FileSource(clip, realtime=False) as source:
            await stage.run(paced(source, stage), send)

    asyncio.run(main())
    pauses = [e for e in events if isinstance(e, Pause)]
    utterances = [e for e in events if isinstance(e, Utterance)]

    # Nothing of an utterance comes after its final; every pause belongs to one.
    done: set[int] = set()
    for e in events:
        if isinstance(e, Utterance):
            assert e.id not in done
            if e.final:
                done.add(e.id)
        elif isinstance(e, Pause):
            assert e.utterance_id in {u.id for u in utterances}
            assert e.utterance_id not in done

    assert CLOSING_STALE_S < PAUSE_COVER_S  # what the dialogue stage accepts
    questions = [t for t in turns if t["question"]]
    assert len(questions) == 2
    for turn in questions:
        final = next(u for u in utterances if u.final and u.speaker == "interviewer"
                     and abs(u.end_s - turn["end_s"]) < 0.15)  # fmt: skip
        at_end = [p for p in pauses if p.utterance_id == final.id and p.at_s == final.end_s]
        assert len(at_end) == 1, (turn["text"], pauses)
        pause = at_end[0]
        assert pause.channel == "interviewer"
        assert events.index(pause) < events.index(final)
        before = [u for u in events[: events.index(pause)]
                  if isinstance(u, Utterance) and u.id == final.id]  # fmt: skip
        assert before, "a partial comes before the pause"
        # A partial never claims audio after the pause it came before...
        assert all(u.end_s <= pause.at_s + 0.05 for u in before)
        # ...and the last one heard the speech up to it (the closing partial, unless
        # one had just heard it): the dialogue can decide at once.
        assert pause.at_s - before[-1].end_s <= CLOSING_STALE_S, (before[-1], pause)
        said = {w.strip(".,?!").lower() for w in turn["text"].split()}
        heard = {w.strip(".,?!").lower() for w in before[-1].text.split()}
        assert len(said & heard) >= 0.8 * len(said), (turn["text"], before[-1].text)
