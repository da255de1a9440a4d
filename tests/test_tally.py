"""One counter: the summary ``SessionEnded`` carries, the CLI's last line and every view agree.

The bundled demo interview plays (fast, offline notes as the answers) through the real
session; a view is fed the same events a front end gets.
"""

from __future__ import annotations

import asyncio

from cuecard.config import Config
from cuecard.events import Event, Question, SessionEnded
from cuecard.session import FileInput, Session, load_transcriber
from cuecard.tally import COUNTS, Tally
from cuecard.ui.view import SessionView


def test_the_summary_the_cli_and_a_view_count_the_same_way() -> None:
    cfg = Config()
    events: list[Event] = []
    view = SessionView()

    def sink(event: Event) -> None:
        events.append(event)
        view.apply(event)

    session = Session(cfg, FileInput.bundled_demo(realtime=False), tripwire=False,
                      sinks=[sink], transcriber=load_transcriber(cfg))  # fmt: skip
    summary = asyncio.run(session.run())
    end = events[-1]
    assert isinstance(end, SessionEnded)
    carried = {k: end.summary[k] for k in COUNTS}
    assert carried == view.counts.to_dict() == summary.counts.to_dict()
    assert carried["questions"] == len({e.id for e in events if isinstance(e, Question)}) >= 4
    assert carried["answered"] == carried["questions"]  # offline notes answer every one
    assert "answers" not in end.summary and "answers" not in str(end.summary["answer_usage"])
    line = summary.line()
    assert f"{carried['questions']} questions, {carried['answered']} answered" in line


def test_a_revision_is_one_question_revised_once() -> None:
    tally = Tally()
    first = Question(1, "Tell me about", "behavioural", 0.9, 0, 0.0, 1.0, 1.0, speculative=True)
    for text in ("Tell me about", "Tell me about a conflict", "Tell me about a conflict."):
        tally.add(first.__class__(**{**_fields(first), "text": text}))
    assert (tally.questions, tally.revised) == (1, 1)
    assert tally.line() == "0 utterances, 1 question, 0 answered, 1 revised"


def _fields(q: Question) -> dict[str, object]:
    return {name: getattr(q, name) for name in q.__dataclass_fields__}
