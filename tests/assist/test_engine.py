"""The answer engine end to end: real SDKs over real HTTP to the loopback fake, real guard.

Retries, fallback down the provider chain, offline notes whenever the model is
slow or fails, cancellation by a new question, the cost guard and redaction, as
a user would live through them.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from cuecard.assist.factory import build_engine
from cuecard.clock import SessionClock
from cuecard.config import parse
from cuecard.events import (
    Event,
    Notice,
    OfflineNotes,
    PromptSent,
    Question,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    next_id,
)
from cuecard.privacy.egress import startup
from fakes.provider_server import FakeProviderServer, Reply

KEY = "sk-test-" + "q" * 32


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server():
    with FakeProviderServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI", "ANTHROPIC", "GOOGLE"):
        monkeypatch.setenv(f"CUECARD_{name}_KEY", KEY)


def config(
    srv: FakeProviderServer,
    provider: str = "openai",
    fallback: list[str] | None = None,
    **assist: Any,
) -> Any:
    privacy = assist.pop("privacy", None)
    return parse(
        {
            "assist": {
                "provider": provider,
                "fallback": fallback or [],
                "openai": {"model": "gpt-4o-mini", "base_url": srv.openai_base_url},
                "local": {"model": "gpt-4o-mini", "base_url": srv.openai_base_url},
                "anthropic": {
                    "model": "claude-3-5-haiku-latest",
                    "base_url": srv.anthropic_base_url,
                },
                "google": {"model": "gemini-2.0-flash", "base_url": srv.google_base_url},
                "first_token_timeout_s": 1.0,
                "timeout_s": 2.0,
                **assist,
            },
            **({"privacy": privacy} if privacy else {}),
        }
    )


def question(
    text: str = "Tell me about a time you had a conflict with a teammate.",
    kind: str = "behavioural",
) -> Question:
    return Question(next_id(), text, kind, 0.9, 0, 0.0, 0.0, 0.0)  # type: ignore[arg-type]


class Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.finished = asyncio.Event()

    async def __call__(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, SuggestionDone | SuggestionFailed):
            self.finished.set()

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def fast_backoff(engine: Any) -> None:
    """Retries in tests wait 50 ms, not the half second a user's would."""
    if hasattr(engine.provider, "backoff_s"):
        engine.provider.backoff_s = 0.05


async def answer(cfg: Any, q: Question, *, sample: bool = True) -> tuple[Collector, Any]:
    clock = SessionClock()
    guard = startup(cfg, tripwire=False)
    engine, _ = build_engine(cfg, clock, guard, demo_profile=sample)
    fast_backoff(engine)
    got = Collector()
    try:
        await engine.answer(q, got)
        await asyncio.wait_for(got.finished.wait(), 20)
    finally:
        await engine.aclose()
    return got, guard


@pytest.mark.anyio
async def test_streams_talking_points_from_the_configured_provider(server) -> None:
    server.default = Reply(text="- Point one\n- Point two\n- Point three", pieces=None)
    got, guard = await answer(config(server), question())
    done = got.of(SuggestionDone)[0]
    assert (done.provider, done.model) == ("openai", "gpt-4o-mini")
    assert "".join(d.text for d in got.of(SuggestionDelta)) == done.text
    assert len(got.of(SuggestionDelta)) >= 2  # streamed, not one block
    sent = got.of(PromptSent)[0]
    assert sent.provider == "openai" and "127.0.0.1" in sent.destination
    body = server.generations[0].body
    # What the inspector showed is what went over the wire.
    assert body["messages"][-1]["content"] in sent.text
    assert [e.outcome for e in guard.ledger.entries()] == ["allowed"]


@pytest.mark.anyio
async def test_fallback_order_end_to_end(server) -> None:
    # OpenAI rejects the key; Anthropic is rate limited twice then answers.
    server.enqueue(Reply(status=401), Reply(status=429), Reply(status=429))
    server.default = Reply(text="- From the second provider")
    got, _ = await answer(config(server, "openai", ["anthropic", "offline"]), question())
    done = got.of(SuggestionDone)[0]
    assert done.provider == "anthropic" and "second provider" in done.text
    apis = [r.api for r in server.generations]
    assert apis == ["openai", "anthropic", "anthropic", "anthropic"]  # no retry on a bad key
    notice = got.of(Notice)[0].message
    assert "OpenAI key was rejected" in notice and "cuecard keys set openai" in notice
    assert "answering with anthropic" in notice


@pytest.mark.anyio
async def test_every_cloud_provider_down_ends_in_a_reason_and_offline_notes(server) -> None:
    server.default = Reply(status=500)
    got, _ = await answer(config(server, "google", ["openai"], retries=1), question())
    assert got.of(SuggestionDone) == []
    notes = got.of(OfflineNotes)
    assert len(notes) == 1 and "Priya" in notes[0].text  # the sample profile's conflict story
    failed = got.of(SuggestionFailed)[0]
    assert "OpenAI had a server error (HTTP 500)" in failed.reason
    assert got.events.index(notes[0]) < got.events.index(failed)
    assert len(server.generations) == 4  # 2 attempts each


@pytest.mark.anyio
async def test_a_cut_stream_is_retried_and_the_answer_restarts(server) -> None:
    server.enqueue(Reply(text="- one\n- two\n- three\n- four", cut_after=2))
    server.default = Reply(text="- fresh answer")
    got, _ = await answer(config(server), question())
    deltas = got.of(SuggestionDelta)
    restarts = [d for d in deltas if d.restart]
    assert len(restarts) == 1, "the retry must tell views to drop the cut text"
    assert got.of(SuggestionDone)[0].text == "- fresh answer"


@pytest.mark.anyio
async def test_a_silent_provider_times_out_and_the_user_still_gets_notes(server) -> None:
    server.default = Reply(hang=True)
    got, _ = await answer(config(server, retries=0), question())
    assert "Priya" in got.of(OfflineNotes)[0].text
    assert "OpenAI sent nothing for 1 s" in got.of(SuggestionFailed)[0].reason
    assert server.generations[0].wait_disconnect(3), "the hung request was not closed"


@pytest.mark.anyio
async def test_new_question_cancels_the_old_answer_and_closes_its_stream(server) -> None:
    server.enqueue(Reply(text=" ".join(f"w{i}" for i in range(60)), chunk_delay_s=0.1))
    server.default = Reply(text="- second answer")
    cfg = config(server)
    clock = SessionClock()
    engine, _ = build_engine(cfg, clock, startup(cfg, tripwire=False), demo_profile=True)
    got = Collector()
    first, second = question(), question("How would you design a rate limiter?", "technical")
    try:
        await engine.answer(first, got)
        for _ in range(100):
            if got.of(SuggestionDelta):
                break
            await asyncio.sleep(0.05)
        await engine.answer(second, got)
        await asyncio.wait_for(got.finished.wait(), 10)
    finally:
        await engine.aclose()
    assert server.generations[0].wait_disconnect(3), "the first HTTP stream was not closed"
    done = got.of(SuggestionDone)
    assert [d.question_id for d in done] == [second.id]


@pytest.mark.anyio
async def test_the_same_question_in_other_words_does_not_restart_the_answer(server) -> None:
    server.default = Reply(text=" ".join(f"w{i}" for i in range(20)), chunk_delay_s=0.02)
    cfg = config(server)
    engine, _ = build_engine(cfg, SessionClock(), startup(cfg, tripwire=False), demo_profile=True)
    got = Collector()
    early = replace(question("How did you route HL7 messages from four"), speculative=True)
    worded = replace(early, text="How did you route HL7 messages from 40 clinics?",
                     speculative=False, wording_only=True)  # fmt: skip
    try:
        await engine.process(early, got)
        await engine.process(worded, got)
        await asyncio.wait_for(got.finished.wait(), 10)
    finally:
        await engine.aclose()
    assert len(server.generations) == 1, "a change of words only must not ask again"
    assert [d.question_id for d in got.of(SuggestionDone)] == [early.id]
    assert not any(d.restart for d in got.of(SuggestionDelta))
    assert got.of(Question) == [early, worded]  # views still get the latest words


async def ask_in_turn(cfg: Any, questions: list[Question]) -> tuple[Collector, Any]:
    clock = SessionClock()
    engine, _ = build_engine(cfg, clock, startup(cfg, tripwire=False), demo_profile=True)
    got = Collector()
    try:
        for q in questions:
            got.finished.clear()
            await engine.answer(q, got)
            await asyncio.wait_for(got.finished.wait(), 10)
    finally:
        await engine.aclose()
    return got, engine


@pytest.mark.anyio
async def test_cost_guard_counts_tokens_and_still_gives_notes(server) -> None:
    # One answer's estimate (its prompt plus max_tokens) fits a 1,000-token minute; two do not.
    cfg = config(server, tokens_per_minute=1_000, max_tokens=200)
    got, engine = await ask_in_turn(cfg, [question(), question()])
    assert len(got.of(SuggestionDone)) == 1 and len(server.generations) == 1
    held = got.of(SuggestionFailed)[0]
    assert "spending guard" in held.reason and "tokens_per_minute" in held.reason
    assert "Priya" in got.of(OfflineNotes)[0].text
    assert engine.usage.held_back == 1 and engine.usage.output_tokens > 0


@pytest.mark.anyio
async def test_offline_and_local_answers_are_never_throttled(server) -> None:
    offline = parse({"assist": {"provider": "offline", "tokens_per_minute": 1_000}})
    got, _ = await ask_in_turn(offline, [question() for _ in range(12)])
    assert len(got.of(SuggestionDone)) == 12 and got.of(SuggestionFailed) == []
    server.default = Reply(text="- local point")
    local = config(server, "local", tokens_per_minute=1_000)
    got, _ = await ask_in_turn(local, [question() for _ in range(4)])
    assert [d.provider for d in got.of(SuggestionDone)] == ["local"] * 4


@pytest.mark.anyio
async def test_unknown_model_names_the_models_the_key_can_use(server) -> None:
    cfg = parse(
        {
            "assist": {
                "provider": "openai",
                "openai": {"model": "gpt-3-ancient", "base_url": server.openai_base_url},
                "retries": 0,
            }
        }
    )
    got, _ = await answer(cfg, question())
    message = got.of(SuggestionFailed)[0].reason
    assert "gpt-3-ancient is not available for your OpenAI key" in message
    assert "gpt-4o-mini" in message
    assert got.of(OfflineNotes)


@pytest.mark.anyio
async def test_redaction_hides_personal_terms_and_restores_them_for_the_user(server) -> None:
    server.default = Reply(
        text="- At [ORG_1] you led the migration with [PERSON_1]",
        pieces=["- At [OR", "G_1] you led the ", "migration with [PERS", "ON_1]"],
    )
    cfg = config(server, privacy={"redact": True, "redact_terms": ["org:Paylane", "person:Priya"]})
    got, _ = await answer(cfg, question())
    wire = str(server.generations[0].body)
    assert "Paylane" not in wire and "Priya" not in wire
    assert "[ORG_1]" in wire
    assert got.of(PromptSent)[0].redacted
    done = got.of(SuggestionDone)[0]
    assert done.text == "- At Paylane you led the migration with Priya"
    assert all("[" not in d.text for d in got.of(SuggestionDelta))


@pytest.mark.anyio
async def test_a_destination_the_guard_blocks_is_not_retried_and_falls_back(server) -> None:
    cfg = config(server, "openai", ["anthropic"])
    # The guard only knows the public APIs, not the fake's loopback port.
    guard_cfg = parse({"assist": {"provider": "openai", "fallback": ["anthropic"]}})
    clock = SessionClock()
    guard = startup(guard_cfg, tripwire=False)
    engine, _ = build_engine(cfg, clock, guard, demo_profile=True)
    fast_backoff(engine)
    got = Collector()
    try:
        await engine.answer(question(), got)
        await asyncio.wait_for(got.finished.wait(), 10)
    finally:
        await engine.aclose()
    assert server.requests == [], "a blocked request must not reach the server"
    assert got.of(SuggestionDone) == [] and got.of(OfflineNotes)
    assert "cuecard blocked" in got.of(Notice)[0].message
    assert "cuecard blocked" in got.of(SuggestionFailed)[0].reason
    blocked = [e for e in guard.ledger.entries() if e.outcome == "blocked"]
    assert len(blocked) == 2  # one per provider: no retries against a blocked host

