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
- erasing a session destroys its wrapped key first (crypto-shredding: from that
  moment no copy of its ciphertext, not even one in a backup, can be read),
  then deletes its rows, with ``secure_delete`` on, then checkpoints and
  truncates the WAL and ``VACUUM``s, because WAL keeps old pages until then.

Plaintext in the file is limited to what retention and listing need: session
ids, start/end times and record counts.

Crash safety: WAL mode, ``synchronous=FULL``, one transaction per record, so
``kill -9`` loses at most the record being written and never corrupts the file.
A full disk is raised as ``VaultWriteError``, never swallowed.

If the master key is missing from the keychain while sessions exist, the vault
says so (``VaultLocked``) and never quietly makes a new key that would orphan
the data.
"""

from __future__ import annotations

import base64
import binascii
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

log = logging.getLogger(__name__)

VAULT_FILE: Final = "vault.sqlite3"
SIDE_FILES: Final = ("-wal", "-shm", "-journal")
FORMAT_VERSION: Final = 1
_AD_PREFIX: Final = b"cuecard-vault/v1"
_CHECK_PLAINTEXT: Final = b"cuecard vault master key check v1"
_NONCE_BYTES: Final = 12
_KEY_BYTES: Final = 32

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


class VaultError(Exception):
    """A one-line, actionable problem with the vault."""


class VaultLocked(VaultError):
    """The master key is missing from the keychain (or is not this vault's) while sessions exist."""


class VaultWriteError(VaultError):
    """A record could not be saved: the disk is full, or it failed."""


class SessionNotFound(VaultError):
    pass


def vault_path() -> Path:
    return paths.data_dir() / VAULT_FILE


def vault_files(path: Path | None = None) -> list[Path]:
    """The database and every side file SQLite may create next to it."""
    path = path or vault_path()
    return [path, *(path.with_name(path.name + s) for s in SIDE_FILES)]


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _ad(session_id: str, seq: int) -> bytes:
    return b"|".join((_AD_PREFIX, session_id.encode(), str(seq).encode()))


def _locked_message(count: int, path: Path, reason: str) -> str:
    plural = "session" if count == 1 else "sessions"
    return (
        f"{reason}, so the {count} saved {plural} in {path} cannot be decrypted, by cuecard or "
        "anyone. Restore the keychain entry 'cuecard / vault-master-key' (from the keychain or "
        "desktop session it was made in) to read them; `cuecard data export --readable-only` "
        "exports what is still readable (dates and record counts only: the content cannot be "
        "recovered without the key); or start fresh with `cuecard data erase --all`"
    )


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


def _write_error(err: sqlite3.Error, path: Path) -> VaultWriteError:
    text = str(err).lower()
    if "full" in text:
        return VaultWriteError(
            f"the disk is full: cuecard could not save to {path}; free some space, or turn "
            "keep_sessions off (the last record of this session was not saved)"
        )
    return VaultWriteError(
        f"cuecard could not save to {path} ({type(err).__name__}: {err}); "
        "check the disk and its free space"
    )


class Vault:
    """One vault file and its connection. Thread-safe: writers may run in worker threads."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._conn = conn
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._master: bytes | None = None

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
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                path.parent.chmod(0o700)
            if not path.exists():
                # created 0600 before SQLite opens it; SQLite gives -wal/-shm the same mode
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
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
            raise _write_error(err, path) from None
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

    def _keyed_sessions(self) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM sessions WHERE wrapped_key IS NOT NULL"
        ).fetchone()
        return int(row[0])

    def _master_key(self, *, create: bool) -> bytes:
        """The master key from the keychain; made only when no session could be orphaned."""
        if self._master is not None:
            return self._master
        with self._lock:
            keyed = self._keyed_sessions()
            try:
                stored = secrets.get_secret(secrets.VAULT_MASTER_USER)
            except secrets.KeychainUnavailable as err:
                if keyed:
                    raise VaultLocked(
                        _locked_message(
                            keyed, self._path, f"the OS keychain is unavailable ({err})"
                        )
                    ) from None
                raise VaultError(f"cannot keep sessions: {err}") from None
            check = self._conn.execute(
                "SELECT value FROM meta WHERE name='master_check'"
            ).fetchone()
            if stored is None:
                if keyed:
                    raise VaultLocked(
                        _locked_message(
                            keyed, self._path, "your OS keychain no longer has the vault's key"
                        )
                    )
                if not create:
                    raise VaultError("the vault has no key yet: no session has been kept")
                key = AESGCM.generate_key(bit_length=256)
                secrets.set_secret(secrets.VAULT_MASTER_USER, base64.b64encode(key).decode("ascii"))
                self._write_check(key)
                self._master = key
                return key
            try:
                key = base64.b64decode(stored, validate=True)
            except (binascii.Error, ValueError):
                key = b""
            valid = len(key) == _KEY_BYTES and (check is None or self._check_ok(key, check[0]))
            if not valid:
                if keyed:
                    raise VaultLocked(
                        _locked_message(
                            keyed,
                            self._path,
                            "the vault key in your OS keychain is not this vault's",
                        )
                    )
                # nothing stored could be orphaned: adopt the keychain's key (or a new one)
                if len(key) != _KEY_BYTES:
                    if not create:
                        raise VaultError("the vault has no key yet: no session has been kept")
                    key = AESGCM.generate_key(bit_length=256)
                    secrets.set_secret(
                        secrets.VAULT_MASTER_USER, base64.b64encode(key).decode("ascii")
                    )
                check = None
            if check is None:
                self._write_check(key)
            self._master = key
            return key

    def _write_check(self, key: bytes) -> None:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + AESGCM(key).encrypt(nonce, _CHECK_PLAINTEXT, _AD_PREFIX)
        self._conn.execute(
            "INSERT OR REPLACE INTO meta(name, value) VALUES ('master_check', ?)", (sealed,)
        )

    @staticmethod
    def _check_ok(key: bytes, sealed: bytes) -> bool:
        try:
            plain = AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _AD_PREFIX)
        except InvalidTag:
            return False
        return plain == _CHECK_PLAINTEXT

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
        """A new kept session with its own random key (needs the keychain)."""
        with self._lock:
            master = self._master_key(create=True)
            now = self._clock()
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
            session_id = f"{stamp}-{pysecrets.token_hex(3)}"
            key = AESGCM.generate_key(bit_length=256)
            try:
                self._conn.execute(
                    "INSERT INTO sessions(id, started, wrapped_key) VALUES (?, ?, ?)",
                    (session_id, now, aes_key_wrap(master, key)),
                )
            except sqlite3.Error as err:
                raise _write_error(err, self._path) from None
            log.info("vault: session started")
            return SessionWriter(self, session_id, key)

    def _append(self, session_id: str, key: bytes, seq: int, plaintext: bytes) -> None:
        nonce = os.urandom(_NONCE_BYTES)
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
                raise _write_error(err, self._path) from None

    def _end(self, session_id: str) -> None:
        with self._lock:
            try:
                self._conn.execute(
                    "UPDATE sessions SET ended=? WHERE id=?", (self._clock(), session_id)
                )
            except sqlite3.Error as err:
                raise _write_error(err, self._path) from None

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
        """Crypto-shred a session: key first, then rows, then the pages that held them."""
        with self._lock:
            self._info(session_id)
            self._erase_many([session_id])
        log.info("vault: one session erased")

    def _erase_many(self, ids: list[str]) -> None:
        rows = [(i,) for i in ids]
        try:
            # 1. the wrapped keys, committed on their own: from here the content is unreadable
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany("UPDATE sessions SET wrapped_key=NULL WHERE id=?", rows)
            self._conn.execute("COMMIT")
            # 2. the rows (secure_delete zeroes the freed space in the pages)
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany("DELETE FROM records WHERE session_id=?", rows)
            self._conn.executemany("DELETE FROM sessions WHERE id=?", rows)
            self._conn.execute("COMMIT")
        except sqlite3.Error as err:
            with contextlib.suppress(sqlite3.Error):
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            raise _write_error(err, self._path) from None
        # 3. old page versions in the WAL and free pages in the file
        self._compact()

    def _compact(self) -> None:
        """Leave no old page anywhere: WAL checkpointed and truncated, free pages vacuumed."""
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as err:
            raise _write_error(err, self._path) from None
        if busy and busy[0]:
            raise VaultError(
                "erased, but another cuecard process holds the vault open, so its old pages "
                "could not be wiped yet; close it and run the erase again"
            )

    def enforce_retention(self, days: int) -> int:
        """Erase sessions that started more than ``days`` ago; returns how many."""
        cutoff = self._clock() - days * 86_400
        with self._lock:
            old = [s.id for s in self.list_sessions() if s.started < cutoff]
            if old:
                self._erase_many(old)
        if old:
            log.info("vault: retention erased %d sessions", len(old))
        return len(old)

    def erase_all(self, *, profile_dir: Path | None = None) -> list[str]:
        """Start fresh: the vault files, every cuecard keychain entry, the profile documents.

        The keychain entries go first (the master key makes every kept session
        unreadable at once), then the files. Returns what was removed, for the CLI.
        """
        removed: list[str] = []
        for user in secrets.KEYCHAIN_USERS:
            with contextlib.suppress(secrets.KeychainUnavailable):
                if secrets.delete_secret(user):
                    removed.append(f"keychain entry cuecard / {user}")
        self._master = None
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("UPDATE sessions SET wrapped_key=NULL")
                self._conn.execute("DELETE FROM records")
                self._conn.execute("DELETE FROM sessions")
                self._conn.execute("DELETE FROM meta WHERE name='master_check'")
                self._compact()
            self.close()
        for file in vault_files(self._path):
            if file.exists():
                file.unlink()
                removed.append(str(file))
        profile = profile_dir or paths.data_dir() / "profile"
        if profile.exists():
            shutil.rmtree(profile)
            removed.append(str(profile))
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
