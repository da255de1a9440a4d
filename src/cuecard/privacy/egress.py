"""The egress guard: only the destinations the user configured, and a ledger of everything.

Two layers, because Python's audit hooks are a tripwire, not a sandbox
(CPython's own docs say native code, ctypes and subprocesses get past them):

1. **Enforcement at the client.** Every HTTP client cuecard builds goes through
   ``GuardedTransport``: before a byte is sent it checks the request's host and
   port against the ``EgressPolicy`` (built from the config: each configured
   provider's API host on 443, or the ``base_url`` host and port of a local or
   custom server; a model-download host only while ``cuecard models download``
   runs) and raises ``EgressBlocked`` otherwise. Loopback is not special: a
   loopback port the config does not name is blocked like any other address.
   httpx makes transports pluggable, so this is the natural place (STYLE.md).
2. **A process-wide tripwire.** ``install_audit_hook`` adds a ``sys.addaudithook``
   hook on name resolution, ``socket.connect``/``sendto`` and process launches.
   It blocks (raises from the hook) and records what slips past the transport:
   a library that opens its own socket, a stray telemetry call, a subprocess.

Both layers record into a ``Ledger`` (metadata only, never content), which
``startup`` makes write through to the persistent store that ``cuecard privacy
report`` reads from another process. Audit hooks cannot be removed, so the
installed ``Tripwire`` is reconfigurable: a new policy replaces the old one in
place (config reload, the download window).

The transport also strips what describes the device from every request (the
SDKs' ``X-Stainless-*`` OS, CPU and Python-version headers, Google's
``x-goog-api-client``, a detailed user agent): a provider needs the prompt and
the key, not the machine.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import os
import socket
import ssl
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import httpx2

from cuecard import catalog
from cuecard.privacy.ledger import Ledger, LedgerUnwritable, process_ledger

if TYPE_CHECKING:
    from cuecard.config import Config

PURPOSES: Final = ("answer", "doctor", "coach", "model-download", "key-check")
"""What a connection is for: a live answer, `cuecard doctor`'s check, practice's optional
coach's critique (the same configured providers as answers), a model download, the model
list asked for when a key is saved (``assist.keycheck``)."""
UNATTRIBUTED: Final = "unattributed"
"""Purpose recorded by the socket layer: it cannot know which feature opened a socket."""

PROVIDER_HOSTS: Final[dict[str, str]] = {
    p.name: p.host for p in catalog.PROVIDERS.values() if p.host is not None
}
"""Each cloud provider's API host (from the provider table); all on HTTPS port 443."""

DOWNLOAD_HOSTS: Final[tuple[str, ...]] = (
    "huggingface.co",
    "cdn-lfs.huggingface.co",
    "cdn-lfs-us-1.huggingface.co",
    "cdn-lfs.hf.co",
    "cdn-lfs-us-1.hf.co",
    "cas-bridge.xethub.hf.co",
    "cas-server.xethub.hf.co",
    "transfer.xethub.hf.co",
)
"""Hugging Face hosts a model download is redirected through (the Hub, its LFS CDN, Xet)."""

DEFAULT_SUBPROCESSES: Final[frozenset[str]] = frozenset(
    {"ldconfig", "ldconfig.real", "gcc", "cc", "ld", "objdump",
     "tesseract"}  # OCR of a screen region the user picked (cuecard.screen.ocr); no network
)  # fmt: skip
"""Programs cuecard's own dependencies may start, none of them networked.

``ctypes.util.find_library`` runs ``ldconfig -p`` and, failing that, a
compiler or ``objdump`` to locate a shared library. cuecard's own libraries
(libpulse for soundcard, through cffi) are found by reading the library folders
instead (``cuecard.syslibs``); these stay allowed, and named in the report with
why, for a dependency that still looks one up this way. The keyring backends cuecard uses talk
D-Bus (Linux), the Security framework (macOS) or the Credential Manager
(Windows) in-process, so no helper program is needed for keys.
"""

PROGRAM_REASONS: Final[dict[str, str]] = dict.fromkeys(DEFAULT_SUBPROCESSES, "library-lookup")
"""Why an allowed program was started, as the ledger records it (the report says it in words).
cuecard's own libraries are found without these (``cuecard.syslibs``); one that a dependency
still starts this way is allowed and named."""

_LOOPBACK_NAMES: Final = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)
"""Names the hosts file maps to loopback. ``*.localhost`` is not among them: how such a
name is resolved depends on the system, and a plain DNS resolver sends it to the network."""

PRODUCT_USER_AGENT: Final = "cuecard"
"""The user agent every request carries: a plain product name, no versions, no platform."""

_DEVICE_HEADER_PREFIXES: Final = ("x-stainless-",)
_DEVICE_HEADERS: Final = frozenset({"x-goog-api-client", "x-client-data", "x-client-info"})
"""Headers that describe the device or runtime (OS, CPU, Python version, SDK build)."""
_AF_NETLINK: Final = getattr(socket, "AF_NETLINK", -1)
_AF_UNIX: Final = getattr(socket, "AF_UNIX", -1)


class EgressBlocked(PermissionError):
    """A connection (or process launch) the policy does not allow; nothing was sent.

    A ``PermissionError`` (an ``OSError``) on purpose: libraries treat it as a
    failed connection and degrade, instead of crashing on an exception type
    they have never seen. The message is one line a user can act on.
    """

    def __init__(self, host: str, port: int, purpose: str, *, what: str = "a connection") -> None:
        where = f"{host}:{port}" if port else host
        super().__init__(
            f"cuecard blocked {what} to {where} ({purpose}): your config does not allow it; "
            "`cuecard privacy report` lists what was allowed and blocked"
        )
        self.host = host
        self.port = port
        self.purpose = purpose

    def __str__(self) -> str:
        return str(self.args[0])


class LedgerNotWritten(EgressBlocked):
    """The request's ledger record could not be written, so the request was not sent.

    Fail closed: a connection the report could not show does not happen. An
    ``EgressBlocked``, so the answer engine moves on (to the offline notes)
    without retrying.
    """

    def __init__(self, host: str, port: int, purpose: str, why: str) -> None:
        super().__init__(host, port, purpose)
        self.args = (
            f"cuecard did not send the request to {host}:{port}: {why}; free some disk space "
            "or make the data folder writable (`cuecard data where` shows it)",
        )


class SubprocessBlocked(EgressBlocked):
    """A subprocess that is not on the allow list; it was not started."""

    def __init__(self, program: str) -> None:
        super().__init__(program, 0, "subprocess", what="starting a program")
        self.args = (
            f"cuecard blocked starting the program {program!r}: it is not one cuecard needs; "
            "`cuecard privacy report` lists what was blocked",
        )


def normalize_host(host: str | bytes) -> str:
    """Lower case, no trailing dot, no IPv6 brackets or zone: the form policies compare."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if "%" in host:  # fe80::1%eth0
        host = host.split("%", 1)[0]
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(address)
    return host


def is_loopback(host: str) -> bool:
    """``localhost`` (and its hosts-file aliases) and any address in 127.0.0.0/8 or ::1.

    ``foo.localhost`` is deliberately not loopback here: it is looked up like any
    other name, and so it is allowed only where the config names it exactly.
    """
    host = normalize_host(host)
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def default_port(scheme: str) -> int:
    return 80 if scheme == "http" else 443


@dataclass(frozen=True, slots=True)
class Destination:
    """One allowed (host, port, purpose); ``label`` names it for people ("openai")."""

    host: str
    port: int
    purpose: str
    label: str = ""


@dataclass(frozen=True)
class EgressPolicy:
    """The destinations this process may reach, and the programs it may start.

    Immutable: changing what is allowed means building a new policy and handing
    it to the transport/tripwire, so no request ever sees half a change.
    A loopback destination matches any loopback name or address on its port
    (``localhost:8080`` and ``127.0.0.1:8080`` are the same server); a loopback
    port it does not name stays blocked.
    """

    destinations: tuple[Destination, ...] = ()
    subprocesses: frozenset[str] = DEFAULT_SUBPROCESSES

    def __post_init__(self) -> None:
        normalized = tuple(replace(d, host=normalize_host(d.host)) for d in self.destinations)
        object.__setattr__(self, "destinations", tuple(dict.fromkeys(normalized)))

    # -- building -------------------------------------------------------------

    @classmethod
    def from_config(cls, config: Config, *, download: bool = False) -> EgressPolicy:
        """Each configured provider (main and fallbacks), for answers and ``doctor``.

        A provider with a ``base_url`` (a local server, a proxy, a test's fake)
        is allowed at exactly that host and port, instead of its public API.
        """
        dests: list[Destination] = []
        for name in dict.fromkeys([config.assist.provider, *config.assist.fallback]):
            if name == "offline":
                continue
            settings = config.assist.section(name)
            try:
                host, port = provider_endpoint(name, settings.base_url)
            except ValueError:
                continue  # no valid address: nothing to allow (the session says why, once)
            dests += [Destination(host, port, p, name) for p in ("answer", "doctor", "coach")]
        policy = cls(tuple(dests))
        return policy.with_downloads() if download else policy

    def with_downloads(self, hosts: Iterable[str] = DOWNLOAD_HOSTS) -> EgressPolicy:
        """This policy plus the model-download hosts (purpose ``model-download`` only)."""
        extra = tuple(Destination(h, 443, "model-download", "model download") for h in hosts)
        return replace(self, destinations=self.destinations + extra)

    def without_downloads(self) -> EgressPolicy:
        kept = tuple(d for d in self.destinations if d.purpose != "model-download")
        return replace(self, destinations=kept)

    def with_destination(self, host: str, port: int, purpose: str, label: str = "") -> EgressPolicy:
        return replace(
            self, destinations=(*self.destinations, Destination(host, port, purpose, label))
        )

    # -- asking ---------------------------------------------------------------

    @property
    def allows_downloads(self) -> bool:
        return any(d.purpose == "model-download" for d in self.destinations)

    def matches(
        self, host: str | bytes, port: int, purpose: str | None = None
    ) -> list[Destination]:
        """Every destination that allows this (host, port[, purpose])."""
        host = normalize_host(host)
        loop = is_loopback(host)
        found = []
        for dest in self.destinations:
            if dest.port != port or (purpose is not None and dest.purpose != purpose):
                continue
            if dest.host == host or (loop and is_loopback(dest.host)):
                found.append(dest)
        return found

    def match(
        self, host: str | bytes, port: int, purpose: str | None = None, *, label: str = ""
    ) -> Destination | None:
        """The destination that allows this (host, port[, purpose]), or None.

        Two providers may share one server (a proxy, a local server speaking
        both APIs): ``label`` prefers the caller's own provider among them.
        """
        found = self.matches(host, port, purpose)
        for dest in found:
            if label and dest.label == label:
                return dest
        return found[0] if found else None

    def label_for(self, host: str | bytes, port: int, purpose: str | None = None) -> str:
        """Who a connection to (host, port) is for, when the caller did not say.

        One label if only one provider uses that address; all of them, joined
        with ``|``, if several share it: a report must not guess.
        """
        return _join_labels(d.label for d in self.matches(host, port, purpose))

    def allows(self, host: str | bytes, port: int, purpose: str | None = None) -> bool:
        return self.match(host, port, purpose) is not None

    def allows_name(self, host: str | bytes) -> bool:
        """May this name be resolved at all (on any allowed port)?

        Only the names of allowed destinations. The hosts-file loopback names
        (``localhost``) also when some loopback destination is allowed, since
        ``localhost:8080`` and ``127.0.0.1:8080`` are the same server and
        ``connect()`` still checks the port. Nothing else: a lookup of any other
        name (``anything.localhost`` included) can reach a DNS server.
        """
        host = normalize_host(host)
        if any(d.host == host for d in self.destinations):
            return True
        return host in _LOOPBACK_NAMES and any(is_loopback(d.host) for d in self.destinations)

    def ports_for(self, host: str | bytes) -> dict[int, str]:
        """Allowed ports of a name, with their labels (``a|b`` when providers share one)."""
        host = normalize_host(host)
        return _ports(d for d in self.destinations if d.host == host)

    def loopback_ports(self) -> dict[int, str]:
        return _ports(d for d in self.destinations if is_loopback(d.host))

    def labels(self) -> dict[tuple[str, int], str]:
        return {(d.host, d.port): d.label for d in self.destinations}


def _join_labels(labels: Iterable[str]) -> str:
    return "|".join(sorted({label for label in labels if label}))


def _ports(dests: Iterable[Destination]) -> dict[int, str]:
    by_port: dict[int, set[str]] = {}
    for d in dests:
        by_port.setdefault(d.port, set()).add(d.label)
    return {port: _join_labels(labels) for port, labels in by_port.items()}


def provider_endpoint(name: str, base_url: str | None) -> tuple[str, int]:
    """(host, port) a provider's requests go to, from its ``base_url`` or its public API."""
    host, port = catalog.endpoint(name, base_url)
    return normalize_host(host), port


# -- layer 1: the guarded httpx transport ------------------------------------------

_IN_TRANSPORT: contextvars.ContextVar[bool] = contextvars.ContextVar(
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


def _commit(ledger: Ledger, entry: int) -> None:
    """Write-ahead: make the entry durable now, or refuse what it records (fail closed)."""
    try:
        ledger.commit(entry)
    except LedgerUnwritable as err:
        ledger.finish(entry, outcome="blocked", reason="ledger-unwritable")
        now = ledger.get(entry)
        host, port, purpose = (now.host, now.port, now.purpose) if now else ("?", 0, "?")
        raise LedgerNotWritten(host, port, purpose, str(err)) from None


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
                    _commit(self._ledger, self._entry)  # on disk before the chunk goes out
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
        _commit(self.ledger, entry)

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
        token = _IN_TRANSPORT.set(True)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException as exc:
            gate.failed(entry, exc)
            raise
        finally:
            _IN_TRANSPORT.reset(token)
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


# -- layer 2: the process-wide tripwire --------------------------------------------

_DNS_EVENTS: Final = frozenset(
    {
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    }
)
_SEND_EVENTS: Final = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_BIND_EVENT: Final = "socket.bind"
_PROCESS_EVENTS: Final = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.startfile"}
)
_WATCHED: Final = _DNS_EVENTS | _SEND_EVENTS | _PROCESS_EVENTS | {_BIND_EVENT}


class Tripwire:
    """The installed audit hook's state: which policy it enforces, where it records.

    ``connect`` to an internet address is allowed only if an allowed name
    resolved to that address in this process (learned from the real
    ``getaddrinfo`` results, so DNS round-robin stays correct), or the address
    itself is an allowed destination, or it is loopback on a configured port.
    AF_UNIX sockets (PulseAudio, D-Bus for the keychain) and netlink are local
    by nature and always allowed, and so is a loopback connection to a socket
    this same process is listening on: that is how ``socket.socketpair`` (and
    so asyncio's wake-up pipe) works on Windows, and it never leaves the process.
    """

    def __init__(self, policy: EgressPolicy, ledger: Ledger) -> None:
        self._lock = threading.Lock()
        self._policy = policy
        self._ledger = ledger
        self._resolved: dict[str, dict[int, str]] = {}
        self._busy = threading.local()
        self._own_listeners: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    @property
    def policy(self) -> EgressPolicy:
        return self._policy

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    def set_policy(self, policy: EgressPolicy) -> None:
        """Swap the policy in place (the hook itself can never be removed)."""
        with self._lock:
            self._policy = policy
            self._resolved = {}
        _set_hf_offline(not policy.allows_downloads)

    def set_ledger(self, ledger: Ledger) -> None:
        self._ledger = ledger

    @contextlib.contextmanager
    def allow_downloads(self, hosts: Iterable[str] = DOWNLOAD_HOSTS) -> Iterator[EgressPolicy]:
        """The model-download window: download hosts allowed, Hugging Face online, then not."""
        before = self._policy
        policy = before.with_downloads(hosts)
        self.set_policy(policy)
        try:
            yield policy
        finally:
            self.set_policy(before)

    # -- called from the getaddrinfo wrapper ------------------------------------

    def learn(self, host: object, results: list[Any]) -> None:
        if not isinstance(host, str | bytes):
            return
        ports = self._policy.ports_for(host)
        if not ports:
            return
        with self._lock:
            for item in results:
                sockaddr = item[4]
                address = normalize_host(str(sockaddr[0]))
                self._resolved.setdefault(address, {}).update(ports)

    # -- the audit hook ---------------------------------------------------------

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in _WATCHED or getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            if event == _BIND_EVENT:
                self._note_bind(args)
            elif event in _SEND_EVENTS:
                self._check_send(event, args)
            elif event in _DNS_EVENTS:
                self._check_dns(event, args)
            else:
                self._check_process(event, args)
        finally:
            self._busy.on = False

    def _block(self, host: str, port: int, reason: str) -> EgressBlocked:
        self._ledger.record(
            host=host,
            port=port,
            purpose=UNATTRIBUTED,
            outcome="blocked",
            layer="socket",
            reason=reason,
        )
        return EgressBlocked(host, port, UNATTRIBUTED)

    def _check_dns(self, event: str, args: tuple[Any, ...]) -> None:
        host = args[0] if args else None
        reverse = event in ("socket.gethostbyaddr", "socket.getnameinfo")
        if event == "socket.getnameinfo" and isinstance(host, tuple) and host:
            host = host[0]
        if host is None or not isinstance(host, str | bytes):
            return  # passive/local lookups
        name = normalize_host(host)
        if not name:
            return
        if reverse:  # asks a DNS server about an address
            if (_is_ip(name) and is_loopback(name)) or (
                not _is_ip(name) and self._policy.allows_name(name)
            ):
                return
            raise self._block(name, 0, "reverse-lookup")
        if _is_ip(name):
            return  # parsing a literal address sends nothing; connect() decides
        if self._policy.allows_name(name):
            return
        port = args[1] if len(args) > 1 and isinstance(args[1], int) else 0
        raise self._block(name, port, "name-not-allowed")

    def _check_send(self, event: str, args: tuple[Any, ...]) -> None:
        sock: Any = args[0] if args else None
        address: Any = args[1] if len(args) >= 2 else None
        family = getattr(sock, "family", None)
        if family in (_AF_UNIX, _AF_NETLINK):
            return
        if address is None and event != "socket.connect":
            return  # sendmsg on a connected socket: its connect() was checked
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise self._block(f"family-{int(family or 0)}", 0, "socket-family")
        try:
            host = normalize_host(str(address[0]))
            port = int(address[1])
        except (TypeError, IndexError, ValueError):
            raise self._block("?", 0, "unreadable-address") from None
        label = self._allowed_label(host, port)
        if label is None:
            raise self._block(host, port, "address-not-allowed")
        if label == "this process":
            return  # in-process plumbing, not egress: nothing to record
        if not _IN_TRANSPORT.get():
            # the hook cannot see whether connect() then succeeds, nor count bytes: it
            # counts as opened, so a report never says "nothing left" after a raw send
            entry = self._ledger.record(
                host=host,
                port=port,
                purpose=UNATTRIBUTED,
                outcome="allowed",
                layer="socket",
                label=label,
                opened=True,
            )
            _commit(self._ledger, entry)  # write-ahead, as for the transport

    def _note_bind(self, args: tuple[Any, ...]) -> None:
        """Remember loopback sockets this process binds (their port is known only later)."""
        if len(args) < 2 or getattr(args[0], "family", None) not in (
            socket.AF_INET,
            socket.AF_INET6,
        ):
            return
        address: Any = args[1]
        with contextlib.suppress(TypeError, IndexError, ValueError):
            if is_loopback(str(address[0])):
                self._own_listeners.add(args[0])

    def _is_own_listener(self, port: int) -> bool:
        for sock in list(self._own_listeners):
            with contextlib.suppress(OSError):
                if sock.fileno() != -1 and sock.getsockname()[1] == port:
                    return True
        return False

    def _allowed_label(self, host: str, port: int) -> str | None:
        policy = self._policy
        if is_loopback(host):
            label = policy.loopback_ports().get(port)
            if label is None and self._is_own_listener(port):
                return "this process"
            return label
        dest = policy.match(host, port)
        if dest is not None:
            return dest.label
        with self._lock:
            return self._resolved.get(host, {}).get(port)

    def _check_process(self, event: str, args: tuple[Any, ...]) -> None:
        program = _program_name(event, args)
        sealed = _is_sealed_worker(event, args)
        if program in self._policy.subprocesses or sealed:
            why = "document-reader" if sealed else PROGRAM_REASONS.get(program, "")
            self._ledger.record(host=program, port=0, purpose="subprocess", outcome="allowed",
                                layer="process", reason=why)  # fmt: skip
            return
        self._ledger.record(
            host=program,
            port=0,
            purpose="subprocess",
            outcome="blocked",
            layer="process",
            reason="not-allowed",
        )
        raise SubprocessBlocked(program)


SEALED_WORKERS: Final = frozenset({"cuecard.profile.extract"})
"""cuecard's own worker modules, which arm an audit hook that allows nothing as they start
(``seal``): the document reader runs in a process of its own so its limits hold."""


def _is_sealed_worker(event: str, args: tuple[Any, ...]) -> bool:
    """This very interpreter running one of cuecard's sealed workers (``-m MODULE``)."""
    if event != "subprocess.Popen" or len(args) < 2:
        return False
    executable, argv = args[0], args[1]
    if not isinstance(argv, list | tuple) or len(argv) < 3:
        return False
    program = os.fspath(executable or argv[0])
    if isinstance(program, bytes):
        return False
    same = os.path.realpath(program) == os.path.realpath(sys.executable)
    return same and argv[1] == "-m" and argv[2] in SEALED_WORKERS


def seal() -> None:
    """For a worker process: from here on, no socket, name lookup or program at all.

    A document parser has no business with the network; if a parser were ever made to
    reach for it, the attempt fails in this process (an ``EgressBlocked``) instead of
    going unseen in a child the parent's hook cannot watch.
    """
    install_audit_hook(EgressPolicy(subprocesses=frozenset()), Ledger())


def _program_name(event: str, args: tuple[Any, ...]) -> str:
    """The base name of the program a process event starts; never its arguments (content)."""
    candidate: object = None
    if event == "subprocess.Popen":
        # CPython has already resolved it: `executable`, or args[0]; /bin/sh for shell=True.
        executable, argv = args[0], args[1]
        candidate = executable or (argv[0] if isinstance(argv, list | tuple) and argv else argv)
    elif event == "os.system":
        command = args[0] if args else ""
        if isinstance(command, bytes):
            command = command.decode("utf-8", "replace")
        candidate = str(command).split(maxsplit=1)[0] if str(command).strip() else ""
    elif event == "os.spawn":
        candidate = args[1] if len(args) > 1 else None
    elif args:
        candidate = args[0]
    if isinstance(candidate, bytes):
        candidate = candidate.decode("utf-8", "replace")
    if isinstance(candidate, os.PathLike):
        candidate = os.fspath(candidate)
    name = os.path.basename(str(candidate or "").strip())
    return name or "?"


_TRIPWIRE: Tripwire | None = None
_INSTALL_LOCK = threading.Lock()
_original_getaddrinfo: Callable[..., Any] = socket.getaddrinfo


def _recording_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    """``socket.getaddrinfo`` that tells the tripwire which addresses an allowed name has."""
    results = _original_getaddrinfo(host, port, *args, **kwargs)
    tripwire = _TRIPWIRE
    if tripwire is not None:
        tripwire.learn(host, results)
    return results


def _set_hf_offline(offline: bool) -> None:
    """Hugging Face libraries stay offline except in an explicit download window.

    huggingface_hub reads ``HF_HUB_OFFLINE`` once at import; if it is already
    imported its constant is switched too, so the window really opens/closes.
    """
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    if offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    else:
        os.environ.pop("HF_HUB_OFFLINE", None)
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        setattr(constants, "HF_HUB_OFFLINE", offline)  # noqa: B010 - a module, read at import


def install_audit_hook(policy: EgressPolicy, ledger: Ledger | None = None) -> Tripwire:
    """Install the process-wide tripwire once; later calls swap its policy and ledger.

    Call it at start-up, before importing anything that could open a socket.
    It cannot be uninstalled (CPython's design); tests run it in a subprocess.
    """
    global _TRIPWIRE  # noqa: PLW0603 - one hook per process, by CPython's design
    with _INSTALL_LOCK:
        if _TRIPWIRE is None:
            tripwire = Tripwire(policy, ledger if ledger is not None else process_ledger())
            socket.getaddrinfo = _recording_getaddrinfo
            sys.addaudithook(tripwire.hook)
            _TRIPWIRE = tripwire
        else:
            _TRIPWIRE.set_ledger(ledger if ledger is not None else _TRIPWIRE.ledger)
        _TRIPWIRE.set_policy(policy)
        return _TRIPWIRE


def installed_tripwire() -> Tripwire | None:
    return _TRIPWIRE


@dataclass(slots=True)
class Guard:
    """What start-up hands to the rest of the app: the policy, the ledger, the tripwire."""

    policy: EgressPolicy
    ledger: Ledger
    tripwire: Tripwire | None = field(default=None)

    def client(self, purpose: str, provider: str = "", **options: Any) -> httpx2.AsyncClient:
        """A guarded client for one purpose, its requests recorded under ``provider``."""
        return make_http_client(self.policy, self.ledger, purpose, label=provider, **options)


def client_for(provider: str, base_url: str | None, purpose: str = "answer") -> httpx2.AsyncClient:
    """A guarded client that may reach only ``provider``'s own endpoint, recorded in the
    process ledger: what a provider built without the session's client gets, so that no
    code path sends through an unguarded one. Raises ``ValueError`` for a URL that names
    no server."""
    host, port = provider_endpoint(provider, base_url)
    policy = EgressPolicy((Destination(host, port, purpose, provider),))
    return make_http_client(policy, process_ledger(), purpose, label=provider)


def startup(
    config: Config,
    *,
    download: bool = False,
    tripwire: bool = True,
    command: str | None = None,
    persist: bool = True,
) -> Guard:
    """Build the policy from config and arm the tripwire; the CLI calls this first.

    ``download=True`` only for ``cuecard models download``: it adds the download
    hosts and leaves Hugging Face online. Everything else runs with
    ``HF_HUB_OFFLINE=1``. ``command`` names what the ledger files this
    process's connections under (the CLI's ``main`` sets it from the command
    words). With ``persist`` the process ledger writes through to the store
    ``cuecard privacy report`` reads, kept for ``privacy.retention_days``.
    """
    policy = EgressPolicy.from_config(config, download=download)
    ledger = process_ledger()
    if command is not None:  # else the CLI's main() has named it already
        ledger.set_context(command=command)
    if persist:
        from cuecard.privacy import ledger_store

        ledger_store.persist(ledger, retention_days=config.privacy.retention_days)
    if tripwire:
        # The SDKs describe the platform in their headers; platform.uname() runs
        # `uname -p` in a subprocess the first time. Answer it before the hook is
        # armed (the result is cached), so that harmless launch is neither
        # blocked nor reported as a blocked program.
        import platform

        platform.uname()
        platform.processor()
    installed = install_audit_hook(policy, ledger) if tripwire else None
    if not tripwire:
        _set_hf_offline(not download)
    return Guard(policy, ledger, installed)
