"""Layer 1 of the egress guard: enforcement at the HTTP client.

Every HTTP client cuecard builds goes through ``GuardedTransport``: before a
byte is sent it checks the request's host and port against the
``EgressPolicy`` and raises ``EgressBlocked`` otherwise, recording every request
in the ``Ledger`` (metadata only, never content). httpx makes transports
pluggable, so this is the natural place (STYLE.md).

The transport also strips what describes the device from every request (the
SDKs' ``X-Stainless-*`` OS, CPU and Python-version headers, Google's
``x-goog-api-client``, a detailed user agent): a provider needs the prompt and
the key, not the machine.
"""

from __future__ import annotations

import contextvars
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import httpx2

from cuecard.privacy.ledger import Ledger, process_ledger
from cuecard.privacy.policy import (
    Destination,
    EgressBlocked,
    EgressPolicy,
    LedgerNotWritten,
    commit_ahead,
    default_port,
    normalize_host,
    provider_endpoint,
)

PRODUCT_USER_AGENT: Final = "cuecard"
"""The user agent every request carries: a plain product name, no versions, no platform."""

_DEVICE_HEADER_PREFIXES: Final = ("x-stainless-",)
_DEVICE_HEADERS: Final = frozenset({"x-goog-api-client", "x-client-data", "x-client-info"})
"""Headers that describe the device or runtime (OS, CPU, Python version, SDK build)."""

# -- layer 1: the guarded httpx transport ------------------------------------------

IN_TRANSPORT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "cuecard_in_guarded_transport", default=False
)
"""Set while a guarded transport connects, so the tripwire does not count it twice."""


TLS_ENV_VARS: Final = (
    "SSLKEYLOGFILE", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
)  # fmt: skip
"""What the environment could use to weaken or leak a provider connection; all ignored."""


def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """The TLS settings of every provider connection, built from nothing the environment says.

    ``ssl.create_default_context`` (and so httpx's default) writes every
    session's secrets to the file ``SSLKEYLOGFILE`` names, which is the key and
    the prompt in clear for whoever reads it; httpx's transport also trusts the
    CA file or folder ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` name, so a variable
    could let a proxy read the traffic. So the context is made by hand:
    certifi's CA bundle (the one httpx ships with), hostname checks, TLS 1.2 at
    least, no key log. ``cafile`` replaces the bundle: the tests' seam, for a
    CA they made, never read from the environment.
    """
    import certifi

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # not create_default_context: see above
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    ctx.load_verify_locations(cafile=cafile or certifi.where())
    ctx.keylog_filename = None  # type: ignore[assignment]  # typeshed says str; None clears it
    return ctx


def _transport_options(options: dict[str, Any]) -> dict[str, Any]:
    """The inner transport's options: cuecard's own TLS context and no environment."""
    return {"verify": options.pop("verify", None) or tls_context(), "trust_env": False, **options}


def _head_bytes(request: httpx2.Request) -> int:
    """Size of the request line and headers as HTTP/1.1 writes them."""
    target = request.url.raw_path
    size = len(request.method) + 1 + len(target) + len(b" HTTP/1.1\r\n") + 2
    for name, value in request.headers.raw:
        size += len(name) + 2 + len(value) + 2
    return size


def _response_head_bytes(response: httpx2.Response) -> int:
    size = len(b"HTTP/1.1 000 ") + len(response.reason_phrase or "") + 4
    for name, value in response.headers.raw:
        size += len(name) + 2 + len(value) + 2
    return size


class _CountingAsyncStream(httpx2.AsyncByteStream):
    """Counts bytes into the ledger as they flow, and closes the entry at the end."""

    def __init__(
        self,
        inner: httpx2.AsyncByteStream,
        ledger: Ledger,
        entry: int,
        *,
        direction: str,
        finish_on_close: bool,
    ) -> None:
        self._inner = inner
        self._ledger = ledger
        self._entry = entry
        self._sent = direction == "sent"
        self._finish = finish_on_close
        self._failed: str | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                if self._sent:
                    self._ledger.add_bytes(self._entry, sent=len(chunk))
                    commit_ahead(self._ledger, self._entry)  # on disk before the chunk goes out
                else:
                    self._ledger.add_bytes(self._entry, received=len(chunk))
                yield chunk
        except Exception as exc:
            self._failed = type(exc).__name__
            raise

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._finish:
                if self._failed:
                    self._ledger.finish(self._entry, outcome="error", reason=self._failed)
                else:
                    self._ledger.finish(self._entry)


def scrub_device_headers(headers: httpx2.Headers) -> None:
    """Remove what describes this device or runtime; leave a plain product name as user agent."""
    for name in list(headers.keys()):
        lower = name.lower()
        if lower.startswith(_DEVICE_HEADER_PREFIXES) or lower in _DEVICE_HEADERS:
            del headers[name]
    headers["user-agent"] = PRODUCT_USER_AGENT


class _Wire:
    """What one request did on the wire, learned from httpcore's ``trace`` extension.

    httpcore reports each step (``connection.connect_tcp``, ``http11.send_request_headers``)
    to the request's trace callback, so the ledger learns that a connection
    opened, and counts the request head, only when it really goes out: a
    refused or timed-out connection counts 0 bytes sent.
    """

    def __init__(self, gate: _Gate, entry: int, request: httpx2.Request) -> None:
        self.gate = gate
        self.entry = entry
        self.head = _head_bytes(request)
        self.opened = False
        self.heads_sent = 0
        self.inner: Callable[..., Any] | None = request.extensions.get("trace")

    def step(self, name: str) -> None:
        if name.endswith("connect_tcp.complete") and not self.opened:
            self.opened = True
            self.gate.ledger.add_bytes(self.entry, opened=True)
        elif name.endswith("send_request_headers.started"):
            # counted as it starts: a head cut off half-way still left, in part
            self.opened = True
            self.heads_sent += 1
            self.gate.ledger.add_bytes(self.entry, sent=self.head, opened=True)
            # write-ahead: on disk before the head leaves; raising here aborts the request
            self.gate.commit(self.entry)

    def answered(self) -> None:
        """A response came back: the request went out even if no trace step said so."""
        if not self.heads_sent:
            self.heads_sent = 1
            self.gate.ledger.add_bytes(self.entry, sent=self.head, opened=True)

    def async_trace(self) -> Callable[[str, dict[str, Any]], Any]:
        async def trace(name: str, info: dict[str, Any]) -> None:
            self.step(name)
            if self.inner is not None:
                await self.inner(name, info)

        return trace

class _Gate:
    """The check the guarded transport makes: allowed → a ledger entry; not → blocked.

    ``label`` is the provider the client was made for: with two providers on
    one server, each request is recorded under the provider that made it.
    """

    def __init__(self, policy: EgressPolicy, ledger: Ledger, purpose: str, label: str = "") -> None:
        self.policy = policy
        self.ledger = ledger
        self.purpose = purpose
        self.label = label

    def admit(self, request: httpx2.Request) -> int:
        host = normalize_host(request.url.raw_host)
        port = request.url.port or default_port(request.url.scheme)
        dest = self.policy.match(host, port, self.purpose, label=self.label)
        if dest is None:
            self.ledger.record(
                host=host, port=port, purpose=self.purpose, outcome="blocked",
                reason="not-allowed", label=self.label,
            )  # fmt: skip
            raise EgressBlocked(host, port, self.purpose)
        scrub_device_headers(request.headers)
        entry = self.ledger.record(
            host=host,
            port=port,
            purpose=self.purpose,
            outcome="allowed",
            label=self.label or self.policy.label_for(host, port, self.purpose),
            opened=False,  # nothing is sent until the connection opens (see _Wire)
        )
        self.commit(entry)  # write-ahead: the row is on disk before the connection opens
        return entry

    def commit(self, entry: int) -> None:
        """Make the entry durable, or refuse the request (fail closed)."""
        commit_ahead(self.ledger, entry)

    def failed(self, entry: int, exc: BaseException) -> None:
        if isinstance(exc, LedgerNotWritten):
            self.ledger.finish(entry, outcome="blocked", reason="ledger-unwritable")
        elif isinstance(exc, Exception):
            self.ledger.finish(entry, outcome="error", reason=type(exc).__name__)
        else:  # cancelled: a new question replaced this answer; not a failure
            self.ledger.finish(entry, reason="cancelled")


class _Guarded:
    """The guarded transport's gate, and a policy that can be swapped live."""

    _gate: _Gate

    @property
    def policy(self) -> EgressPolicy:
        return self._gate.policy

    def set_policy(self, policy: EgressPolicy) -> None:
        self._gate.policy = policy


class GuardedTransport(_Guarded, httpx2.AsyncBaseTransport):
    """An httpx transport that sends only to the policy's destinations for one purpose.

    The check runs before the inner transport opens a connection, so a blocked
    request sends nothing at all, not even a TCP SYN. Bytes are counted as they
    flow, a streamed answer's included.
    """

    def __init__(
        self,
        policy: EgressPolicy,
        ledger: Ledger,
        purpose: str,
        *,
        label: str = "",
        inner: httpx2.AsyncBaseTransport | None = None,
        **transport_options: Any,
    ) -> None:
        self._gate = _Gate(policy, ledger, purpose, label)
        self._inner = inner or httpx2.AsyncHTTPTransport(**_transport_options(transport_options))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        gate = self._gate
        entry = gate.admit(request)
        wire = _Wire(gate, entry, request)
        request.extensions = {**request.extensions, "trace": wire.async_trace()}
        if isinstance(request.stream, httpx2.AsyncByteStream):
            request.stream = _CountingAsyncStream(
                request.stream, gate.ledger, entry, direction="sent", finish_on_close=False
            )
        token = IN_TRANSPORT.set(True)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException as exc:
            gate.failed(entry, exc)
            raise
        finally:
            IN_TRANSPORT.reset(token)
        wire.answered()
        gate.ledger.add_bytes(entry, received=_response_head_bytes(response))
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        response.stream = _CountingAsyncStream(
            response.stream, gate.ledger, entry, direction="received", finish_on_close=True
        )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def make_http_client(
    policy: EgressPolicy,
    ledger: Ledger,
    purpose: str,
    *,
    label: str = "",
    timeout: httpx2.Timeout | float | None = None,
    tls: ssl.SSLContext | None = None,
    **client_options: Any,
) -> httpx2.AsyncClient:
    """The one kind of HTTP client cuecard hands to a provider SDK (``http_client=``).

    ``label``: the provider this client is for ("openai", "local"), so its
    requests are recorded under it even when another provider shares the
    server. ``trust_env=False``: no proxy from the environment (it would be a
    destination the policy never saw) and no ``.netrc`` credentials; TLS is
    ``tls_context()`` whatever ``SSLKEYLOGFILE``/``SSL_CERT_FILE`` say (``tls``:
    a context made with ``tls_context(cafile=…)``, for tests).
    """
    return httpx2.AsyncClient(
        transport=GuardedTransport(policy, ledger, purpose, label=label, verify=tls),
        trust_env=False,
        timeout=timeout if timeout is not None else httpx2.Timeout(20.0, connect=5.0),
        **client_options,
    )


def client_for(provider: str, base_url: str | None, purpose: str = "answer") -> httpx2.AsyncClient:
    """A guarded client that may reach only ``provider``'s own endpoint, recorded in the
    process ledger: what a provider built without the session's client gets, so that no
    code path sends through an unguarded one. Raises ``ValueError`` for a URL that names
    no server."""
    host, port = provider_endpoint(provider, base_url)
    policy = EgressPolicy((Destination(host, port, purpose, provider),))
    return make_http_client(policy, process_ledger(), purpose, label=provider)
