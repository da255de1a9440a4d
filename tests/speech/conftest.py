from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cuecard.config import Config
from cuecard.events import Event, Utterance
from cuecard.session import FileInput, Session, load_transcriber
from cuecard.speech.transcriber import Transcriber


@pytest.fixture(scope="session")
def transcriber() -> Transcriber:
    return load_transcriber(Config())


def transcribe_file(
    transcriber: Transcriber,
    path: Path,
    *,
    realtime: bool = False,
    cfg: Config | None = None,
    **source_args: object,
) -> list[Event]:
    """Run the real speech pipeline over a file and return every event, in order."""
    events: list[Event] = []
    spec = FileInput(path, realtime=realtime, **source_args)  # type: ignore[arg-type]
    session = Session(cfg or Config(), spec, answers=False, tripwire=False,
                      sinks=[events.append], transcriber=transcriber)  # fmt: skip
    asyncio.run(session.run())
    return events


def finals(events: list[Event]) -> list[Utterance]:
    return [e for e in events if isinstance(e, Utterance) and e.final]
