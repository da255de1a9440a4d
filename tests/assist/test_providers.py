"""The answer providers, driven through the official SDKs over real HTTP to a loopback fake.

Every test runs for each of openai, anthropic, google and local (OpenAI-compatible, no key).
Nothing of ours is mocked: the fake server speaks each API's wire format, and what it
records (request bodies, headers, connections, hang-ups) is what the tests check.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import traceback
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from cuecard.assist.base import (
    Message,
    Prompt,
    Provider,
    ProviderError,
    StreamEnd,
    TextDelta,
)
from cuecard.assist.chain import Chain
from cuecard.assist.providers import Deadlines, HttpClient, build_provider
from cuecard.config import ProviderSettings
from fakes.provider_server import DEFAULT_TEXT, FakeProviderServer, Reply

KINDS = ["openai", "anthropic", "google", "local"]
KEY = "sk-test-" + "x" * 30  # obviously fake, built at run time
SYSTEM = "SYSTEM-RULES: answer in short bullets; never invent experience."
QUESTION = "QUESTION-TEXT: tell me about a migration you led"
PROMPT = Prompt(
    system=SYSTEM,
    messages=(
        Message("user", "PROFILE-CHUNK: led billing migration"),
        Message("assistant", "PRIOR-ANSWER: noted"),
        Message("user", QUESTION),
    ),
)
MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-3-5-haiku-latest",
    "google": "gemini-2.0-flash",
    "local": "llama3.2",
}
LABEL = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google Gemini"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def srv() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient() as client:
        yield client


def base_url(kind: str, srv: FakeProviderServer) -> str:
    if kind == "anthropic":
        return srv.anthropic_base_url
    if kind == "google":
        return srv.google_base_url
    return srv.openai_base_url


def make(
    kind: str,
    srv: FakeProviderServer,
    http: HttpClient,
    *,
    model: str | None = None,
    url: str | None = None,
) -> Provider:
    return build_provider(
        kind,
        ProviderSettings(model=model or MODELS[kind], base_url=url or base_url(kind, srv)),
        api_key=None if kind == "local" else KEY,
        http_client=http,
        deadlines=Deadlines(),
    )


def timed(provider: Provider, *, first: float, idle: float) -> Provider:
    """``provider`` under the chain's deadlines: providers keep no timers of their own."""
    return Chain([provider], retries=0, deadlines=Deadlines(first_token_s=first, idle_s=idle))


async def collect(
    provider: Provider, prompt: Prompt = PROMPT
) -> tuple[list[str], StreamEnd | None, ProviderError | None]:
    texts: list[str] = []
    end: StreamEnd | None = None
    try:
        async for item in provider.stream(prompt, max_tokens=200):
            if isinstance(item, TextDelta):
                assert end is None, "text after StreamEnd"
                texts.append(item.text)
            else:
                end = item
    except ProviderError as err:
        return texts, end, err
    return texts, end, None


def assert_clean(err: BaseException) -> None:
    """No key, no prompt text, no request headers in anything a user or a log could see."""
    shown = "".join(
        [str(err), repr(err), *traceback.format_exception(type(err), err, err.__traceback__)]
    )
    for secret in (KEY, SYSTEM, QUESTION, "x-api-key", "x-goog-api-key", "authorization"):
        assert secret.lower() not in shown.lower(), secret
    assert "\n" not in str(err), "a one-line message"


# ---- a normal answer ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_streams_deltas_then_end_with_usage(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    provider = make(kind, srv, http)
    texts, end, err = await collect(provider)
    assert err is None
    assert len(texts) > 3
    assert "".join(texts) == DEFAULT_TEXT
    assert end is not None
    (rec,) = srv.generations
    assert rec.usage is not None
    assert (end.usage.input_tokens, end.usage.output_tokens) == rec.usage
    assert end.usage.output_tokens == len(texts)
    await provider.aclose()
    assert not http.is_closed, "the injected client belongs to the caller"


@pytest.mark.anyio
async def test_request_has_system_slot_roles_and_no_tools(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    provider = make(kind, srv, http)
    await collect(provider)
    (rec,) = srv.generations
    body = rec.body
    assert isinstance(body, dict)
    assert not {"tools", "tool_choice", "functions", "toolConfig"} & body.keys()
    if kind in ("openai", "local"):
        assert body["messages"][0] == {"role": "system", "content": SYSTEM}
        assert [m["role"] for m in body["messages"][1:]] == ["user", "assistant", "user"]
        assert body["messages"][-1]["content"] == QUESTION
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
        limit = "max_tokens" if kind == "local" else "max_completion_tokens"
        assert body[limit] == 200
    elif kind == "anthropic":
        assert body["system"] == SYSTEM
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert all(SYSTEM not in str(m) for m in body["messages"])
        assert body["max_tokens"] == 200
        assert body["stream"] is True
    else:
        assert body["systemInstruction"]["parts"] == [{"text": SYSTEM}]
        assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
        assert body["contents"][-1]["parts"] == [{"text": QUESTION}]
        assert body["generationConfig"]["maxOutputTokens"] == 200
        assert rec.query == {"alt": "sse"}
    if kind == "local":
        assert rec.api_key == "no-key", "a placeholder, never a cloud key"
        assert "openai-organization" not in rec.headers
    else:
        assert rec.api_key == KEY


@pytest.mark.anyio
async def test_one_sdk_client_and_connection_across_answers(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    provider = make(kind, srv, http)
    for _ in range(3):
        texts, end, err = await collect(provider)
        assert err is None and end is not None and texts
    assert len(srv.generations) == 3
    assert srv.connection_count == 1
    assert len({r.connection_id for r in srv.generations}) == 1


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_rejected_key_is_auth_with_a_one_liner(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.require_key = "some-other-key"  # the 401 body echoes the key we sent
    _, _, err = await collect(make(kind, srv, http))
    assert err is not None
    assert (err.kind, err.retryable, err.provider) == ("auth", False, kind)
    if kind == "local":
        assert str(err) == (
            f"the local model server at {srv.openai_base_url} refused the request "
            "(HTTP 401) — check its API key setting"
        )
    else:
        assert str(err) == f"your {LABEL[kind]} key was rejected — run `cuecard keys set {kind}`"
    assert_clean(err)


@pytest.mark.anyio
async def test_scripted_401_and_403_are_auth(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.fail_next(401)
    srv.fail_next(403)
    provider = make(kind, srv, http)
    for _ in range(2):
        _, _, err = await collect(provider)
        assert err is not None and err.kind == "auth" and not err.retryable


@pytest.mark.anyio
async def test_unknown_model_lists_the_available_ones(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    _, _, err = await collect(make(kind, srv, http, model="no-such-model"))
    assert err is not None
    assert (err.kind, err.retryable) == ("model_not_found", False)
    msg = str(err)
    assert msg.startswith("model no-such-model is not available ")
    listed = msg.split("available: ", 1)[1]
    if kind == "openai":
        assert "gpt-4o-mini" in listed and "o3-mini" in listed
        for not_chat in ("whisper-1", "tts-1", "dall-e-3", "text-embedding-3-small"):
            assert not_chat not in listed
    elif kind == "local":
        assert "ollama pull no-such-model" in msg
        names = listed.split(" — ")[0].split(", ")
        assert len(names) == 9 and names[-1] == "…", "capped at 8 names"
    elif kind == "anthropic":
        assert "claude-3-5-haiku-latest, claude-sonnet-4-5" in listed
    else:
        assert "gemini-2.0-flash, gemini-2.5-flash, gemini-2.5-pro" in listed
        assert "embedding" not in listed
    assert_clean(err)


@pytest.mark.anyio
async def test_unknown_model_when_listing_fails_says_so(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.models_status = 500
    _, _, err = await collect(make(kind, srv, http, model="no-such-model"))
    assert err is not None and err.kind == "model_not_found"
    assert "could not list the available models (HTTP 500)" in str(err)


@pytest.mark.anyio
async def test_rate_limit_is_retryable_then_succeeds(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.fail_next(429, times=2)
    provider = make(kind, srv, http)
    for _ in range(2):
        texts, _, err = await collect(provider)
        assert err is not None and not texts
        assert (err.kind, err.retryable) == ("rate_limit", True)
        assert "rate-limiting" in str(err)
        assert_clean(err)
    texts, end, err = await collect(provider)
    assert err is None and end is not None and "".join(texts) == DEFAULT_TEXT
    assert len(srv.generations) == 3, "the SDK itself must not retry"


@pytest.mark.anyio
async def test_server_error_is_retryable(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.fail_next(500)
    _, _, err = await collect(make(kind, srv, http))
    assert err is not None
    assert (err.kind, err.retryable) == ("server", True)
    assert "server error (HTTP 500)" in str(err)
    assert len(srv.generations) == 1, "no SDK retries"
    assert_clean(err)


@pytest.mark.anyio
async def test_error_event_inside_the_stream_is_retryable(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(error_after=3))
    texts, end, err = await collect(make(kind, srv, http))
    assert len(texts) == 3 and end is None
    assert err is not None
    assert err.retryable
    assert err.kind == "server"
    assert_clean(err)


@pytest.mark.anyio
async def test_stream_cut_mid_answer_yields_text_then_retryable_error(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(cut_after=4))
    provider = make(kind, srv, http)
    texts, end, err = await collect(provider)
    assert texts == Reply().chunks()[:4], "what arrived before the cut was passed on"
    assert end is None
    assert err is not None
    assert err.retryable and err.kind in ("network", "server")
    assert "cut off" in str(err)
    assert_clean(err)
    texts, end, err = await collect(provider)
    assert err is None and end is not None, "the provider recovers on the next answer"


@pytest.mark.anyio
async def test_server_that_never_answers_times_out_on_first_token(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(hang=True))
    provider = timed(make(kind, srv, http), first=0.5, idle=5.0)
    start = time.monotonic()
    texts, _, err = await collect(provider)
    elapsed = time.monotonic() - start
    assert err is not None and not texts
    assert (err.kind, err.retryable) == ("timeout", False)
    assert "sent nothing for 0.5 s" in str(err)
    assert 0.45 <= elapsed < 1.5
    assert srv.generations[0].wait_disconnect(2.0), "the hung request was abandoned"
    assert_clean(err)


@pytest.mark.anyio
async def test_first_token_too_slow_times_out(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(first_token_delay_s=5.0))
    start = time.monotonic()
    texts, _, err = await collect(timed(make(kind, srv, http), first=0.5, idle=5.0))
    assert time.monotonic() - start < 1.5
    assert err is not None and err.kind == "timeout" and not err.retryable and not texts


@pytest.mark.anyio
async def test_stream_that_stalls_mid_answer_times_out(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(stall_after=2))
    texts, end, err = await collect(timed(make(kind, srv, http), first=5.0, idle=0.5))
    assert len(texts) == 2 and end is None
    assert err is not None
    assert (err.kind, err.retryable) == ("timeout", True)
    assert "stopped sending for 0.5 s — the answer was cut off" in str(err)
    assert srv.generations[0].wait_disconnect(2.0)


@pytest.mark.anyio
async def test_unreachable_server_is_a_network_error(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    suffix = "/v1" if kind in ("openai", "local") else "/"
    url = f"http://127.0.0.1:{port}{suffix}"
    _, _, err = await collect(make(kind, srv, http, url=url))
    assert err is not None
    assert (err.kind, err.retryable) == ("network", True)
    assert str(err).startswith("cannot reach ")
    if kind == "local":
        assert "is it running" in str(err)
    assert_clean(err)


@pytest.mark.anyio
async def test_safety_stop_is_blocked_not_retryable(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    finish = {"anthropic": "refusal", "google": "SAFETY"}.get(kind, "content_filter")
    srv.enqueue(Reply(pieces=["I can't"], finish=finish))
    texts, end, err = await collect(make(kind, srv, http))
    assert texts == ["I can't"] and end is None
    assert err is not None
    assert (err.kind, err.retryable) == ("blocked", False)
    assert "declined to answer" in str(err)


# ---- cancellation ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_cancelling_the_consumer_closes_the_http_stream(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(chunk_delay_s=0.3))
    provider = make(kind, srv, http)
    got: list[str] = []
    two = asyncio.Event()

    async def consume() -> None:
        async for item in provider.stream(PROMPT, max_tokens=200):
            if isinstance(item, TextDelta):
                got.append(item.text)
                if len(got) == 2:
                    two.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(two.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rec = srv.generations[0]
    assert await asyncio.to_thread(rec.wait_disconnect, 2.0), "server saw the hang-up"
    assert not rec.completed
    assert rec.chunks_sent < len(Reply().chunks())
    _texts, end, err = await collect(provider)
    assert err is None and end is not None, "a new question gets a fresh answer"


@pytest.mark.anyio
async def test_closing_the_generator_closes_the_http_stream(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(chunk_delay_s=0.3))
    provider = make(kind, srv, http)
    stream = provider.stream(PROMPT, max_tokens=200)
    first = await anext(stream)
    assert isinstance(first, TextDelta)
    await stream.aclose()  # type: ignore[attr-defined]
    assert await asyncio.to_thread(srv.generations[0].wait_disconnect, 2.0)


# ---- doctor check ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_check_measures_time_to_first_token(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.enqueue(Reply(first_token_delay_s=0.3))
    seconds = await make(kind, srv, http).check()
    assert 0.3 <= seconds < 2.0
    (rec,) = srv.generations
    assert "OK" in str(rec.body)


@pytest.mark.anyio
async def test_check_raises_the_same_errors(
    kind: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    srv.require_key = "another"
    with pytest.raises(ProviderError) as info:
        await make(kind, srv, http).check()
    assert info.value.kind == "auth"


# ---- secrets -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_no_key_or_prompt_in_logs_even_at_debug(
    kind: str,
    srv: FakeProviderServer,
    http: httpx2.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    srv.require_key = KEY
    provider = make(kind, srv, http)
    await collect(provider)
    srv.enqueue(Reply(cut_after=2), Reply(status=500), Reply(status=429))
    for _ in range(3):
        await collect(provider)
    srv.require_key = "other"
    await collect(provider)
    await collect(make(kind, srv, http, model="no-such-model"))
    assert caplog.records, "something was logged, so the check below means something"
    for secret in (KEY, SYSTEM, QUESTION, "PROFILE-CHUNK"):
        assert secret not in caplog.text


# ---- the plain httpx client the privacy layer may build ---------------------------------------


@pytest.mark.anyio
async def test_local_base_url_without_v1_points_at_the_url(
    srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    _, _, err = await collect(make("local", srv, http, url=srv.base_url))
    assert err is not None and err.kind == "model_not_found"
    assert "could not list the available models (HTTP 404 — check the base_url)" in str(err)
    assert "ollama pull" not in str(err)
