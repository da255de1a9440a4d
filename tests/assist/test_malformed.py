"""A reply of a shape the API does not send is one line naming what was wrong, not a crash.

Each shape is served by the loopback fake server and read by the vendor's real SDK; the
error is final for that provider (``retryable`` false: the same server would send it again).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest

from cuecard.assist.base import Message, Prompt, ProviderError
from cuecard.assist.providers import Deadlines, build_provider
from cuecard.config import ProviderSettings
from fakes.provider_server import FakeProviderServer, Reply

KEY = "sk-test-" + "m" * 32
PROMPT = Prompt(system="rules", messages=(Message("user", "question?"),))


def sse(payload: Any, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload)}\n\n"


CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini"}
START = {"type": "message_start", "message": {
    "id": "m", "type": "message", "role": "assistant", "content": [],
    "model": "claude-3-5-haiku-latest", "stop_reason": None, "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}}  # fmt: skip
TEXT = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}}

SHAPES: dict[str, tuple[str, list[str], str]] = {
    "openai chunk without choices": (
        "openai", [sse(CHUNK), "data: [DONE]\n\n"], "without choices",
    ),
    "openai content that is not text": (
        "openai",
        [sse({**CHUNK, "choices": [{"index": 0, "delta": {"content": 42}}]}), "data: [DONE]\n\n"],
        "not text",
    ),
    "google finishReason {}": (
        "google",
        [sse({"candidates": [{"content": {"parts": [{"text": "hi"}], "role": "model"},
                              "finishReason": {}, "index": 0}]})],
        "unexpected shape",  # the SDK itself fails on it, inside its enum parsing
    ),
    "anthropic message_start without usage": (
        "anthropic",
        [sse({**START, "message": {k: v for k, v in START["message"].items() if k != "usage"}},
             "message_start"), sse(TEXT, "content_block_delta")],
        "without usage",
    ),
    "anthropic message_delta without delta": (
        "anthropic",
        [sse(START, "message_start"), sse(TEXT, "content_block_delta"),
         sse({"type": "message_delta", "usage": {"output_tokens": 1}}, "message_delta"),
         sse({"type": "message_stop"}, "message_stop")],
        "without delta",
    ),
}
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest",
          "google": "gemini-2.0-flash"}  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def srv() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient() as client:
        yield client


@pytest.mark.anyio
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_malformed_event_is_a_one_line_provider_error(
    shape: str, srv: FakeProviderServer, http: httpx2.AsyncClient
) -> None:
    kind, events, says = SHAPES[shape]
    url = {"openai": srv.openai_base_url, "anthropic": srv.anthropic_base_url,
           "google": srv.google_base_url}[kind]  # fmt: skip
    srv.enqueue(Reply(raw=events))
    provider = build_provider(
        kind, ProviderSettings(model=MODELS[kind], base_url=url), api_key=KEY,
        http_client=http, deadlines=Deadlines(),
    )  # fmt: skip
    try:
        with pytest.raises(ProviderError) as info:
            async for _ in provider.stream(PROMPT, max_tokens=50):
                pass
    finally:
        await provider.aclose()
    err = info.value
    assert (err.kind, err.retryable, err.provider) == ("server", False, kind)
    assert "malformed reply" in err.message and says in err.message
    assert "\n" not in err.message
    assert len(srv.generations) == 1
