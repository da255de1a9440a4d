"""The opt-in vault: kept sessions, each encrypted with its own key, erasable for real.

Off by default (sessions live in memory and are gone when they end). With
``privacy.keep_sessions`` or ``--keep``, each session is stored in one SQLite
file in the user data dir:

- every record (an utterance, a question, an answer, a prompt sent, the egress
  ledger) is sealed with AES-256-GCM under the session's own random key, with a
  fresh 96-bit nonce, and associated data that binds it to its session id and
  record number, so a record cannot be moved or replayed elsewhere unnoticed;
- the session key is stored only wrapped (AES key wrap, RFC 3394) by a master
  key that lives in the OS keychain, never on disk;
- erasing a session deletes its rows (wrapped key included) and then **replaces
  the master key**: every remaining session's key is re-wrapped with a new
  master key, the new key replaces the old one in the keychain, and the old
  one is gone. Deleting the wrapped key alone is not enough: a copy of the
  file taken before the erase (a backup, a synced folder) still holds it, and
  with the old master key still in the keychain it would open the session.
  After the rotation nothing left (keychain included) opens any copy of an
  erased session. Then the file is compacted (``secure_delete``, WAL
  checkpointed and truncated, ``VACUUM``) so the live file holds no old page.

Plaintext in the file is limited to what retention and listing need: session
ids, start/end times and record counts.

Crash safety: WAL mode, ``synchronous=FULL``, one transaction per record, so
``kill -9`` loses at most the record being written and never corrupts the file.
A full disk is raised as ``VaultWriteError``, never swallowed. The master key,
its crash-safe rotation and ``VaultLocked`` (the keychain lost the key: never a
quiet new key that would orphan the data) are ``privacy.vault_keys``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets as pysecrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from cuecard import paths
from cuecard.privacy import secrets
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.vault_keys import (
    AD_PREFIX,
    NONCE_BYTES,
    REKEY_DUE,
    ShredIncomplete,
    VaultError,
    VaultKeys,
    VaultLocked,
    VaultWriteError,
    write_error,
)

log = logging.getLogger(__name__)

VAULT_FILE: Final = "vault.sqlite3"
SIDE_FILES: Final = ("-wal", "-shm", "-journal")
FORMAT_VERSION: Final = 1

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    ended REAL,
    wrapped_key BLOB
);
CREATE TABLE IF NOT EXISTS records (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""


class SessionNotFound(VaultError):
    pass


class EraseIncomplete(VaultError):
    """``erase --all`` removed what it could; ``left`` names what it could not (keychain)."""

    def __init__(self, message: str, removed: list[str], left: list[str]) -> None:
        super().__init__(message)
        self.removed = removed
        self.left = left


def vault_path() -> Path:
    return paths.data_dir() / VAULT_FILE


def vault_files(path: Path | None = None) -> list[Path]:
    """The database and every side file SQLite may create next to it."""
    path = path or vault_path()
    return [path, *(path.with_name(path.name + s) for s in SIDE_FILES)]


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _ad(session_id: str, seq: int) -> bytes:
    return b"|".join((AD_PREFIX, session_id.encode(), str(seq).encode()))


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: str
    started: float
    ended: float | None
    records: int
    readable: bool
    """False once the session's key is destroyed (an erase in progress)."""


@dataclass(frozen=True, slots=True)
class Record:
    seq: int
    kind: str
    time: float
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionData:
    info: SessionInfo
    records: list[Record] = field(default_factory=list)

    def ledger(self) -> Ledger:
        """The session's egress ledger (the last one saved), or an empty one."""
        for record in reversed(self.records):
            if record.kind == "ledger":
                return Ledger.from_list(list(record.data.get("entries", [])))
        return Ledger()


class Vault(VaultKeys):
    """One vault file and its connection. Thread-safe: writers may run in worker threads."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._conn = conn
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._master: bytes | None = None
        self.completed: list[str] = []
        """Erased sessions whose key rotation this instance finished (perhaps at open)."""

    # -- opening ----------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        retention_days: int | None = 30,
        clock: Callable[[], float] = time.time,
    ) -> Vault:
        """Open (or create) the vault and enforce retention right away.

        Opening needs no key: listing, retention and erase work even when the
        keychain has lost the master key. ``retention_days=None`` keeps all.
        """
        path = path or vault_path()
        try:
            # created 0600 in a 0700 folder before SQLite opens it; -wal/-shm get the same mode
            paths.private_file(path)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise VaultError(f"cannot open the vault at {path}: {err}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(SCHEMA)
            version = conn.execute("SELECT value FROM meta WHERE name='version'").fetchone()
            if version is None:
                conn.execute(
                    "INSERT INTO meta(name, value) VALUES ('version', ?)", (str(FORMAT_VERSION),)
                )
            elif int(version[0]) > FORMAT_VERSION:
                raise VaultError(
                    f"the vault at {path} was written by a newer cuecard (format {version[0]}); "
                    "update cuecard to read it"
                )
        except sqlite3.DatabaseError as err:
            conn.close()
            if "not a database" in str(err) or "malformed" in str(err):
                raise VaultError(
                    f"{path} is not a readable cuecard vault ({err}); move it aside, or erase it "
                    "with `cuecard data erase --all`"
                ) from None
            raise write_error(err, path) from None
        vault = cls(conn, path, clock=clock)
        if retention_days is not None:
            vault.enforce_retention(retention_days)
        return vault

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keys ---------------------------------------------------------------------

    def _session_key(self, session_id: str) -> bytes:
        row = self._conn.execute(
            "SELECT wrapped_key FROM sessions WHERE id=?", (session_id,)
        ).fetchone()
        if row is None:
            raise SessionNotFound(
                f"no kept session {session_id!r}: `cuecard data where` lists them"
            )
        if row[0] is None:
            raise VaultError(f"session {session_id} was erased; its key no longer exists")
        try:
            return aes_key_unwrap(self._master_key(create=False), bytes(row[0]))
        except InvalidUnwrap:
            raise VaultLocked(
                f"session {session_id}'s key does not unwrap with the keychain's vault key"
            ) from None

    # -- writing ------------------------------------------------------------------

    def start_session(self) -> SessionWriter:
        """A new kept session with its own random key (needs the keychain).

        The key is wrapped and inserted in one write transaction that first
        checks the master key is still the file's: an erase in another process
        may have rotated it, and a key wrapped by the old one would be lost.
        """
        with self._lock:
            now = self._clock()
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
            session_id = f"{stamp}-{pysecrets.token_hex(3)}"
            key = AESGCM.generate_key(bit_length=256)
            for _ in range(3):
                master = self._master_key(create=True)
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                    if not self._opens(master):
                        self._conn.execute("ROLLBACK")
                        self._master = None
                        continue
                    self._conn.execute(
                        "INSERT INTO sessions(id, started, wrapped_key) VALUES (?, ?, ?)",
                        (session_id, now, aes_key_wrap(master, key)),
                    )
                    self._conn.execute("COMMIT")
                except sqlite3.Error as err:
                    self._rollback()
                    raise write_error(err, self._path) from None
                log.info("vault: session started")
                return SessionWriter(self, session_id, key)
            raise VaultError(
                "the vault key changed while this session was starting (another cuecard is "
                "erasing sessions); try again"
            )

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")

    def _append(self, session_id: str, key: bytes, seq: int, plaintext: bytes) -> None:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext, _ad(session_id, seq))
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO records(session_id, seq, nonce, ciphertext) VALUES (?, ?, ?, ?)",
                    (session_id, seq, nonce, sealed),
                )
            except sqlite3.Error as err:
                with contextlib.suppress(sqlite3.Error):
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                raise write_error(err, self._path) from None

    def _end(self, session_id: str) -> None:
        with self._lock:
            try:
                self._conn.execute(
                    "UPDATE sessions SET ended=? WHERE id=?", (self._clock(), session_id)
                )
            except sqlite3.Error as err:
                raise write_error(err, self._path) from None

    # -- reading ------------------------------------------------------------------

    def list_sessions(self) -> list[SessionInfo]:
        """Every kept session, oldest first. Needs no key."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT s.id, s.started, s.ended, s.wrapped_key IS NOT NULL, "
                "(SELECT count(*) FROM records r WHERE r.session_id = s.id) "
                "FROM sessions s ORDER BY s.started, s.id"
            ).fetchall()
        return [SessionInfo(r[0], r[1], r[2], int(r[4]), bool(r[3])) for r in rows]

    def _info(self, session_id: str) -> SessionInfo:
        for info in self.list_sessions():
            if info.id == session_id:
                return info
        raise SessionNotFound(f"no kept session {session_id!r}: `cuecard data where` lists them")

    def read_session(self, session_id: str) -> SessionData:
        """Decrypt every record of a session; a tampered record raises, never reads as garbage."""
        with self._lock:
            info = self._info(session_id)
            key = self._session_key(session_id)
            rows = self._conn.execute(
                "SELECT seq, nonce, ciphertext FROM records WHERE session_id=? ORDER BY seq",
                (session_id,),
            ).fetchall()
        aead = AESGCM(key)
        records = []
        for seq, nonce, sealed in rows:
            try:
                plain = aead.decrypt(bytes(nonce), bytes(sealed), _ad(session_id, int(seq)))
            except InvalidTag:
                raise VaultError(
                    f"record {seq} of session {session_id} failed its integrity check "
                    "(the file was changed outside cuecard)"
                ) from None
            item = json.loads(plain)
            records.append(Record(int(seq), item["kind"], float(item["time"]), item["data"]))
        return SessionData(info, records)

    def export(self, session_id: str | None = None) -> dict[str, Any]:
        """A complete, readable export of one or every kept session (GDPR Art. 15/20)."""
        ids = [session_id] if session_id else [s.id for s in self.list_sessions()]
        sessions = []
        for sid in ids:
            data = self.read_session(sid)
            sessions.append(
                {
                    "id": data.info.id,
                    "started": _iso(data.info.started),
                    "ended": _iso(data.info.ended),
                    "records": [
                        {"seq": r.seq, "kind": r.kind, "time": _iso(r.time), "data": r.data}
                        for r in data.records
                    ],
                }
            )
        return {
            "format": "cuecard-export",
            "version": FORMAT_VERSION,
            "exported_at": _iso(time.time()),
            "vault": str(self._path),
            "sessions": sessions,
        }

    def export_readable_only(self) -> dict[str, Any]:
        """What can still be read without the master key: dates and counts, no content."""
        return {
            "format": "cuecard-export",
            "version": FORMAT_VERSION,
            "exported_at": _iso(time.time()),
            "vault": str(self._path),
            "content_readable": False,
            "note": "the vault key is missing from the OS keychain: session content is "
            "encrypted and cannot be recovered without it; only these dates and counts are "
            "stored in the clear",
            "sessions": [
                {
                    "id": s.id,
                    "started": _iso(s.started),
                    "ended": _iso(s.ended),
                    "records": s.records,
                }
                for s in self.list_sessions()
            ],
        }

    # -- erasing ------------------------------------------------------------------

    def erase(self, session_id: str) -> None:
        """Shred a session: its rows go, then the master key is replaced, then the file compacted.

        Raises ``ShredIncomplete`` when the rows are gone but the keychain could
        not be reached to replace the master key (the erase is then finished
        the next time the keychain can be reached).
        """
        with self._lock:
            self._info(session_id)
            self._delete_sessions([session_id])
            try:
                self._rekey()
            finally:
                self._compact(strict=False)
        log.info("vault: one session erased")

    def pending_erasures(self) -> list[str]:
        """Sessions erased from the file whose key rotation has not been finished yet."""
        raw = self._meta(REKEY_DUE)
        if raw is None:
            return []
        with contextlib.suppress(ValueError):
            ids = json.loads(raw)
            if isinstance(ids, list):
                return [str(i) for i in ids]
        return []

    def finish_erasures(self) -> list[str]:
        """Finish an interrupted erase (rotate the master key); returns the sessions it was for.

        Raises ``ShredIncomplete`` if the keychain still cannot be reached.
        """
        with self._lock:
            ids = self.pending_erasures()
            if self._meta(REKEY_DUE) is None:
                return []
            self._rekey()
            self._compact(strict=False)
            return ids

    def _delete_sessions(self, ids: list[str]) -> None:
        """Step 1: the sessions' rows, wrapped keys included, and a mark that a rekey is due.

        One transaction: after it, the live file has nothing of them, and the
        mark makes sure the master key is replaced even if this process dies now.
        """
        rows = [(i,) for i in ids]
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            due = sorted({*self.pending_erasures(), *ids})
            self._conn.executemany("UPDATE sessions SET wrapped_key=NULL WHERE id=?", rows)
            self._conn.executemany("DELETE FROM records WHERE session_id=?", rows)
            self._conn.executemany("DELETE FROM sessions WHERE id=?", rows)
            self._conn.execute(
                "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)",
                (REKEY_DUE, json.dumps(due)),
            )
            self._conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback()
            raise write_error(err, self._path) from None

    def _compact(self, *, strict: bool = True) -> None:
        """Leave no old page in the live file: WAL checkpointed and truncated, free pages vacuumed.

        After a key rotation an old page holds nothing anyone can decrypt, so
        callers pass ``strict=False``: another process holding the vault open
        (which keeps the WAL from being truncated) is then not an error.
        """
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as err:
            if not strict:
                log.warning("vault: compaction after an erase deferred (%s)", type(err).__name__)
                return
            raise write_error(err, self._path) from None
        if busy and busy[0] and strict:
            raise VaultError(
                "erased, but another cuecard process holds the vault open, so its old pages "
                "could not be wiped yet; close it and run the erase again"
            )

    def enforce_retention(self, days: int) -> int:
        """Erase sessions that started more than ``days`` ago; returns how many.

        Shredded like ``erase`` (the master key is replaced); if the keychain
        cannot be reached now, the rotation is finished at a later open.
        """
        cutoff = self._clock() - days * 86_400
        with self._lock:
            old = [s.id for s in self.list_sessions() if s.started < cutoff]
            if old:
                self._delete_sessions(old)
            if self._meta(REKEY_DUE) is not None:
                try:
                    self._rekey()
                except ShredIncomplete:
                    log.warning("vault: key rotation after an erase waits for the keychain")
                except VaultError:
                    log.warning("vault: key rotation after an erase failed")
                self._compact(strict=False)
        if old:
            log.info("vault: retention erased %d sessions", len(old))
        return len(old)

    def erase_all(self, *, profile_dir: Path | None = None) -> list[str]:
        """Start fresh: every cuecard keychain entry, the vault files, the profile documents.

        The keychain entries go first (without the master key no copy of any
        kept session can be read), then the files. Returns what was removed;
        raises ``EraseIncomplete`` (after removing everything else) when the
        keychain could not be reached, naming the entries that may remain.
        """
        removed, left, problem = secrets.delete_all_entries()
        self._master = None
        with self._lock:
            with contextlib.suppress(sqlite3.Error, VaultError):
                self._conn.execute("UPDATE sessions SET wrapped_key=NULL")
                self._conn.execute("DELETE FROM records")
                self._conn.execute("DELETE FROM sessions")
                self._conn.execute("DELETE FROM meta")
                self._compact(strict=False)
            self.close()
        for file in vault_files(self._path):
            if file.exists():
                file.unlink()
                removed.append(str(file))
        profile = profile_dir or paths.data_dir() / "profile"
        if profile.exists():
            shutil.rmtree(profile)
            removed.append(str(profile))
        if left:
            raise EraseIncomplete(secrets.entries_left_message(left, problem), removed, left)
        return removed


class SessionWriter:
    """Appends records to one kept session; each ``append`` is committed before it returns."""

    def __init__(self, vault: Vault, session_id: str, key: bytes) -> None:
        self._vault = vault
        self._key = key
        self.id = session_id
        self._seq = 0
        self._closed = False

    def append(self, kind: str, data: dict[str, Any]) -> int:
        """Seal and commit one record; returns its number. Raises ``VaultWriteError``."""
        if self._closed:
            raise VaultError("this kept session is closed")
        if not kind or not kind.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"record kind must be a short word, not {kind!r}")
        self._seq += 1
        plaintext = json.dumps(
            {"kind": kind, "time": self._vault._clock(), "data": data},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        try:
            self._vault._append(self.id, self._key, self._seq, plaintext)
        except VaultWriteError:
            self._seq -= 1
            raise
        return self._seq

    def save_ledger(self, ledger: Ledger) -> int:
        """Keep the session's egress ledger with it (encrypted like everything else)."""
        return self.append("ledger", {"entries": ledger.to_list()})

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._vault._end(self.id)
            self._key = b""

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_sessions(vault: Vault) -> Iterator[SessionData]:
    for info in vault.list_sessions():
        yield vault.read_session(info.id)
