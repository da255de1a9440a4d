from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cuecard.audio.sources import FileSource
from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import Event, Utterance
from cuecard.session import load_transcriber, run_session
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
    clock = SessionClock()

    async def main() -> None:
        async with FileSource(path, clock=clock, realtime=realtime, **source_args) as source:  # type: ignore[arg-type]
            await run_session(
                source, cfg or Config(), [events.append], clock=clock, transcriber=transcriber
            )

    asyncio.run(main())
    return events


def finals(events: list[Event]) -> list[Utterance]:
    return [e for e in events if isinstance(e, Utterance) and e.final]
