"""The speech stage's ``Pause``: when, for which utterance, and in what order (issue 10 item 4).

The dialogue stage decides end of turn from a Pause and the partials around
it. A Pause goes out with the audio that shows the silence (two quiet VAD
windows), never queued behind a pass: the dialogue then decides at once on a
partial that already heard the question, or on the closing partial when it
comes. Real model on the start of the bundled demo interview, whose turn
times are exact. The first test paces the audio on the model (each chunk waits
until no pass is running), so every pass is instant in audio time and what is
checked is the stage's logic; the second lets the audio race ahead of the
passes, as a slow laptop would. bench/answer_latency.py measures real time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import soundfile as sf

from cuecard.audio.files import DEMO_RECORDING, DEMO_TURNS
from cuecard.audio.sources import FileSource
from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.dialogue.tracker import PAUSE_COVER_S
from cuecard.events import AudioChunk, Event, Pause, Utterance
from cuecard.speech.stage import CLOSING_STALE_S, SPECULATE_AFTER_S, SpeechStage

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
        before = [u for u in events[: events.index(final)]
                  if isinstance(u, Utterance) and u.id == final.id]  # fmt: skip
        assert before, "partials come before the final"
        # A partial never claims audio after the pause (the closing partial starts on
        # the first quiet window)...
        assert all(u.end_s <= pause.at_s + 0.05 for u in before)
        # ...and the last one heard the speech up to it (the closing partial, unless
        # one had just heard it): the dialogue can decide before the final.
        assert pause.at_s - before[-1].end_s <= CLOSING_STALE_S, (before[-1], pause)
        said = {w.strip(".,?!").lower() for w in turn["text"].split()}
        heard = {w.strip(".,?!").lower() for w in before[-1].text.split()}
        assert len(said & heard) >= 0.8 * len(said), (turn["text"], before[-1].text)


def test_a_pause_goes_out_with_the_audio_that_shows_it_not_behind_a_pass(
    transcriber, tmp_path: Path
) -> None:
    """Queued behind the closing partial, a pause reached the dialogue 0.1-0.2 s late on
    2 cores, and every early answer started that much later. Here the audio is not paced:
    it runs far ahead of the passes, so a pause that waited for one would come chunks late.
    """
    audio, rate = sf.read(DEMO_RECORDING, dtype="float32")
    clip = tmp_path / "demo_start.flac"
    sf.write(clip, audio[: int(CUT_S * rate)], rate)
    heard_to: dict[str, float] = {}  # channel -> end of the chunk the stage is taking in
    sent: list[tuple[Pause, float, bool]] = []

    async def main() -> None:
        stage = SpeechStage(transcriber, Config().speech, SessionClock())

        async def tracked(source: FileSource) -> AsyncIterator[AudioChunk]:
            async for chunk in source:
                heard_to[chunk.channel] = chunk.t1
                yield chunk

        async def send(event: Event) -> None:
            if isinstance(event, Pause):
                busy = stage.scheduler.running is not None
                sent.append((event, heard_to[event.channel], busy))

        async with FileSource(clip, realtime=False) as source:
            await stage.run(tracked(source), send)

    asyncio.run(main())
    assert len(sent) >= 2  # at least the two questions' ends
    for pause, audio_end, _ in sent:
        # exactly two quiet windows after the silence began: not a window more
        assert audio_end == pytest.approx(pause.at_s + SPECULATE_AFTER_S, abs=1e-6), pause
    assert any(busy for _, _, busy in sent), "some pause overtook a pass still running"
