"""build_provider from the provider table, the error vocabulary, the egress-guard pass-through."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from cuecard import catalog
from cuecard.assist import errors
from cuecard.assist.base import Message, Prompt, Provider, ProviderError, StreamEnd, TextDelta
from cuecard.assist.errors import Vendor
from cuecard.assist.providers import Deadlines, HttpClient, build_provider
from cuecard.config import AssistConfig, ProviderSettings
from cuecard.privacy.transport import GuardedTransport
from fakes.provider_server import DEFAULT_TEXT, FakeProviderServer

KEY = "sk-test-" + "y" * 30
PROMPT = Prompt(system="rules", messages=(Message("user", "question?"),))
T = Deadlines(first_token_s=3.0, idle_s=3.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def srv() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


async def answer(provider: Provider) -> str:
    text = ""
    async for item in provider.stream(PROMPT, max_tokens=64):
        if isinstance(item, TextDelta):
            text += item.text
        else:
            assert isinstance(item, StreamEnd)
    return text


# ---- building ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openai", "anthropic", "google", "local"])
def test_builds_each_configured_provider_with_default_model(name: str) -> None:
    cfg = AssistConfig()
    provider = build_provider(
        name, ProviderSettings(), api_key=KEY, http_client=httpx2.AsyncClient(), deadlines=T
    )
    assert isinstance(provider, Provider)
    assert provider.name == name
    assert provider.model == getattr(cfg, name).model, "a section without model keeps the default"
    assert provider.model == catalog.info(name).default_model
    # A loopback server too: its port can be a tunnel, so its prompts are inspected and redacted.
    assert provider.needs_network


def test_configured_model_and_urls_win() -> None:
    provider = build_provider(
        "local",
        ProviderSettings(model="qwen2.5:7b", base_url="http://192.168.1.20:1234/v1"),
        api_key=None,
        http_client=None,
        deadlines=T,
    )
    assert provider.model == "qwen2.5:7b"
    assert provider.needs_network, "a server on another machine means data leaves this one"


def test_timeouts_come_from_config() -> None:
    t = Deadlines.from_config(AssistConfig(timeout_s=12, first_token_timeout_s=3))
    assert (t.first_token_s, t.idle_s) == (3, 12)


@pytest.mark.parametrize("name", ["openai", "anthropic", "google"])
@pytest.mark.parametrize("key", [None, ""])
def test_cloud_provider_without_key_says_how_to_set_one(name: str, key: str | None) -> None:
    with pytest.raises(ProviderError) as info:
        build_provider(name, ProviderSettings(), api_key=key, http_client=None, deadlines=T)
    err = info.value
    assert (err.kind, err.retryable, err.provider) == ("auth", False, name)
    assert str(err).endswith(f"— run `cuecard keys set {name}`")


def test_unknown_provider_name_lists_the_known_ones() -> None:
    with pytest.raises(ProviderError) as info:
        build_provider("openia", ProviderSettings(), api_key=KEY, http_client=None, deadlines=T)
    assert info.value.kind == "bad_request"
    assert "offline, openai, anthropic, google, local" in str(info.value)


def test_config_names_exactly_the_providers_of_the_table() -> None:
    for name in catalog.PROVIDERS:
        assert AssistConfig(provider=name).provider == name
    with pytest.raises(ValueError, match="choose one of"):
        AssistConfig(provider="openia")
    for name, spec in catalog.PROVIDERS.items():
        if spec.sends_prompt:
            assert getattr(AssistConfig(), name).model == spec.default_model


def test_a_new_provider_is_one_table_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(catalog.PROVIDERS)
    table["echo"] = catalog.ProviderInfo(
        "echo", "Echo", "fakes.echo_provider:EchoProvider", default_model="echo-1",
        default_base_url="http://127.0.0.1:9/v1",
    )  # fmt: skip
    monkeypatch.setattr(catalog, "PROVIDERS", table)
    provider = build_provider(
        "echo", ProviderSettings(), api_key=None, http_client=None, deadlines=T
    )
    assert (provider.name, provider.model) == ("echo", "echo-1")
    assert catalog.endpoint("echo", None) == ("127.0.0.1", 9)


# ---- HTTP client ownership ---------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["openai", "anthropic", "google", "local"])
async def test_without_injected_client_the_provider_owns_closes_and_guards_one(
    name: str, srv: FakeProviderServer
) -> None:
    url = {"anthropic": srv.anthropic_base_url, "google": srv.google_base_url}.get(
        name, srv.openai_base_url
    )
    model = {"anthropic": "claude-3-5-haiku-latest", "google": "gemini-2.0-flash"}.get(
        name, "gpt-4o-mini"
    )
    provider = build_provider(
        name, ProviderSettings(model=model, base_url=url), api_key=KEY, http_client=None,
        deadlines=T,
    )
    assert await answer(provider) == DEFAULT_TEXT
    own = provider._http  # type: ignore[attr-defined]
    assert isinstance(own._transport, GuardedTransport), "its own client is guarded too"
    await provider.aclose()
    assert own.is_closed


@pytest.mark.anyio
async def test_local_server_with_its_own_key_gets_it(srv: FakeProviderServer) -> None:
    provider = build_provider(
        "local",
        ProviderSettings(model="llama3.2", base_url=srv.openai_base_url),
        api_key="vllm-token",
        http_client=None,
        deadlines=T,
    )
    assert await answer(provider) == DEFAULT_TEXT
    assert srv.generations[0].api_key == "vllm-token"
    await provider.aclose()


# ---- the egress guard's verdict passes through the SDKs ---------------------------------------


class _Blocked2(httpx2.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raise ProviderError("blocked", "egress to this host is not allowed", retryable=False)


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["openai", "anthropic", "google", "local"])
async def test_a_guard_verdict_raised_in_the_transport_reaches_the_engine(name: str) -> None:
    client: HttpClient = httpx2.AsyncClient(transport=_Blocked2())
    provider = build_provider(
        name, ProviderSettings(), api_key=KEY, http_client=client, deadlines=T
    )
    with pytest.raises(ProviderError) as info:
        await answer(provider)
    assert (info.value.kind, str(info.value)) == ("blocked", "egress to this host is not allowed")
    assert info.value.provider == name
    await client.aclose()


# ---- the error vocabulary ----------------------------------------------------------------------

V = Vendor("openai", "OpenAI")


@pytest.mark.parametrize(
    ("status", "code", "kind", "retryable", "words"),
    [
        (401, None, "auth", False, "key was rejected"),
        (403, None, "auth", False, "key was rejected"),
        (402, None, "rate_limit", False, "out of credit"),
        (429, "insufficient_quota", "rate_limit", False, "out of credit"),
        (429, "rate_limit_exceeded", "rate_limit", True, "rate-limiting"),
        (408, None, "timeout", True, "HTTP 408"),
        (400, "context_length_exceeded", "bad_request", False, "HTTP 400, context_length_exceeded"),
        (413, None, "bad_request", False, "[assist.openai]"),
        (500, None, "server", True, "server error (HTTP 500)"),
        (529, None, "server", True, "overloaded (HTTP 529)"),
        (None, "server_error", "server", True, "mid-answer"),
    ],
)
def test_status_table(
    status: int | None, code: str | None, kind: str, retryable: bool, words: str
) -> None:
    err = errors.from_status(V, status, code)
    assert (err.kind, err.retryable, err.provider) == (kind, retryable, "openai")
    assert words in str(err)


def test_only_identifier_shaped_codes_are_repeated() -> None:
    assert errors.safe_code("rate_limit_exceeded") == "rate_limit_exceeded"
    assert errors.safe_code("Incorrect API key provided: sk-abc") is None
    assert errors.safe_code("x" * 41) is None
    assert errors.safe_code(None) is None


def test_model_names_from_the_server_are_capped_and_printable() -> None:
    names = [f"m{i}" for i in range(12)] + ["evil\x1b[2Jname"]
    msg = str(errors.model_not_found(V, "gpt-9", names))
    assert msg.endswith("available: m0, m1, m2, m3, m4, m5, m6, m7, …")
    msg = str(errors.model_not_found(V, "gpt-9", ["evil\x1b[2Jname"]))
    assert "\x1b" not in msg
