"""The vault's key lifecycle: the master key in the OS keychain, its check, its rotation.

The store (``privacy.vault``) seals records with per-session keys; this module owns
the key above them: getting the master key from the keychain (made only when no
session could be orphaned, refused as ``VaultLocked`` when it is missing or not
this vault's), and replacing it after an erase, crash-safely (``_rekey``): the
erase is committed with a "rekey due" mark, the re-wrap is committed together
with the new key wrapped by the old one, and only then is the keychain entry
replaced; whatever step a crash interrupts, the next open finishes it from what
the file and the keychain hold. The errors both halves raise live here, below
the store.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from cuecard.privacy import secrets

AD_PREFIX: Final = b"cuecard-vault/v1"
_CHECK_PLAINTEXT: Final = b"cuecard vault master key check v1"
NONCE_BYTES: Final = 12
_KEY_BYTES: Final = 32


class VaultError(Exception):
    """A one-line, actionable problem with the vault."""


class VaultLocked(VaultError):
    """The master key is missing from the keychain (or is not this vault's) while sessions exist."""


class VaultWriteError(VaultError):
    """A record could not be saved: the disk is full, or it failed."""


class ShredIncomplete(VaultError):
    """An erase removed the data from the file, but could not replace the keychain's key.

    Until it is replaced, a copy of the vault taken before the erase could be
    decrypted with the key still in the keychain; the vault remembers and
    finishes the job the next time it can reach the keychain.
    """


REKEY_DUE: Final = "rekey_due"
"""meta: JSON list of erased session ids whose shredding waits for a new master key."""
PENDING_MASTER: Final = "pending_master"
"""meta: the new master key wrapped by the old one, between the re-wrap and the keychain update."""


def locked_message(count: int, path: Path, reason: str) -> str:
    plural = "session" if count == 1 else "sessions"
    return (
        f"{reason}, so the {count} saved {plural} in {path} cannot be decrypted, by cuecard or "
        "anyone. Restore the keychain entry 'cuecard / vault-master-key' (from the keychain or "
        "desktop session it was made in) to read them; `cuecard data export --readable-only` "
        "exports what is still readable (dates and record counts only: the content cannot be "
        "recovered without the key); or start fresh with `cuecard data erase --all`"
    )


def write_error(err: sqlite3.Error, path: Path) -> VaultWriteError:
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


class VaultKeys(ABC):
    """The key half of ``Vault``: what it needs from the store is its connection, its
    lock and the two store operations named below."""

    _conn: sqlite3.Connection
    _path: Path
    _lock: threading.RLock
    _master: bytes | None
    completed: list[str]

    @abstractmethod
    def _rollback(self) -> None:
        """Roll back the open transaction, if any."""

    @abstractmethod
    def pending_erasures(self) -> list[str]:
        """Erased session ids whose key rotation is still due."""

    def _keyed_sessions(self) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM sessions WHERE wrapped_key IS NOT NULL"
        ).fetchone()
        return int(row[0])

    def _master_key(self, *, create: bool) -> bytes:
        """The master key from the keychain; made only when no session could be orphaned.

        A cached key is checked against the file each time: another process may
        have rotated it (an erase) since this one read it.
        """
        with self._lock:
            if self._master is not None and self._opens(self._master):
                return self._master
            self._master = None
            if self._meta(REKEY_DUE) is not None:
                with contextlib.suppress(ShredIncomplete):
                    self._rekey()
                if self._master is not None:
                    return self._master
            keyed = self._keyed_sessions()
            try:
                stored = secrets.get_secret(secrets.VAULT_MASTER_USER)
            except secrets.KeychainUnavailable as err:
                if keyed:
                    raise VaultLocked(
                        locked_message(
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
                        locked_message(
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
                        locked_message(
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
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + AESGCM(key).encrypt(nonce, _CHECK_PLAINTEXT, AD_PREFIX)
        self._conn.execute(
            "INSERT OR REPLACE INTO meta(name, value) VALUES ('master_check', ?)", (sealed,)
        )

    @staticmethod
    def _check_ok(key: bytes, sealed: bytes) -> bool:
        try:
            plain = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], AD_PREFIX)
        except InvalidTag:
            return False
        return plain == _CHECK_PLAINTEXT

    def _opens(self, key: bytes) -> bool:
        """Is ``key`` this vault's master key now? (the check record, else a wrapped key)."""
        if len(key) != _KEY_BYTES:
            return False
        check = self._conn.execute("SELECT value FROM meta WHERE name='master_check'").fetchone()
        if check is not None:
            return self._check_ok(key, bytes(check[0]))
        row = self._conn.execute(
            "SELECT wrapped_key FROM sessions WHERE wrapped_key IS NOT NULL LIMIT 1"
        ).fetchone()
        if row is None:
            return True  # nothing is wrapped yet: any key will do
        try:
            aes_key_unwrap(key, bytes(row[0]))
        except InvalidUnwrap:
            return False
        return True

    def _meta(self, name: str) -> bytes | None:
        row = self._conn.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        if row is None:
            return None
        value = row[0]
        return value.encode() if isinstance(value, str) else bytes(value)

    def _keychain_master(self) -> bytes | None:
        """The keychain's vault key as bytes (None if absent or not a key). May raise."""
        stored = secrets.get_secret(secrets.VAULT_MASTER_USER)
        if stored is None:
            return None
        try:
            key = base64.b64decode(stored, validate=True)
        except (binascii.Error, ValueError):
            return None
        return key if len(key) == _KEY_BYTES else None

    @staticmethod
    def _store_master(key: bytes) -> None:
        secrets.set_secret(secrets.VAULT_MASTER_USER, base64.b64encode(key).decode("ascii"))

    def _shred_incomplete(self, err: Exception) -> ShredIncomplete:
        return ShredIncomplete(
            "the erased session is gone from the vault file, but the vault key could not be "
            f"replaced ({err}); until it is, a copy of {self._path.name} made before the erase "
            "(a backup) could still be decrypted with the key in your keychain. Unlock the "
            "keychain and run `cuecard data erase --finish`"
        )

    def _rekey(self) -> None:
        """Replace the master key after an erase; resumable after a crash at any point.

        States, from what the file and the keychain hold:

        - no mark: nothing to do;
        - no key in the keychain and no session left: clear the mark (the next
          kept session makes a fresh key);
        - the keychain key opens the file and nothing is pending: generate a new
          key, re-wrap every session key with it and store the new key wrapped
          by the old one (``pending_master``), in one transaction; then put the
          new key in the keychain (replacing the old one, which is then gone);
          then clear the mark;
        - the keychain key does not open the file but unwraps ``pending_master``
          into a key that does: a crash came between the re-wrap and the
          keychain update; store that key, then clear the mark;
        - the keychain key opens the file and ``pending_master`` is set: only the
          mark was left; clear it;
        - neither: the keychain lost this vault's key (``VaultLocked`` state):
          nothing in it opens the erased sessions either; the mark stays, so a
          restored key is rotated the next time.
        """
        if self._meta(REKEY_DUE) is None:
            return
        try:
            stored = self._keychain_master()
            if stored is None and self._keyed_sessions() == 0:
                # no key and nothing left to open: the next kept session makes a fresh key
                erased = self.pending_erasures()
                self._clear_rekey(drop_check=True)
                self._master = None
                self.completed += erased
                return
            pending = self._meta(PENDING_MASTER)
            if stored is not None and not self._opens(stored) and pending is not None:
                try:
                    recovered = aes_key_unwrap(stored, pending)
                except InvalidUnwrap:
                    recovered = None
                if recovered is not None and self._opens(recovered):
                    self._store_master(recovered)
                    stored = recovered
            if stored is None or not self._opens(stored):
                return  # locked: see the docstring
            if pending is None:
                new = self._rewrap(stored)
                self._store_master(new)
                stored = new
            erased = self.pending_erasures()
            self._clear_rekey()
            self._master = stored
            self.completed += erased
        except secrets.KeychainUnavailable as err:
            raise self._shred_incomplete(err) from None

    def _rewrap(self, old: bytes) -> bytes:
        """Every session key re-wrapped with a new master key, committed with the new key
        wrapped by the old one (so a crash before the keychain update loses nothing)."""
        new = AESGCM.generate_key(bit_length=256)
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            rows = self._conn.execute(
                "SELECT id, wrapped_key FROM sessions WHERE wrapped_key IS NOT NULL"
            ).fetchall()
            updates = []
            for session_id, wrapped in rows:
                try:
                    key = aes_key_unwrap(old, bytes(wrapped))
                except InvalidUnwrap:
                    raise VaultLocked(
                        f"session {session_id}'s key does not unwrap with the keychain's vault "
                        "key; nothing was changed"
                    ) from None
                updates.append((aes_key_wrap(new, key), session_id))
            self._conn.executemany("UPDATE sessions SET wrapped_key=? WHERE id=?", updates)
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + AESGCM(new).encrypt(nonce, _CHECK_PLAINTEXT, AD_PREFIX)
            self._conn.execute(
                "INSERT OR REPLACE INTO meta(name, value) VALUES ('master_check', ?)", (sealed,)
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)",
                (PENDING_MASTER, aes_key_wrap(old, new)),
            )
            self._conn.execute("COMMIT")
        except VaultLocked:
            self._rollback()
            raise
        except sqlite3.Error as err:
            self._rollback()
            raise write_error(err, self._path) from None
        return new

    def _clear_rekey(self, *, drop_check: bool = False) -> None:
        names = [REKEY_DUE, PENDING_MASTER] + (["master_check"] if drop_check else [])
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany("DELETE FROM meta WHERE name=?", [(n,) for n in names])
            self._conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback()
            raise write_error(err, self._path) from None
