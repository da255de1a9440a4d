"""The egress guard, against real loopback servers and real sockets.

The transport tests run in this process. The audit-hook tests run in a child
Python process: an audit hook can never be removed, and the test runner itself
must not stay hooked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx2
import pytest

from cuecard import config as config_mod
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.policy import DOWNLOAD_HOSTS, Destination, EgressBlocked, EgressPolicy
from cuecard.privacy.transport import make_http_client
from privacy.support import LoopbackServer

SRC = Path(__file__).resolve().parents[2] / "src"


def local_policy(port: int) -> EgressPolicy:
    cfg = config_mod.parse(
        {"assist": {"provider": "local", "local": {"base_url": f"http://127.0.0.1:{port}/v1"}}}
    )
    return EgressPolicy.from_config(cfg)


# -- the policy ---------------------------------------------------------------------


def test_default_config_allows_nothing() -> None:
    policy = EgressPolicy.from_config(config_mod.Config())
    assert policy.destinations == ()
    assert not policy.allows("api.openai.com", 443)
    assert not policy.allows("127.0.0.1", 11434)  # loopback is not open by default


def test_policy_names_each_configured_provider_and_nothing_else() -> None:
    cfg = config_mod.parse(
        {
            "assist": {
                "provider": "openai",
                "fallback": ["anthropic", "local", "offline"],
                "local": {"base_url": "http://localhost:8080/v1"},
            }
        }
    )
    policy = EgressPolicy.from_config(cfg)
    assert policy.allows("api.openai.com", 443, "answer")
    assert policy.allows("API.OpenAI.com.", 443, "doctor")  # case and trailing dot
    assert policy.allows("api.anthropic.com", 443)
    assert not policy.allows("generativelanguage.googleapis.com", 443)  # google not configured
    assert not policy.allows("api.openai.com", 80)
    # loopback names are one server: localhost:8080 == 127.0.0.1:8080 == [::1]:8080
    assert policy.allows("127.0.0.1", 8080, "answer")
    assert policy.allows("::1", 8080)
    assert not policy.allows("127.0.0.1", 8081)
    assert not any(d.purpose == "model-download" for d in policy.destinations)


def test_base_url_replaces_the_public_host() -> None:
    cfg = config_mod.parse(
        {"assist": {"provider": "openai", "openai": {"base_url": "https://proxy.example:8443/v1"}}}
    )
    policy = EgressPolicy.from_config(cfg)
    assert policy.allows("proxy.example", 8443)
    assert not policy.allows("api.openai.com", 443)


def test_download_hosts_only_for_the_download_purpose() -> None:
    cfg = config_mod.parse({"assist": {"provider": "openai"}})
    plain = EgressPolicy.from_config(cfg)
    assert not plain.allows("huggingface.co", 443)
    download = EgressPolicy.from_config(cfg, download=True)
    assert download.allows("huggingface.co", 443, "model-download")
    assert not download.allows("huggingface.co", 443, "answer")
    assert not download.allows("api.openai.com", 443, "model-download")
    assert download.without_downloads() == plain
    assert set(DOWNLOAD_HOSTS) <= {d.host for d in download.destinations}


# -- layer 1: the transport --------------------------------------------------------


@pytest.mark.anyio
async def test_transport_blocks_an_unconfigured_loopback_port_before_connecting(
    allowed_server: LoopbackServer, other_server: LoopbackServer
) -> None:
    ledger = Ledger()
    async with make_http_client(local_policy(allowed_server.port), ledger, "answer") as client:
        ok = await client.post(f"{allowed_server.url}/echo", content=b"a" * 500)
        assert ok.status_code == 200
        assert ok.json() == {"received": 500}
        with pytest.raises(EgressBlocked, match=f"127.0.0.1:{other_server.port}"):
            await client.get(f"{other_server.url}/anything")
        with pytest.raises(EgressBlocked):  # another loopback name, same unconfigured port
            await client.get(f"http://localhost:{other_server.port}/")
        again = await client.get(f"http://localhost:{allowed_server.port}/v1/models")
        assert again.status_code == 200  # the allowed server still works in the same session

    assert other_server.connections == 0  # not even a TCP connection was opened
    assert other_server.requests == []
    entries = ledger.entries()
    assert [e.outcome for e in entries] == ["allowed", "blocked", "blocked", "allowed"]
    blocked = entries[1]
    assert (blocked.host, blocked.port, blocked.purpose, blocked.layer) == (
        "127.0.0.1",
        other_server.port,
        "answer",
        "http",
    )
    assert blocked.bytes_sent == 0 and blocked.bytes_received == 0
    first = entries[0]
    assert first.label == "local"
    assert first.bytes_sent > 500  # headers + the 500-byte body
    assert first.bytes_received > len(b'{"received": 500}')


@pytest.mark.anyio
async def test_ledger_counts_streamed_bytes_as_they_flow(allowed_server: LoopbackServer) -> None:
    ledger = Ledger()
    client = make_http_client(local_policy(allowed_server.port), ledger, "answer")
    seen = []
    async with client, client.stream("GET", f"{allowed_server.url}/stream?n=6") as response:
        async for chunk in response.aiter_raw():
            if chunk:
                seen.append(ledger.entries()[0].bytes_received)
    body_total = 6 * 1000
    assert len(seen) >= 2
    assert seen == sorted(seen) and seen[0] < seen[-1]  # grew while streaming
    entry = ledger.entries()[0]
    # chunked framing is counted too: at least the body, plus a few bytes per chunk
    assert body_total <= entry.bytes_received < body_total + 400
    assert entry.duration_s > 0.05


@pytest.mark.anyio
async def test_a_dot_localhost_name_is_not_loopback(allowed_server: LoopbackServer) -> None:
    """``x.localhost`` may go to a DNS server: only a name the config names is allowed."""
    ledger = Ledger()
    async with make_http_client(local_policy(allowed_server.port), ledger, "answer") as client:
        with pytest.raises(EgressBlocked):
            await client.get(f"http://tracker.localhost:{allowed_server.port}/")
    assert allowed_server.connections == 0
    assert [(e.host, e.outcome) for e in ledger] == [("tracker.localhost", "blocked")]


@pytest.mark.anyio
async def test_purpose_is_enforced(allowed_server: LoopbackServer) -> None:
    policy = EgressPolicy((Destination("127.0.0.1", allowed_server.port, "doctor", "local"),))
    ledger = Ledger()
    async with make_http_client(policy, ledger, "answer") as client:
        with pytest.raises(EgressBlocked):
            await client.get(allowed_server.url)
    async with make_http_client(policy, ledger, "doctor") as client:
        assert (await client.get(allowed_server.url)).status_code == 200
    outcomes = [(e.purpose, e.outcome) for e in ledger]
    assert outcomes == [("answer", "blocked"), ("doctor", "allowed")]
    assert allowed_server.connections == 1


@pytest.mark.anyio
async def test_connection_error_is_recorded_as_error() -> None:
    import socket

    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ledger = Ledger()
    async with make_http_client(local_policy(port), ledger, "answer") as client:
        with pytest.raises(httpx2.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")
    (entry,) = ledger.entries()
    assert (entry.outcome, entry.reason) == ("error", "ConnectError")
    # the connection never opened: nothing was sent, and the ledger says so
    assert (entry.opened, entry.bytes_sent, entry.bytes_received) == (False, 0, 0)


@pytest.mark.anyio
async def test_bytes_count_only_once_the_connection_opens(allowed_server: LoopbackServer) -> None:
    """httpcore's trace tells the ledger when the connection opened and the head went out."""
    ledger = Ledger()
    seen: list[str] = []

    async def own_trace(name: str, info: dict[str, object]) -> None:
        seen.append(name)  # a caller's own trace still runs

    async with make_http_client(local_policy(allowed_server.port), ledger, "answer") as client:
        request = client.build_request("POST", f"{allowed_server.url}/echo", content=b"b" * 300)
        request.extensions["trace"] = own_trace
        response = await client.send(request)
        assert response.json() == {"received": 300}
    (entry,) = ledger.entries()
    assert entry.opened
    head = len(b"POST /echo HTTP/1.1\r\n") + 2
    assert 300 + head < entry.bytes_sent < 300 + 400  # body + request line and headers
    assert "connection.connect_tcp.complete" in seen
    assert "http11.send_request_headers.started" in seen


@pytest.mark.anyio
async def test_device_describing_headers_are_stripped_on_the_wire_for_every_sdk() -> None:
    """Each real SDK, through the guarded client, to the fake provider server: the requests as
    received carry no OS, CPU, runtime version or SDK build, and a plain user agent."""
    import platform

    from cuecard.assist.providers import Deadlines, build_provider
    from fakes.provider_server import FakeProviderServer

    telltales = {platform.system(), platform.machine(), platform.python_version(), "x64",
                 "CPython", "gl-python"}  # fmt: skip

    def leaks(headers: dict[str, str]) -> list[str]:
        return [
            f"{name}: {value}" for name, value in headers.items()
            if name.startswith("x-stainless") or name == "x-goog-api-client"
            or any(t and t in value for t in telltales)
        ]  # fmt: skip

    with FakeProviderServer() as srv:
        urls = {"openai": srv.openai_base_url, "anthropic": srv.anthropic_base_url,
                "google": srv.google_base_url, "local": srv.openai_base_url}  # fmt: skip
        for name, url in urls.items():
            cfg = config_mod.parse({"assist": {"provider": name, name: {"base_url": url}}})
            client = make_http_client(EgressPolicy.from_config(cfg), Ledger(), "doctor", label=name)
            provider = build_provider(
                name, getattr(cfg.assist, name), api_key="sk-test-" + "h" * 32,
                http_client=client, deadlines=Deadlines(),
            )  # fmt: skip
            try:
                await provider.check()  # a real generation request
            finally:
                await provider.aclose()
                await client.aclose()
            received = srv.requests[-1]
            assert received.api in ("openai", "anthropic", "google"), received
            assert leaks(received.headers) == [], name
            assert received.headers["user-agent"] == "cuecard"
            assert received.api_key == "sk-test-" + "h" * 32  # what the API needs still goes

        # the same SDK without the guarded client does send them: the check can fail
        import openai

        async with openai.AsyncOpenAI(api_key="k", base_url=srv.openai_base_url,
                                      max_retries=0) as bare:  # fmt: skip
            await bare.models.list()
        assert leaks(srv.requests[-1].headers) != []


@pytest.mark.anyio
async def test_real_openai_sdk_uses_the_guarded_client(
    allowed_server: LoopbackServer, other_server: LoopbackServer
) -> None:
    """The provider SDKs accept our client; a blocked host fails with EgressBlocked in the chain."""
    import openai

    ledger = Ledger()
    policy = local_policy(allowed_server.port)
    key = "not-a-real-key"
    async with openai.AsyncOpenAI(
        api_key=key,
        base_url=f"{allowed_server.url}/v1",
        http_client=make_http_client(policy, ledger, "answer"),
        max_retries=0,
    ) as client:
        models = await client.models.list()
        assert models.data == []
    async with openai.AsyncOpenAI(
        api_key=key,
        base_url=f"{other_server.url}/v1",
        http_client=make_http_client(policy, ledger, "answer"),
        max_retries=0,
    ) as blocked:
        with pytest.raises(Exception) as info:
            await blocked.models.list()
        # this SDK lets it through as is (older versions wrap it in APIConnectionError)
        chain: list[BaseException] = []
        err: BaseException | None = info.value
        while err is not None:
            chain.append(err)
            err = err.__cause__
        assert any(isinstance(e, EgressBlocked) for e in chain), chain
    assert other_server.connections == 0
    assert [e.outcome for e in ledger] == ["allowed", "blocked"]


# -- layer 2: the audit hook, in a child process ----------------------------------

HOOK_SCRIPT = textwrap.dedent(
    """
    import json, os, socket, subprocess, sys
    from cuecard.privacy.policy import Destination, EgressBlocked, EgressPolicy
    from cuecard.privacy.transport import make_http_client
    from cuecard.privacy.tripwire import install_audit_hook
    from cuecard.privacy.ledger import Ledger

    allowed_port, other_port = int(sys.argv[1]), int(sys.argv[2])
    ledger = Ledger()
    policy = EgressPolicy((Destination("127.0.0.1", allowed_port, "answer", "local"),))
    tripwire = install_audit_hook(policy, ledger)
    results = {"hf_offline": os.environ.get("HF_HUB_OFFLINE")}

    def attempt(name, fn):
        try:
            fn()
            results[name] = "ok"
        except EgressBlocked as err:
            results[name] = "blocked: " + str(err)
        except OSError as err:
            results[name] = "oserror: " + type(err).__name__

    def raw_connect(port, host="127.0.0.1"):
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
            while s.recv(4096):
                pass

    attempt("raw_allowed", lambda: raw_connect(allowed_port))
    attempt("raw_other", lambda: raw_connect(other_port))
    attempt("raw_other_localhost", lambda: raw_connect(other_port, "localhost"))
    attempt("dns_elsewhere", lambda: socket.getaddrinfo("example.com", 443))
    attempt("dns_dot_localhost", lambda: socket.getaddrinfo("leak.localhost", 80))
    attempt("connect_public_ip", lambda: socket.create_connection(("192.0.2.1", 443), timeout=1))

    def udp():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"x", ("192.0.2.1", 53))
    attempt("udp_sendto", udp)

    def own_listener():
        # a listener in this same process, on a loopback port no config names (how
        # socket.socketpair and asyncio's wake-up pipe work on Windows): not egress
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            with socket.create_connection(server.getsockname(), timeout=5):
                pass
    attempt("own_listener", own_listener)

    def unix_pair():
        a, b = socket.socketpair(socket.AF_UNIX)
        a.sendall(b"hi"); assert b.recv(2) == b"hi"
        a.close(); b.close()
    attempt("af_unix", unix_pair)

    attempt("subprocess", lambda: subprocess.run(["true"], check=True))
    attempt("os_system", lambda: os.system("true"))

    import asyncio
    async def via_transport():
        async with make_http_client(policy, ledger, "answer") as client:
            r = await client.get(f"http://127.0.0.1:{allowed_port}/v1/models")
            assert r.status_code == 200
    attempt("transport_allowed", lambda: asyncio.run(via_transport()))

    # the policy is swappable in place: now the other port is allowed
    tripwire.set_policy(policy.with_destination("127.0.0.1", other_port, "answer", "second"))
    attempt("raw_other_after_swap", lambda: raw_connect(other_port))

    print(json.dumps({"results": results, "ledger": json.loads(ledger.to_json())["entries"]}))
    """
)


def run_hook_script(allowed: int, other: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("HF_HUB_OFFLINE", None)
    proc = subprocess.run(
        [sys.executable, "-c", HOOK_SCRIPT, str(allowed), str(other)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_audit_hook_blocks_raw_sockets_and_processes(
    allowed_server: LoopbackServer, other_server: LoopbackServer
) -> None:
    out = run_hook_script(allowed_server.port, other_server.port)
    results = out["results"]
    assert isinstance(results, dict)
    assert results["hf_offline"] == "1"
    assert results["raw_allowed"] == "ok"
    assert results["transport_allowed"] == "ok"  # the allowed fake server works alongside
    assert results["af_unix"] == "ok"  # PulseAudio and D-Bus sockets are local
    assert results["own_listener"] == "ok"  # in-process loopback plumbing
    for name in ("raw_other", "raw_other_localhost", "connect_public_ip", "udp_sendto"):
        assert results[name].startswith("blocked: cuecard blocked a connection"), (name, results)
    assert results["dns_elsewhere"].startswith("blocked:")
    assert results["dns_dot_localhost"].startswith("blocked:")
    assert results["subprocess"].startswith("blocked: cuecard blocked starting the program 'true'")
    assert results["os_system"].startswith("blocked:")
    assert results["raw_other_after_swap"] == "ok"
    # only the swap let a connection through to the second server (the HTTP request of it)
    assert other_server.connections == 1

    ledger = out["ledger"]
    assert isinstance(ledger, list)
    blocked = [(e["layer"], e["host"], e["port"]) for e in ledger if e["outcome"] == "blocked"]
    assert ("socket", "127.0.0.1", other_server.port) in blocked
    assert ("socket", "example.com", 443) in blocked
    assert ("socket", "leak.localhost", 80) in blocked
    assert ("socket", "192.0.2.1", 443) in blocked
    assert ("socket", "192.0.2.1", 53) in blocked
    assert ("process", "true", 0) in blocked
    allowed = [(e["layer"], e["port"], e["label"]) for e in ledger if e["outcome"] == "allowed"]
    # raw sockets are recorded by the hook; the transport's request once, by the transport
    assert ("socket", allowed_server.port, "local") in allowed
    assert ("http", allowed_server.port, "local") in allowed
    assert ("socket", other_server.port, "second") in allowed
    transport_sockets = [e for e in ledger if e["layer"] == "socket" and e["outcome"] == "allowed"]
    assert len(transport_sockets) == 2  # raw_allowed and the post-swap connect, not the transport


def test_connect_is_allowed_only_to_addresses_an_allowed_name_resolved_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tripwire's decision, called directly (installing it would hook this process)."""
    import socket

    for var in ("HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):  # set_policy sets them
        monkeypatch.delenv(var, raising=False)

    from cuecard.privacy.tripwire import Tripwire

    ledger = Ledger()
    policy = EgressPolicy((Destination("api.example", 443, "answer", "example"),))
    tripwire = Tripwire(policy, ledger)
    # what the real getaddrinfo returned for the allowed name (documentation addresses)
    tripwire.learn(
        "api.example",
        [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.5", 443)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::5", 443, 0, 0)),
        ],
    )
    tripwire.learn("elsewhere.example", [(socket.AF_INET, 1, 6, "", ("198.51.100.9", 443))])
    with socket.socket(socket.AF_INET) as v4, socket.socket(socket.AF_INET6) as v6:
        tripwire.hook("socket.connect", (v4, ("203.0.113.5", 443)))
        tripwire.hook("socket.connect", (v6, ("2001:db8::5", 443, 0, 0)))
        for sock, address in (
            (v4, ("203.0.113.5", 80)),  # right address, wrong port
            (v4, ("198.51.100.9", 443)),  # resolved, but for a name that is not allowed
            (v4, ("127.0.0.1", 443)),  # loopback is not open by default
        ):
            with pytest.raises(EgressBlocked):
                tripwire.hook("socket.connect", (sock, address))
        tripwire.hook("socket.getaddrinfo", ("api.example", 443, 0, 0, 0))
        with pytest.raises(EgressBlocked):
            tripwire.hook("socket.getaddrinfo", ("tracker.example", 443, 0, 0, 0))
        # *.localhost and localhost itself are names like any other when no loopback
        # destination is configured: blocked, and recorded
        for name in ("beacon.localhost", "localhost"):
            with pytest.raises(EgressBlocked):
                tripwire.hook("socket.getaddrinfo", (name, 80, 0, 0, 0))
            with pytest.raises(EgressBlocked):
                tripwire.hook("socket.gethostbyname", (name,))
        # a new policy forgets what the old one learned
        tripwire.set_policy(EgressPolicy())
        with pytest.raises(EgressBlocked):
            tripwire.hook("socket.connect", (v4, ("203.0.113.5", 443)))
    outcomes = [(e.host, e.port, e.outcome) for e in ledger]
    assert outcomes[:2] == [("203.0.113.5", 443, "allowed"), ("2001:db8::5", 443, "allowed")]
    assert ("tracker.example", 443, "blocked") in outcomes
    assert ("beacon.localhost", 80, "blocked") in outcomes
    assert ("localhost", 80, "blocked") in outcomes
    assert sum(e.outcome == "blocked" for e in ledger) == 9


def test_only_configured_names_may_be_looked_up() -> None:
    policy = local_policy(8080)  # base_url http://127.0.0.1:8080
    assert policy.allows_name("localhost")  # the hosts file's name for a configured loopback
    assert not policy.allows_name("x.localhost")
    assert not policy.allows_name("example.com")
    named = EgressPolicy((Destination("llm.localhost", 8080, "answer", "local"),))
    assert named.allows_name("llm.localhost")  # exactly what the config names
    assert not named.allows_name("other.localhost")
    assert not EgressPolicy().allows_name("localhost")


STARTUP_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, sys
    import huggingface_hub.constants as hf
    from cuecard import config
    from cuecard.privacy.egress import startup
    from cuecard.privacy.policy import EgressBlocked
    from cuecard.privacy.tripwire import installed_tripwire

    port = int(sys.argv[1])
    cfg = config.parse(
        {"assist": {"provider": "local", "local": {"base_url": f"http://127.0.0.1:{port}/v1"}}}
    )
    guard = startup(cfg)
    out = {"offline": [os.environ.get("HF_HUB_OFFLINE"), hf.HF_HUB_OFFLINE]}

    async def ask():
        async with guard.client("answer") as client:
            return (await client.get(f"http://127.0.0.1:{port}/v1/models")).status_code
    out["status"] = asyncio.run(ask())
    tripwire = installed_tripwire()
    with tripwire.allow_downloads() as policy:
        out["window"] = [os.environ.get("HF_HUB_OFFLINE"), hf.HF_HUB_OFFLINE,
                         policy.allows("huggingface.co", 443, "model-download")]
    out["after"] = [os.environ.get("HF_HUB_OFFLINE"), hf.HF_HUB_OFFLINE,
                    tripwire.policy.allows("huggingface.co", 443, "model-download")]
    out["verdict"] = __import__("cuecard.privacy.report", fromlist=["x"]).summarize(
        guard.ledger).verdict
    print(json.dumps(out))
    """
)


def test_startup_arms_the_guard_and_keeps_hugging_face_offline_outside_a_download(
    allowed_server: LoopbackServer,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("HF_HUB_OFFLINE", None)
    proc = subprocess.run(
        [sys.executable, "-c", STARTUP_SCRIPT, str(allowed_server.port)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["offline"] == ["1", True]  # set at start-up, even with huggingface_hub imported
    assert out["status"] == 200
    assert out["window"] == [None, False, True]  # only inside the download window
    assert out["after"] == ["1", True, False]
    assert out["verdict"] == "1 destination, your configured provider (local); 0 blocked"
