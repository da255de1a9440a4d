"""The egress ledger: every connection that was allowed or blocked, never what it carried.

The ledger is the evidence behind cuecard's privacy promise: a user (or a test)
can read where bytes went and how many, without trusting us. It records
metadata only: time, destination, purpose, byte counts and outcome. There is
deliberately no field for a URL path, a header, a query string or a body, so
nothing said in an interview, and no key (Google puts it in the query), can
end up here by accident.

It lives in memory, where the terminal status line and the desktop privacy
panel read it; ``to_json``/``from_json`` let an opted-in vault session keep it
(encrypted, like the rest of the session). So that ``cuecard privacy report``
can tell the truth about every command, not only its own process, the
process ledger also writes through to a persistent, content-free store
(``cuecard.privacy.ledger_store``) through ``add_listener``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

Outcome = Literal["allowed", "blocked", "error"]
Layer = Literal["http", "socket", "process"]
"""Which guard saw it: the httpx transport, the socket audit hook, or a subprocess launch."""

_log = logging.getLogger(__name__)

OUTCOMES: tuple[Outcome, ...] = ("allowed", "blocked", "error")
LAYERS: tuple[Layer, ...] = ("http", "socket", "process")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One connection attempt (or one subprocess launch, ``layer == "process"``).

    ``host`` is a host name or address (for a process: the program's name),
    ``label`` names the configured destination it matched ("openai", "local"),
    ``reason`` is a short machine word for blocks and errors ("not-allowed",
    "ConnectTimeout"), never a message that could quote content.
    Byte counts are HTTP bytes (request line, headers, body) as sent and
    received by the transport, before TLS, counted only once the connection
    has opened (a refused connection sent nothing); the socket layer cannot
    count them and leaves them at 0. ``opened``: the connection was
    established (for the socket layer: ``connect`` was allowed to go ahead).
    ``command`` ("ask", "listen") and ``session`` (a kept session's id) say
    what it was part of; both are names, never arguments.
    """

    id: int
    time: float
    host: str
    port: int
    purpose: str
    outcome: Outcome
    layer: Layer = "http"
    label: str = ""
    reason: str = ""
    bytes_sent: int = 0
    bytes_received: int = 0
    duration_s: float = 0.0
    opened: bool = False
    command: str = ""
    session: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerEntry:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "opened" not in values:
            # kept by an older cuecard, which counted request bytes before connecting:
            # only an answer proves that a connection opened
            values["opened"] = bool(values.get("bytes_received")) or (
                values.get("layer") == "socket" and values.get("outcome") == "allowed"
            )
        return cls(**values)


class LedgerUnwritable(OSError):
    """The ledger could not make an entry durable (full disk, read-only folder).

    Raised by ``Ledger.commit`` before anything is sent: the egress guard turns
    it into a refusal, so no request leaves without its record on disk.
    """


class Ledger:
    """A thread-safe, append-mostly list of ``LedgerEntry``.

    Thread-safe because the audit hook records from whatever thread opened the
    socket (asyncio's resolver runs in a thread pool). An entry for an HTTP
    request is added when the request starts and its byte counts grow while the
    response streams, so a live status line sees traffic as it happens.
    """

    def __init__(self, entries: list[LedgerEntry] | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, LedgerEntry] = {}
        self._next = 1
        self._listeners: list[Callable[[int], None]] = []
        self._durable: Callable[[int], None] | None = None
        self._command = ""
        self._session = ""
        for entry in entries or []:
            self._entries[entry.id] = entry
            self._next = max(self._next, entry.id + 1)

    # -- context and listeners ----------------------------------------------------

    def set_context(self, *, command: str | None = None, session: str | None = None) -> None:
        """What the next entries are part of: a command name, a kept session's id."""
        with self._lock:
            if command is not None:
                self._command = command
            if session is not None:
                self._session = session

    @property
    def command(self) -> str:
        return self._command

    @property
    def session(self) -> str:
        return self._session

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(entry_id)`` after every change (the persistent store's write-through).

        Called outside the lock and possibly from any thread, the audit hook's
        included, so a listener must be quick and must not raise; it reads the
        entry back with ``get`` (so it always sees the newest values).
        """
        with self._lock:
            self._listeners.append(listener)

    def set_durable(self, hook: Callable[[int], None] | None) -> None:
        """Who makes an entry durable on ``commit`` (the persistent store), or nobody.

        The hook writes the entry, as it is now, to disk and syncs it; it raises
        ``LedgerUnwritable`` when it cannot.
        """
        with self._lock:
            self._durable = hook

    def commit(self, entry_id: int) -> None:
        """Make ``entry_id`` durable now, before the effect it records (write-ahead).

        The egress guard calls this before a connection opens, before the
        request head goes out and before each body chunk, so whatever kills the
        process afterwards (SIGKILL, a closed terminal, a crash) the record is
        already on disk. Raises ``LedgerUnwritable``; a ledger with no store
        (tests, ``persist=False``) has nothing to do.
        """
        hook = self._durable
        if hook is not None:
            hook(entry_id)

    def _changed(self, entry_id: int) -> None:
        for listener in list(self._listeners):
            try:
                listener(entry_id)
            except Exception:  # the ledger must never break a connection
                _log.warning("ledger: a listener failed", exc_info=True)

    def get(self, entry_id: int) -> LedgerEntry | None:
        with self._lock:
            return self._entries.get(entry_id)

    def record(
        self,
        *,
        host: str,
        port: int,
        purpose: str,
        outcome: Outcome,
        layer: Layer = "http",
        label: str = "",
        reason: str = "",
        bytes_sent: int = 0,
        bytes_received: int = 0,
        opened: bool | None = None,
    ) -> int:
        """Add an entry and return its id (for ``add_bytes`` and ``finish``).

        ``opened`` defaults to "some bytes moved": an entry recorded with byte
        counts is one whose connection opened.
        """
        with self._lock:
            entry_id = self._next
            self._next += 1
            self._entries[entry_id] = LedgerEntry(
                id=entry_id,
                time=time.time(),
                host=host,
                port=port,
                purpose=purpose,
                outcome=outcome,
                layer=layer,
                label=label,
                reason=reason,
                bytes_sent=bytes_sent,
                bytes_received=bytes_received,
                opened=bool(bytes_sent or bytes_received) if opened is None else opened,
                command=self._command,
                session=self._session,
            )
        self._changed(entry_id)
        return entry_id

    def add_bytes(
        self, entry_id: int, *, sent: int = 0, received: int = 0, opened: bool = False
    ) -> None:
        """Count bytes that went out or came in (``opened``: the connection is now open)."""
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None:
                return
            self._entries[entry_id] = replace(
                entry,
                bytes_sent=entry.bytes_sent + sent,
                bytes_received=entry.bytes_received + received,
                opened=entry.opened or opened or bool(sent or received),
            )
        self._changed(entry_id)

    def finish(
        self, entry_id: int, *, outcome: Outcome | None = None, reason: str | None = None
    ) -> None:
        """Close an entry: its duration, and its outcome if the request failed."""
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None:
                return
            changes: dict[str, Any] = {"duration_s": round(time.time() - entry.time, 6)}
            if outcome is not None:
                changes["outcome"] = outcome
            if reason is not None:
                changes["reason"] = reason
            self._entries[entry_id] = replace(entry, **changes)
        self._changed(entry_id)

    def entries(self) -> list[LedgerEntry]:
        """A snapshot, oldest first."""
        with self._lock:
            return [self._entries[k] for k in sorted(self._entries)]

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.entries()]

    def to_json(self) -> str:
        return json.dumps({"version": 1, "entries": self.to_list()}, separators=(",", ":"))

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> Ledger:
        return cls([LedgerEntry.from_dict(item) for item in items])

    @classmethod
    def from_json(cls, text: str) -> Ledger:
        data = json.loads(text)
        return cls.from_list(list(data.get("entries", [])))


_process_ledger = Ledger()


def process_ledger() -> Ledger:
    """The ledger of this process: what the CLI and the UIs report by default."""
    return _process_ledger
