"""A person's commands are events: ``--json`` and a kept session record them.

The bundled demo plays (fast, offline answers) through the real session; commands are
given from a sink, on the session's loop, the way the terminal and the desktop give them.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading

from cuecard.config import Config
from cuecard.events import AnswerNow, Command, Event, Question, Utterance
from cuecard.privacy.recorder import record_for
from cuecard.session import FileInput, Session, load_transcriber
from cuecard.ui.jsonl import JsonLinesSink


def test_commands_reach_the_json_stream_in_order() -> None:
    cfg = Config()
    out = io.StringIO()
    json_sink = JsonLinesSink(out)
    given: list[str] = []
    tasks: list[asyncio.Task[object]] = []
    session: Session | None = None

    def commands(event: Event) -> None:
        json_sink(event)
        assert session is not None
        finals = isinstance(event, Utterance) and event.final
        if finals and not given:
            given.append("pause")
            session.set_paused(True)
            # the desktop pauses from its own thread
            other = threading.Thread(target=session.set_paused, args=(False,))
            other.start()
            other.join()
            loop = asyncio.get_running_loop()
            tasks.append(loop.create_task(session.ask("What should I say about my notice period?")))
            tasks.append(loop.create_task(session.inject(AnswerNow(session.clock.now()))))
        elif isinstance(event, Question) and event.typed and "stop" not in given:
            given.append("stop")
            session.stop()

    session = Session(cfg, FileInput.bundled_demo(realtime=False), tripwire=False,
                      sinks=[commands], transcriber=load_transcriber(cfg))  # fmt: skip
    asyncio.run(session.run())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    said = [e["name"] for e in lines if e["type"] == "command"]
    assert said == ["pause", "resume", "stop"]
    assert any(e["type"] == "answer_now" for e in lines)
    typed = [e for e in lines if e["type"] == "question" and e["typed"]]
    assert [q["text"] for q in typed] == ["What should I say about my notice period?"]
    assert lines[-1]["type"] == "session_end"


def test_a_kept_session_records_commands() -> None:
    assert record_for(Command("pause", 3.0)) == ("command", {"name": "pause", "at_s": 3.0})
    assert record_for(AnswerNow(4.0)) == ("command", {"name": "answer_now", "at_s": 4.0})
