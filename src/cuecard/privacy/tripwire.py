"""Layer 2 of the egress guard: a process-wide tripwire.

Python's audit hooks are a tripwire, not a sandbox (CPython's own docs say
native code, ctypes and subprocesses get past them), so the HTTP transport
(``privacy.transport``) is the enforcement; this catches what slips past it.
``install_audit_hook`` adds a ``sys.addaudithook`` hook on name resolution,
``socket.connect``/``sendto`` and process launches. It blocks (raises from the
hook) and records into the ``Ledger``: a library that opens its own socket, a
stray telemetry call, a subprocess. Audit hooks cannot be removed, so the
installed ``Tripwire`` is reconfigurable: a new policy replaces the old one in
place (config reload, the download window).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

from cuecard.privacy.ledger import Ledger, process_ledger
from cuecard.privacy.policy import (
    DOWNLOAD_HOSTS,
    PROGRAM_REASONS,
    UNATTRIBUTED,
    EgressBlocked,
    EgressPolicy,
    SubprocessBlocked,
    commit_ahead,
    is_ip,
    is_loopback,
    normalize_host,
)
from cuecard.privacy.transport import IN_TRANSPORT

_AF_NETLINK: Final = getattr(socket, "AF_NETLINK", -1)
_AF_UNIX: Final = getattr(socket, "AF_UNIX", -1)



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
        set_hf_offline(not policy.allows_downloads)

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
            if (is_ip(name) and is_loopback(name)) or (
                not is_ip(name) and self._policy.allows_name(name)
            ):
                return
            raise self._block(name, 0, "reverse-lookup")
        if is_ip(name):
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
        if not IN_TRANSPORT.get():
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
            commit_ahead(self._ledger, entry)  # write-ahead, as for the transport

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


def set_hf_offline(offline: bool) -> None:
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
