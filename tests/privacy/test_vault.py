"""The vault against real SQLite files and the real keychain: byte scans, shredding, crashes."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keyring
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

from cuecard.privacy import secrets
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.vault import (
    SessionNotFound,
    Vault,
    VaultLocked,
    VaultWriteError,
    vault_files,
    vault_path,
)
from privacy.support import files_under

SENTENCES = [
    "Tell me about a time you disagreed with your manager at Paylane.",
    "I pushed back on the Q3 migration plan because the rollback story was missing.",
    "How would you design a rate limiter for the payments API?",
    "Zoë Brandt and I rebuilt the ledger reconciliation in eleven weeks.",
]


def keep_session(vault: Vault, sentences: list[str] = SENTENCES) -> str:
    ledger = Ledger()
    ledger.record(host="api.openai.com", port=443, purpose="answer", outcome="allowed")
    with vault.start_session() as writer:
        for i, sentence in enumerate(sentences):
            speaker = "interviewer" if i % 2 == 0 else "you"
            writer.append("utterance", {"speaker": speaker, "text": sentence, "final": True})
        writer.append("question", {"text": sentences[0], "kind": "behavioural"})
        writer.append("prompt", {"provider": "openai", "text": f"[user]\n{sentences[0]}"})
        writer.append("answer", {"text": "- Name the disagreement\n- Show the data"})
        writer.save_ledger(ledger)
        return writer.id


def all_vault_bytes(path: Path) -> bytes:
    return b"".join(f.read_bytes() for f in vault_files(path) if f.exists())


def plaintext_hits(root: Path, sentences: list[str]) -> list[str]:
    hits = []
    for path in files_under(root):
        data = path.read_bytes()
        for s in sentences:
            for needle in (s.encode(), s[10:40].encode(), s.encode("utf-16-le")):
                if needle in data:
                    hits.append(f"{path.name}: {s[:30]!r}")
    return hits


def test_kept_session_has_no_plaintext_in_db_wal_shm_or_journal(cuecard_home: Path) -> None:
    vault = Vault.open()
    session_id = keep_session(vault)
    # while it is still open: the WAL holds the freshest pages
    assert vault_path().with_name("vault.sqlite3-wal").exists()
    assert plaintext_hits(cuecard_home, SENTENCES) == []
    assert b"utterance" not in all_vault_bytes(vault.path)  # record kinds are sealed too
    assert b"api.openai.com" not in all_vault_bytes(vault.path)  # and so is the ledger
    vault.close()
    assert plaintext_hits(cuecard_home, SENTENCES) == []
    # the master key is in the keychain, never in a file
    master = keyring.get_password("cuecard", "vault-master-key")
    assert master is not None
    raw_master = base64.b64decode(master)
    for f in files_under(cuecard_home):
        assert raw_master not in f.read_bytes() and master.encode() not in f.read_bytes()
    assert (vault_path().stat().st_mode & 0o777) == 0o600
    with Vault.open() as again:
        assert [s.id for s in again.list_sessions()] == [session_id]


def test_export_round_trips_every_utterance() -> None:
    with Vault.open() as vault:
        first = keep_session(vault)
        second = keep_session(vault, ["Why do you want to leave?", "I want to own a product."])
        export = vault.export()
        json.dumps(export)  # complete and JSON-serialisable
        assert export["format"] == "cuecard-export"
        by_id = {s["id"]: s for s in export["sessions"]}
        assert list(by_id) == [first, second]
        utterances = [
            r["data"]["text"] for r in by_id[first]["records"] if r["kind"] == "utterance"
        ]
        assert utterances == SENTENCES
        kinds = [r["kind"] for r in by_id[first]["records"]]
        assert kinds == ["utterance"] * 4 + ["question", "prompt", "answer", "ledger"]
        assert [r["seq"] for r in by_id[first]["records"]] == list(range(1, 9))
        one = vault.export(second)
        assert [s["id"] for s in one["sessions"]] == [second]
        ledger = vault.read_session(first).ledger()
        assert [(e.host, e.outcome) for e in ledger] == [("api.openai.com", "allowed")]


def test_export_erase_export_shows_the_session_gone(cuecard_home: Path) -> None:
    with Vault.open() as vault:
        gone = keep_session(vault)
        kept = keep_session(vault, ["What is your notice period?", "Four weeks."])
        before = vault.export()
        assert {s["id"] for s in before["sessions"]} == {gone, kept}
        vault.erase(gone)
        after = vault.export()
        assert [s["id"] for s in after["sessions"]] == [kept]
        with pytest.raises(SessionNotFound):
            vault.export(gone)
        with pytest.raises(SessionNotFound):
            vault.erase(gone)
    # no plaintext of the erased session anywhere, and the WAL is truncated
    assert plaintext_hits(cuecard_home, SENTENCES) == []
    wal = vault_path().with_name("vault.sqlite3-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_after_erase_old_ciphertext_cannot_be_decrypted(cuecard_home: Path) -> None:
    """Crypto-shredding: even a copy of the ciphertext taken before the erase is unreadable."""
    with Vault.open() as vault:
        victim = keep_session(vault)
        other = keep_session(vault, ["Any questions for us?"])
    con = sqlite3.connect(vault_path())
    wrapped = con.execute("SELECT wrapped_key FROM sessions WHERE id=?", (victim,)).fetchone()[0]
    stolen = con.execute(
        "SELECT seq, nonce, ciphertext FROM records WHERE session_id=? ORDER BY seq", (victim,)
    ).fetchall()
    con.close()
    master = base64.b64decode(keyring.get_password("cuecard", "vault-master-key") or "")
    # before the erase, master key + wrapped key open the stolen copy (the test can fail)
    session_key = aes_key_unwrap(master, wrapped)
    ad = b"|".join((b"cuecard-vault/v1", victim.encode(), b"1"))
    assert SENTENCES[0].encode() in AESGCM(session_key).decrypt(stolen[0][1], stolen[0][2], ad)

    with Vault.open() as vault:
        vault.erase(victim)
    data = all_vault_bytes(vault_path())
    assert wrapped not in data  # the wrapped key is gone from the db and the WAL
    for _, nonce, ciphertext in stolen:
        assert ciphertext not in data and nonce not in data  # secure_delete + VACUUM
    # what remains (the master key and other sessions' wrapped keys) opens nothing of it
    con = sqlite3.connect(vault_path())
    remaining = [r[0] for r in con.execute("SELECT wrapped_key FROM sessions")]
    con.close()
    assert len(remaining) == 1
    for candidate in remaining:
        key = aes_key_unwrap(master, candidate)
        with pytest.raises(InvalidTag):
            AESGCM(key).decrypt(stolen[0][1], stolen[0][2], ad)
    with pytest.raises(InvalidTag):
        AESGCM(master).decrypt(stolen[0][1], stolen[0][2], ad)
    with Vault.open() as vault:
        assert [s.id for s in vault.list_sessions()] == [other]
        assert vault.read_session(other).records[0].data["text"] == "Any questions for us?"


def test_tampered_record_fails_its_integrity_check() -> None:
    with Vault.open() as vault:
        sid = keep_session(vault)
    con = sqlite3.connect(vault_path())
    seq1 = con.execute("SELECT nonce, ciphertext FROM records WHERE seq=1").fetchone()
    # move record 1's sealed bytes to record 2: the associated data (session, seq) must catch it
    con.execute("UPDATE records SET nonce=?, ciphertext=? WHERE seq=2", seq1)
    con.commit()
    con.close()
    with Vault.open() as vault, pytest.raises(Exception, match="integrity check"):
        vault.read_session(sid)


def test_retention_erases_old_sessions_at_open(cuecard_home: Path) -> None:
    now = time.time()
    with Vault.open(clock=lambda: now - 40 * 86_400) as vault:
        old = keep_session(vault, ["An answer from forty days ago."])
    with Vault.open(clock=lambda: now - 15 * 86_400) as vault:
        recent = keep_session(vault, ["An answer from fifteen days ago."])
        # fifteen days ago the old one was 25 days old: still within 30 days
        assert {s.id for s in vault.list_sessions()} == {old, recent}
    # today it is 40 days old: opening the vault erases it
    with Vault.open(retention_days=30) as vault:
        assert [s.id for s in vault.list_sessions()] == [recent]
    assert plaintext_hits(cuecard_home, ["An answer from forty days ago."]) == []
    with Vault.open(retention_days=1) as vault:
        assert vault.list_sessions() == []


def test_missing_master_key_is_a_clear_error_and_no_new_key_is_made() -> None:
    with Vault.open() as vault:
        keep_session(vault)
        keep_session(vault, ["Second session."])
    keyring.delete_password("cuecard", "vault-master-key")

    with Vault.open() as vault:
        assert len(vault.list_sessions()) == 2  # listing needs no key
        for action in (vault.export, vault.start_session):
            with pytest.raises(VaultLocked) as info:
                action()
            message = str(info.value)
            assert "\n" not in message
            assert "no longer has the vault's key" in message
            assert "2 saved sessions" in message
            assert "cannot be recovered" in message  # honest: nothing encrypted is readable
            assert "cuecard data export --readable-only" in message
            assert "cuecard data erase --all" in message
        # never silently a new key that would orphan the sessions
        assert keyring.get_password("cuecard", "vault-master-key") is None
        readable = vault.export_readable_only()
        assert readable["content_readable"] is False
        assert [s["records"] for s in readable["sessions"]] == [8, 5]
        assert "Second session." not in json.dumps(readable)


def test_a_different_master_key_is_refused_not_overwritten() -> None:
    with Vault.open() as vault:
        keep_session(vault)
    impostor = base64.b64encode(os.urandom(32)).decode()
    keyring.set_password("cuecard", "vault-master-key", impostor)
    with Vault.open() as vault, pytest.raises(VaultLocked, match="not this vault's"):
        vault.export()
    assert keyring.get_password("cuecard", "vault-master-key") == impostor


def test_erase_all_removes_files_keychain_entries_and_profile(cuecard_home: Path) -> None:
    secrets.set_key("openai", "sk-test-" + "q" * 40)
    profile = cuecard_home / "data" / "profile" / "docs" / "abc"
    profile.mkdir(parents=True)
    (profile / "resume.md").write_text("Ann Lee, Paylane", encoding="utf-8")
    vault = Vault.open()
    keep_session(vault)
    removed = vault.erase_all()
    assert any("vault-master-key" in r for r in removed)
    assert any("cuecard / openai" in r for r in removed)
    assert not any(f.exists() for f in vault_files())
    assert not (cuecard_home / "data" / "profile").exists()
    for user in ("openai", "vault-master-key"):
        assert keyring.get_password("cuecard", user) is None
    with Vault.open() as fresh:  # a fresh start works, with a new key
        keep_session(fresh)
        assert len(fresh.list_sessions()) == 1


def test_full_disk_is_reported_not_ignored() -> None:
    vault = Vault.open()
    writer = vault.start_session()
    for i in range(3):
        writer.append("utterance", {"text": f"kept {i}"})
    pages = vault._conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own limit gives exactly what a full disk gives: SQLITE_FULL
    vault._conn.execute(f"PRAGMA max_page_count={pages}")
    with pytest.raises(VaultWriteError) as info:
        for _ in range(200):
            writer.append("utterance", {"text": "x" * 4000})
    assert str(info.value).startswith("the disk is full")
    assert "\n" not in str(info.value)
    vault.close()
    with Vault.open() as again:
        texts = [r.data["text"] for r in again.read_session(writer.id).records]
        assert texts[:3] == ["kept 0", "kept 1", "kept 2"]


CRASH_WRITER = textwrap.dedent(
    """
    import sys
    from cuecard.privacy.vault import Vault
    vault = Vault.open()
    writer = vault.start_session()
    print(writer.id, flush=True)
    i = 0
    while True:
        i += 1
        seq = writer.append("utterance", {"text": f"utterance number {i} " + "x" * 200})
        print(seq, flush=True)
    """
)

FILE_LIMIT_WRITER = textwrap.dedent(
    """
    import os, resource, signal
    from cuecard.privacy.vault import Vault, VaultWriteError
    vault = Vault.open()
    writer = vault.start_session()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # no file may grow past its current size + 60 kB: the "disk" fills up mid-session
    folder = vault.path.parent
    size = max(os.path.getsize(folder / f) for f in os.listdir(folder))
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 60_000, size + 60_000))
    n = 0
    try:
        while True:
            writer.append("utterance", {"text": os.urandom(500).hex()})
            n += 1
    except VaultWriteError as err:
        print(n, writer.id)
        print(err)
    """
)


def test_kill_9_mid_session_loses_at_most_the_last_record(subprocess_env: dict[str, str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_WRITER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env,
    )
    assert proc.stdout is not None
    session_id = proc.stdout.readline().strip()
    acknowledged = 0
    while acknowledged < 40:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        acknowledged = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    # the pipe still holds every acknowledgement printed before the kill
    for line in proc.stdout.read().split():
        acknowledged = int(line)

    con = sqlite3.connect(vault_path())
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Vault.open() as vault:
        records = vault.read_session(session_id).records
    # every record whose append returned is there; at most the one in flight is lost
    # (or, if it committed just before the kill, it is there without its acknowledgement)
    assert acknowledged <= len(records) <= acknowledged + 1
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert records[acknowledged - 1].data["text"].startswith(f"utterance number {acknowledged} ")


def test_file_size_limit_is_reported_in_one_line(subprocess_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", FILE_LIMIT_WRITER],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    count_line, message = proc.stdout.strip().splitlines()
    saved, session_id = count_line.split()
    assert message.startswith("cuecard could not save to ") or message.startswith(
        "the disk is full"
    )
    assert int(saved) > 0
    with Vault.open() as vault:
        assert len(vault.read_session(session_id).records) == int(saved)


def test_locked_vault_never_unwraps_with_a_new_key() -> None:
    """If the master key were silently replaced, unwrapping would fail: prove the key stays."""
    with Vault.open() as vault:
        sid = keep_session(vault)
    master = keyring.get_password("cuecard", "vault-master-key")
    con = sqlite3.connect(vault_path())
    wrapped = con.execute("SELECT wrapped_key FROM sessions WHERE id=?", (sid,)).fetchone()[0]
    con.close()
    with pytest.raises(InvalidUnwrap):
        aes_key_unwrap(os.urandom(32), wrapped)
    with Vault.open() as vault:
        keep_session(vault)
    assert keyring.get_password("cuecard", "vault-master-key") == master
