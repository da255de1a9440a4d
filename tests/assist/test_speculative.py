"""``assist.speculative = false`` sends nothing before the question is final, proved on the wire.

One question of the bundled demo interview ("Can you tell me about yourself?", cut out
with a second of audio either side) plays in real time (the gap between a stable partial
and the final is what speculation uses) through the real session builder, speech model and
OpenAI SDK against the loopback fake server. A sink notes how many generation requests the
server had received when each final interviewer utterance came out of the speech stage; a
request carrying a question's text that arrived before its utterance was final is early.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from cuecard import paths
from cuecard.config import Config, parse
from cuecard.events import Event, Question, SessionEnded, Utterance
from cuecard.session import FileInput, Session, load_transcriber
from fakes.provider_server import FakeProviderServer, Reply

KEY = "sk-test-" + "s" * 32


@pytest.fixture(scope="module")
def transcriber() -> Any:
    return load_transcriber(Config())


@pytest.fixture(scope="module")
def one_question(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, rate = sf.read(str(paths.demo_recording()), dtype="float32")
    path = tmp_path_factory.mktemp("speculative") / "about_you.wav"
    sf.write(str(path), audio[int(9.8 * rate) : int(14.0 * rate)], rate)  # the turn at 10.6-12.6 s
    return path


def play(
    transcriber: Any, clip: Path, monkeypatch: pytest.MonkeyPatch, *, speculative: bool
) -> int:
    """Requests sent for a question before the utterance that asks it was final."""
    monkeypatch.setenv("CUECARD_OPENAI_KEY", KEY)
    with FakeProviderServer(default=Reply(text="- a point")) as srv:
        cfg = parse({"assist": {
            "provider": "openai", "speculative": speculative,
            "openai": {"model": "gpt-4o-mini", "base_url": srv.openai_base_url},
        }})  # fmt: skip
        seen_at_final: dict[int, int] = {}  # utterance id -> requests received by then
        events: list[Event] = []

        def sink(event: Event) -> None:
            events.append(event)
            if isinstance(event, Utterance) and event.final and event.speaker == "interviewer":
                seen_at_final[event.id] = len(srv.generations)

        session = Session(cfg, FileInput(clip, realtime=True), tripwire=False,
                          sinks=[sink], transcriber=transcriber)  # fmt: skip
        asyncio.run(session.run())
        questions = [e for e in events if isinstance(e, Question)]
        assert questions and any(isinstance(e, SessionEnded) for e in events)
        early = 0
        for i, request in enumerate(srv.generations):
            sent = str(request.body["messages"])
            asked = [q for q in questions if q.text in sent]
            # the question this request answers, and when its utterance became final
            finals = [seen_at_final.get(q.utterance_id) for q in asked]
            early += any(at is None or i < at for at in finals)
        if not speculative:
            assert not any(q.speculative for q in questions)
        return early


def test_speculative_off_sends_nothing_before_the_final(
    transcriber: Any, one_question: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert play(transcriber, one_question, monkeypatch, speculative=False) == 0
    # the same measurement sees the early request when speculation is on: it can fail
    assert play(transcriber, one_question, monkeypatch, speculative=True) > 0
