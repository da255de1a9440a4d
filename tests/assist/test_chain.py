"""The chain owns provider health: a dead primary costs one question, not every question.

Two loopback fake servers stand for two vendors (the real OpenAI and Anthropic SDKs talk
HTTP to them through the egress-guarded client); the engine is the one the session builds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cuecard.assist.chain import Chain
from cuecard.assist.engine import AnswerEngine
from cuecard.assist.factory import build_engine
from cuecard.clock import SessionClock
from cuecard.config import parse
from cuecard.events import Event, Question, SuggestionDone, SuggestionFailed, next_id
from cuecard.privacy.egress import startup
from cuecard.privacy.ledger import process_ledger
from fakes.provider_server import FakeProviderServer, Reply

KEY = "sk-test-" + "k" * 32
FIRST_TOKEN_S = 1.5


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI", "ANTHROPIC"):
        monkeypatch.setenv(f"CUECARD_{name}_KEY", KEY)


@pytest.fixture
def servers() -> Iterator[tuple[FakeProviderServer, FakeProviderServer]]:
    with FakeProviderServer(default=Reply(hang=True)) as main, FakeProviderServer(
        default=Reply(text="- from the fallback")
    ) as second:
        yield main, second
    # These sessions' connections are in the process ledger; the next test reads it afresh.
    process_ledger().clear()


def config(main: FakeProviderServer, second: FakeProviderServer) -> Any:
    return parse({"assist": {
        "provider": "openai",
        "fallback": ["anthropic"],
        "openai": {"model": "gpt-4o-mini", "base_url": main.openai_base_url},
        "anthropic": {"model": "claude-3-5-haiku-latest", "base_url": second.anthropic_base_url},
        "first_token_timeout_s": FIRST_TOKEN_S,
        "timeout_s": 3.0,
        "retries": 0,
    }})  # fmt: skip


async def answer(engine: AnswerEngine, text: str) -> tuple[float, Event]:
    """Seconds from the question to its end, and the event that ended it."""
    done = asyncio.Event()
    end: list[Event] = []

    async def send(event: Event) -> None:
        if isinstance(event, SuggestionDone | SuggestionFailed):
            end.append(event)
            done.set()

    now = engine.clock.now()
    q = Question(next_id(), text, "behavioural", 0.9, 0, now, now, now)
    start = time.monotonic()
    await engine.answer(q, send)
    await asyncio.wait_for(done.wait(), 10)
    return time.monotonic() - start, end[0]


@pytest.mark.anyio
async def test_a_dead_primary_costs_one_question_then_the_fallback_starts_at_once(
    servers: tuple[FakeProviderServer, FakeProviderServer],
) -> None:
    main, second = servers
    cfg = config(main, second)
    engine, _ = build_engine(cfg, SessionClock(), startup(cfg, tripwire=False), demo_profile=True)
    try:
        first_s, first = await answer(engine, "Tell me about a conflict with a teammate.")
        assert isinstance(first, SuggestionDone) and first.provider == "anthropic"
        assert first_s >= FIRST_TOKEN_S, "the first question waited out the dead primary"
        second_s, again = await answer(engine, "Why do you want this job?")
        assert isinstance(again, SuggestionDone) and again.provider == "anthropic"
        assert second_s < FIRST_TOKEN_S / 2, f"the second question waited {second_s:.2f} s"
        assert len(main.generations) == 1, "the dead primary was asked once, not per question"
        assert len(second.generations) == 2
    finally:
        await engine.aclose()


@pytest.mark.anyio
async def test_a_recovered_primary_is_rechecked_in_the_background_and_used_again(
    servers: tuple[FakeProviderServer, FakeProviderServer],
) -> None:
    main, second = servers
    cfg = config(main, second)
    engine, _ = build_engine(cfg, SessionClock(), startup(cfg, tripwire=False), demo_profile=True)
    assert isinstance(engine.provider, Chain)
    engine.provider.cool_down_s = 0.3
    engine.provider._health[0].cool_down_s = 0.3
    try:
        _, first = await answer(engine, "Tell me about a conflict with a teammate.")
        assert isinstance(first, SuggestionDone) and first.provider == "anthropic"
        main.default = Reply(text="- the primary is back")
        for _ in range(50):  # the background re-check: one tiny request after the cool-down
            if engine.provider.available(0):
                break
            await asyncio.sleep(0.1)
        assert engine.provider.available(0)
        assert len(main.generations) == 2, "one answer that hung, one re-check"
        _, later = await answer(engine, "Why do you want this job?")
        assert isinstance(later, SuggestionDone) and later.provider == "openai"
    finally:
        await engine.aclose()


@pytest.mark.anyio
async def test_a_failure_of_this_prompt_only_keeps_the_provider_healthy(
    servers: tuple[FakeProviderServer, FakeProviderServer],
) -> None:
    """A safety stop says nothing about the provider: the next question still goes to it."""
    main, second = servers
    main.default = Reply(text="- fine")
    main.enqueue(Reply(text="- no", finish="content_filter"))
    cfg = config(main, second)
    engine, _ = build_engine(cfg, SessionClock(), startup(cfg, tripwire=False), demo_profile=True)
    assert isinstance(engine.provider, Chain)
    try:
        await answer(engine, "Tell me about a conflict with a teammate.")
        assert engine.provider.available(0)
        _, later = await answer(engine, "Why do you want this job?")
        assert isinstance(later, SuggestionDone) and later.provider == "openai"
    finally:
        await engine.aclose()


@pytest.mark.anyio
async def test_the_cost_guard_bills_a_cancelled_request_and_spares_a_free_provider(
    servers: tuple[FakeProviderServer, FakeProviderServer],
) -> None:
    """Money: a prompt that left is billed even when a new question cancels it; over budget,
    only the member that bills nothing (a local server) is asked."""
    from cuecard.assist.base import Message, Prompt, TextDelta
    from cuecard.assist.chain import CostGuard, Deadlines
    from cuecard.assist.factory import build_providers

    main, second = servers
    main.default = Reply(text="- slow", first_token_delay_s=5.0)
    second.default = Reply(text="- from the local server")
    cfg = parse({"assist": {
        "provider": "openai", "fallback": ["local"],
        "openai": {"model": "gpt-4o-mini", "base_url": main.openai_base_url},
        "local": {"model": "llama3.2", "base_url": second.openai_base_url},
    }})  # fmt: skip
    members, _ = build_providers(cfg, startup(cfg, tripwire=False))
    guard = CostGuard(tokens_per_minute=600)  # this prompt: ~300 tokens, ~400 with max_tokens
    chain = Chain(members, retries=0, deadlines=Deadlines(first_token_s=10.0), guard=guard)
    prompt = Prompt(system="rules", messages=(Message("user", "word " * 300),))

    async def first_text() -> str:
        async for item in chain.stream(prompt, max_tokens=100):
            if isinstance(item, TextDelta):
                return item.text
        return ""

    try:
        task = asyncio.create_task(first_text())
        for _ in range(250):  # the server's own thread records the request
            if main.generations:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.wait([task])
        assert guard.allows(0) and not guard.allows(300), "the cancelled prompt counts"
        assert len(main.generations) == 1
        # over budget now: openai (billed) is skipped, the local server answers
        assert await first_text()
        assert len(main.generations) == 1 and len(second.generations) == 1
    finally:
        await chain.aclose()
