"""The warm-up dry run: the SDK's first-request work done at session start, with nothing sent.

Each SDK provider answers one canned question on a replica whose HTTP transport answers
from memory. What must hold: the real SDK code ran end to end on it (the canned answer was
read back, so an SDK that changes its wire format is caught here, not by a silent loss of
the head start), and not one byte went anywhere: the loopback fake provider the real
provider points at sees no connection, and a session's egress ledger stays empty.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from cuecard.assist.base import Message, Prompt, Provider
from cuecard.assist.providers import Deadlines, build_provider
from cuecard.config import ProviderSettings
from fakes.provider_server import FakeProviderServer

KINDS = ["openai", "anthropic", "google", "local"]
KEY = "sk-test-" + "w" * 30
MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-3-5-haiku-latest",
    "google": "gemini-2.0-flash",
    "local": "llama3.2",
}


WARM_CHECK = Prompt(system="Answer in bullets.", messages=(Message("user", "Why this team?"),))


@pytest.fixture
def srv() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


def make(kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient) -> Provider:
    url = {"anthropic": srv.anthropic_base_url, "google": srv.google_base_url}.get(
        kind, srv.openai_base_url
    )
    return build_provider(
        kind,
        ProviderSettings(model=MODELS[kind], base_url=url),
        api_key=None if kind == "local" else KEY,
        http_client=http,
        deadlines=Deadlines(first_token_s=3.0, idle_s=3.0),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_dry_run_reads_the_canned_answer_and_sends_nothing(
    kind: str, srv: FakeProviderServer
) -> None:
    async def main() -> bool:
        async with httpx2.AsyncClient() as http:
            provider = make(kind, srv, http)
            # on the event loop's own thread, as a careless caller would: it must still work
            answered = provider.warm()  # type: ignore[attr-defined]
            await provider.aclose()
            return bool(answered)

    assert asyncio.run(main()) is True
    assert srv.connection_count == 0
    assert srv.requests == []


@pytest.mark.parametrize("kind", KINDS)
def test_after_the_dry_run_the_real_provider_answers_as_before(
    kind: str, srv: FakeProviderServer
) -> None:
    """The replica shares nothing that the real provider then trips over (client, key, loop)."""

    async def main() -> str:
        async with httpx2.AsyncClient() as http:
            provider = make(kind, srv, http)
            await asyncio.to_thread(provider.warm)  # type: ignore[attr-defined]
            text = ""
            async for item in provider.stream(WARM_CHECK, max_tokens=50):
                text += getattr(item, "text", "")
            await provider.aclose()
            return text

    assert asyncio.run(main())
    assert [r.api_key for r in srv.generations] == ["no-key" if kind == "local" else KEY]


def test_a_session_freezes_the_startup_heap_and_thaws_it_after(testdata: Path) -> None:
    """Full collections during the interview skip what startup loaded (45-70 ms each, measured)."""
    from cuecard.config import Config
    from cuecard.events import Event, SessionStarted
    from cuecard.session import FileInput, Session, load_transcriber

    frozen_during: list[int] = []

    def sink(event: Event) -> None:
        if isinstance(event, SessionStarted):
            frozen_during.append(gc.get_freeze_count())

    cfg = Config()
    session = Session(cfg, FileInput(testdata / "jfk.flac", realtime=False), answers=False,
                      tripwire=False, sinks=[sink], transcriber=load_transcriber(cfg))  # fmt: skip
    asyncio.run(session.run())
    assert frozen_during and frozen_during[0] > 10_000  # the modules, SDK types, model
    assert gc.get_freeze_count() == 0
