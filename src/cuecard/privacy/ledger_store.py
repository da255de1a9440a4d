"""The egress ledger on disk: what every cuecard command sent, and to whom, never what.

``cuecard privacy report`` runs in a process of its own, after (or while) an
``ask``, a ``listen`` or the desktop app sent prompts. So that it can tell the
truth about them, each process's ledger writes through to one SQLite file,
``egress.sqlite3`` in the data folder. It holds exactly the ledger's fields:
time, command, kept-session id, provider label, host, port, purpose, which
guard saw it, outcome, a one-word reason, whether the connection opened, and
bytes sent and received. There is no column for a URL path, a query, a header
or a body, so no prompt and no key can land in it.

Safe for several processes at once: WAL mode (readers never block the writer),
a busy timeout, and one row per connection keyed by (process run, entry id),
written with an upsert, so a byte count that grows while an answer streams
only ever updates its own row.

Write-ahead: the row of a connection is written and synced (``synchronous=FULL``)
before the connection opens, again before its request head and each chunk of
its body go out (``commit``), so no signal, crash or power cut can leave a
report saying less left than did; when that write fails (a full disk, a
read-only folder) the request is not sent. Bytes received are written on a
background thread, coalesced every quarter second and flushed at exit, so a
streaming answer does not wait on the disk for each chunk. The file is
created only when a first connection is recorded, 0600 in a 0700 folder;
rows older than ``privacy.retention_days`` are deleted (with ``secure_delete``)
when a process first writes, and never shown by a report.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import secrets as pysecrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cuecard import paths
from cuecard.privacy.ledger import LAYERS, OUTCOMES, Ledger, LedgerEntry, LedgerUnwritable
from cuecard.privacy.sanitize import sanitize

log = logging.getLogger(__name__)

LEDGER_FILE: Final = "egress.sqlite3"
SIDE_FILES: Final = ("-wal", "-shm", "-journal")
FORMAT_VERSION: Final = 1
FLUSH_INTERVAL_S: Final = 0.25
BUSY_TIMEOUT_MS: Final = 5000

COLUMNS: Final = (
    "run",
    "entry",
    "time",
    "command",
    "session",
    "provider",
    "host",
    "port",
    "purpose",
    "layer",
    "outcome",
    "reason",
    "opened",
    "bytes_sent",
    "bytes_received",
    "duration_s",
)
"""Every column of the table, and so everything the file can hold: no content column exists."""

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS egress (
    run TEXT NOT NULL,
    entry INTEGER NOT NULL,
    time REAL NOT NULL,
    command TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    layer TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    opened INTEGER NOT NULL DEFAULT 0,
    bytes_sent INTEGER NOT NULL DEFAULT 0,
    bytes_received INTEGER NOT NULL DEFAULT 0,
    duration_s REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (run, entry)
);
CREATE INDEX IF NOT EXISTS egress_time ON egress(time);
CREATE INDEX IF NOT EXISTS egress_session ON egress(session);
"""

_UPSERT: Final = (  # built from the constant COLUMNS only; every value is a bound parameter
    f"INSERT INTO egress ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "  # noqa: S608
    "ON CONFLICT(run, entry) DO UPDATE SET " + ", ".join(f"{c}=excluded.{c}" for c in COLUMNS[2:])
)


class LedgerStoreError(Exception):
    """The ledger file cannot be read (one line, for the CLI)."""


def ledger_path() -> Path:
    return paths.data_dir() / LEDGER_FILE


def ledger_files(path: Path | None = None) -> list[Path]:
    """The database and every side file SQLite may create next to it."""
    path = path or ledger_path()
    return [path, *(path.with_name(path.name + s) for s in SIDE_FILES)]


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """A connection that never creates the file unless asked (``mode=rw`` otherwise)."""
    if create:
        paths.private_file(path)  # 0600 before SQLite opens it; -wal/-shm inherit the mode
    uri = f"{path.resolve().as_uri()}?mode=rw"
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
        isolation_level=None,
    )  # fmt: skip
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _row(run: str, entry: LedgerEntry) -> tuple[object, ...]:
    return (
        run, entry.id, entry.time, entry.command, entry.session, entry.label, entry.host,
        entry.port, entry.purpose, entry.layer, entry.outcome, entry.reason, int(entry.opened),
        entry.bytes_sent, entry.bytes_received, entry.duration_s,
    )  # fmt: skip


class LedgerWriter:
    """Writes one ledger's entries to the store, behind the caller's back.

    ``notify(entry_id)`` is what the ledger calls on every change (from any
    thread, the audit hook's included): it only marks the entry dirty. A
    daemon thread writes the dirty entries, as they are then, every
    ``FLUSH_INTERVAL_S``; ``flush()`` (also run at exit) writes what is left.
    A write that fails (a full disk, a locked file) is retried on the next
    round and reported once in the log; it never reaches the caller.
    """

    def __init__(
        self, ledger: Ledger, path: Path | None = None, *, retention_days: int | None = None
    ) -> None:
        self.ledger = ledger
        self.path = path or ledger_path()
        self.retention_days = retention_days
        self.run = f"{int(time.time()):x}-{pysecrets.token_hex(4)}"
        self._dirty: set[int] = set()
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._failed = False

    # -- called by the ledger -----------------------------------------------------

    def notify(self, entry_id: int) -> None:
        with self._cond:
            if self._closed:
                return
            self._dirty.add(entry_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="cuecard-ledger-writer", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    # -- writing ------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._dirty and not self._closed:
                    self._cond.wait()
                if self._closed and not self._dirty:
                    return
            time.sleep(FLUSH_INTERVAL_S)  # let a streaming answer's byte counts coalesce
            self.flush()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = _connect(self.path, create=True)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA synchronous=FULL")  # every commit is synced: write-ahead
            conn.executescript(SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO meta(name, value) VALUES ('version', ?)",
                (str(FORMAT_VERSION),),
            )
            if self.retention_days is not None:
                cutoff = time.time() - self.retention_days * 86_400
                conn.execute("DELETE FROM egress WHERE time < ?", (cutoff,))
            self._conn = conn
        return self._conn

    def flush(self) -> None:
        """Write every dirty entry now (the exit handler, and tests, call this)."""
        with self._write_lock:
            with self._cond:
                ids, self._dirty = self._dirty, set()
            entries = [e for e in (self.ledger.get(i) for i in sorted(ids)) if e is not None]
            if not entries:
                return
            try:
                conn = self._open()
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(_UPSERT, [_row(self.run, e) for e in entries])
                conn.execute("COMMIT")
            except (OSError, sqlite3.Error) as err:
                with contextlib.suppress(sqlite3.Error):
                    if self._conn is not None and self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                with self._cond:
                    self._dirty |= ids  # try again next round
                if not self._failed:
                    self._failed = True
                    log.warning(
                        "egress ledger: cannot write the ledger file (%s)", type(err).__name__
                    )
            else:
                self._failed = False

    def commit(self, entry_id: int) -> None:
        """Write one entry now and sync it; raise ``LedgerUnwritable`` if that fails.

        The write-ahead step (``Ledger.commit``): its caller sends nothing until
        this returns.
        """
        entry = self.ledger.get(entry_id)
        if entry is None or self._closed:
            return
        with self._write_lock:
            with self._cond:
                self._dirty.discard(entry_id)
                entry = self.ledger.get(entry_id) or entry  # the newest values
            try:
                conn = self._open()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(_UPSERT, _row(self.run, entry))
                conn.execute("COMMIT")
            except (OSError, sqlite3.Error) as err:
                with contextlib.suppress(sqlite3.Error):
                    if self._conn is not None and self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                with self._cond:
                    self._dirty.add(entry_id)
                raise LedgerUnwritable(
                    f"cannot write the egress ledger {self.path} ({_why(err)})"
                ) from None

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify()
        with self._write_lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None


def _why(err: BaseException) -> str:
    """A few words for a failed write, never a traceback."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:120]


_WRITER: LedgerWriter | None = None
_WRITER_LOCK = threading.Lock()


def persist(ledger: Ledger, *, retention_days: int | None = None) -> LedgerWriter:
    """Make ``ledger`` (the process ledger) write through to the store; once per process.

    Later calls only update the retention. Entries already in the ledger are
    written too, so nothing recorded before start-up is lost.
    """
    global _WRITER  # noqa: PLW0603 - one writer per process ledger
    with _WRITER_LOCK:
        if _WRITER is not None and _WRITER.ledger is ledger:
            _WRITER.retention_days = retention_days
            return _WRITER
        writer = LedgerWriter(ledger, retention_days=retention_days)
        ledger.add_listener(writer.notify)
        ledger.set_durable(writer.commit)
        for entry in ledger.entries():
            writer.notify(entry.id)
        atexit.register(writer.close)
        _WRITER = writer
        return writer


def active_writer() -> LedgerWriter | None:
    return _WRITER


# -- reading ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """Which rows a report wants: a time window, or one kept session."""

    since: float | None = None
    until: float | None = None
    session: str | None = None


def read(
    query: Query, *, path: Path | None = None, retention_days: int | None = None
) -> list[LedgerEntry]:
    """The stored entries that match, oldest first; creates nothing (no file: no entries).

    Rows older than the retention are never returned, even before a writer has
    pruned them.
    """
    path = path or ledger_path()
    if not path.is_file():
        return []
    clauses: list[str] = []
    args: list[object] = []
    since = query.since
    if retention_days is not None:
        cutoff = time.time() - retention_days * 86_400
        since = cutoff if since is None else max(since, cutoff)
    if since is not None:
        clauses.append("time >= ?")
        args.append(since)
    if query.until is not None:
        clauses.append("time <= ?")
        args.append(query.until)
    if query.session:
        clauses.append("session = ?")
        args.append(query.session)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    try:
        conn = _connect(path, create=False)
    except sqlite3.Error as err:
        raise LedgerStoreError(f"cannot read the egress ledger {path}: {err}") from None
    try:
        # COLUMNS and the clauses are constants; every value is a bound parameter
        sql = f"SELECT {', '.join(COLUMNS)} FROM egress{where} ORDER BY time, run, entry"  # noqa: S608
        rows = conn.execute(sql, args).fetchall()
    except sqlite3.DatabaseError as err:
        if "no such table" in str(err):
            return []
        raise LedgerStoreError(
            f"cannot read the egress ledger {path} ({err}); `cuecard data erase --all` removes it"
        ) from None
    finally:
        conn.close()
    return [_entry(row) for row in rows]


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) < 20:
        # str.isdigit() is true for '¹' and other digits int() refuses: ASCII only
        digits = value.strip().removeprefix("-")
        if digits.isascii() and digits.isdigit():
            return int(value)
    return None


def _float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _text(value: object, limit: int = 255) -> str:
    """A stored name as plain text: escapes and controls removed, bounded."""
    return sanitize(value if isinstance(value, str) else str(value))[:limit]


def _entry(row: Iterable[object]) -> LedgerEntry:
    """One stored row as an entry; a tampered or damaged row never raises.

    The file is the user's (and an attacker's) to edit. A value of the wrong
    type is read so that the report can only say more left, never less: a
    row whose byte counts or ``opened`` cannot be read counts as opened, a
    row with bytes counts as opened whatever ``opened`` says, and an unknown
    outcome counts as allowed. Names are sanitized (an ESC in ``host`` is
    never printed raw).
    """
    values = dict(zip(COLUMNS, row, strict=True))
    sent, received = _int(values["bytes_sent"]), _int(values["bytes_received"])
    opened_raw = _int(values["opened"])
    damaged = sent is None or received is None or opened_raw is None
    sent, received = max(sent or 0, 0), max(received or 0, 0)
    outcome = _text(values["outcome"], 16)
    layer = _text(values["layer"], 16)
    reason = _text(values["reason"], 64)
    if outcome not in OUTCOMES:
        outcome, damaged = "allowed", True
    if layer not in LAYERS:
        layer, damaged = "http", True
    port = _int(values["port"])
    if port is None or not 0 <= port <= 65_535:
        port, damaged = 0, True
    opened = bool(opened_raw) or bool(sent or received) or damaged
    return LedgerEntry(
        id=_int(values["entry"]) or 0,
        time=_float(values["time"]) or 0.0,
        host=_text(values["host"]) or "?",
        port=port,
        purpose=_text(values["purpose"], 64),
        outcome=outcome,  # type: ignore[arg-type]  # checked against OUTCOMES above
        layer=layer,  # type: ignore[arg-type]  # checked against LAYERS above
        label=_text(values["provider"], 64),
        reason="unreadable-row" if damaged and not reason else reason,
        bytes_sent=sent,
        bytes_received=received,
        duration_s=_float(values["duration_s"]) or 0.0,
        opened=opened,
        command=_text(values["command"], 64),
        session=_text(values["session"], 64),
    )


def erase_session(session_id: str, *, path: Path | None = None) -> int:
    """Delete a kept session's rows (``data erase --session``); returns how many."""
    path = path or ledger_path()
    if not path.is_file():
        return 0
    conn = _connect(path, create=False)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        cur = conn.execute("DELETE FROM egress WHERE session = ?", (session_id,))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(cur.rowcount)
    except sqlite3.DatabaseError as err:
        if "no such table" in str(err):
            return 0
        raise LedgerStoreError(f"cannot change the egress ledger {path}: {err}") from None
    finally:
        conn.close()


def remove_files(path: Path | None = None) -> list[str]:
    """Delete the store and its side files (``data erase --all``); returns what was removed."""
    writer = _WRITER
    if writer is not None:
        writer.close()
        writer.ledger.set_durable(None)
    removed = []
    for file in ledger_files(path):
        if file.exists():
            os.unlink(file)
            removed.append(str(file))
    return removed
