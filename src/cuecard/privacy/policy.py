"""What may leave the machine: the egress policy, its destinations and its refusals.

``EgressPolicy`` is built from the config: each configured provider's API host on
443, or the ``base_url`` host and port of a local or custom server; a
model-download host only while ``cuecard models download`` runs. Loopback is not
special: a loopback port the config does not name is refused like any other
address. Both enforcement layers (``privacy.transport`` at the HTTP client,
``privacy.tripwire`` at the audit hook) ask this one policy, raise its
``EgressBlocked`` and write ahead to the ledger with ``commit_ahead``.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from cuecard import catalog
from cuecard.privacy.ledger import Ledger, LedgerUnwritable

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


def is_ip(host: str) -> bool:
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


def commit_ahead(ledger: Ledger, entry: int) -> None:
    """Write-ahead: make the entry durable now, or refuse what it records (fail closed)."""
    try:
        ledger.commit(entry)
    except LedgerUnwritable as err:
        ledger.finish(entry, outcome="blocked", reason="ledger-unwritable")
        now = ledger.get(entry)
        host, port, purpose = (now.host, now.port, now.purpose) if now else ("?", 0, "?")
        raise LedgerNotWritten(host, port, purpose, str(err)) from None
