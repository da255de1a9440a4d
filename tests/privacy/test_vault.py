"""The vault against real SQLite files and the real keychain: byte scans, shredding, crashes."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
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
from typer.testing import CliRunner

from cli_process import cuecard
from cuecard.cli import app
from cuecard.privacy import secrets
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.vault import SessionNotFound, Vault, _ad, vault_files, vault_path
from cuecard.privacy.vault_keys import VaultLocked, VaultWriteError
from privacy.support import files_under

runner = CliRunner()

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


def keychain_now() -> list[bytes]:
    """Every value in cuecard's keychain entries now, raw and base64-decoded."""
    found: list[bytes] = []
    for user in ("openai", "anthropic", "google", "vault-master-key"):
        value = keyring.get_password("cuecard", user)
        if value:
            found.append(value.encode())
            with contextlib.suppress(ValueError):
                found.append(base64.b64decode(value, validate=True))
    return found


def vault_blobs(folder: Path) -> tuple[dict[str, bytes], list[bytes]]:
    """From a (copied) data folder: each session's wrapped key, and every other key-sized blob."""
    db = folder / "vault.sqlite3"
    if not db.exists():
        return {}, []
    con = sqlite3.connect(db)  # applies the copied WAL, as an attacker's sqlite would
    wrapped = {r[0]: bytes(r[1]) for r in con.execute("SELECT id, wrapped_key FROM sessions")
               if r[1] is not None}  # fmt: skip
    meta = [bytes(r[0]) for r in con.execute("SELECT value FROM meta") if isinstance(r[0], bytes)]
    con.close()
    return wrapped, meta


def decryptable_sessions(copy: Path, *, also: list[Path] = ()) -> set[str]:  # type: ignore[assignment]
    """What an attacker opens from a copy of the data folder with everything left.

    Candidate master keys: every keychain value, plus every key that one of them
    unwraps from any blob in the copy or in the live files (a pending re-key
    wrapped by an old key included), repeated until nothing new appears. A
    session counts if one of them unwraps its key and that key decrypts its
    first record.
    """
    wrapped, blobs = vault_blobs(copy)
    for folder in also:
        more_wrapped, more_blobs = vault_blobs(folder)
        blobs += more_blobs + list(more_wrapped.values())
    keys = {k for k in keychain_now() if len(k) == 32}
    grew = True
    while grew:
        grew = False
        for key in list(keys):
            for blob in blobs:
                with contextlib.suppress(InvalidUnwrap, ValueError):
                    found = aes_key_unwrap(key, blob)
                    if found not in keys:
                        keys.add(found)
                        grew = True
    con = sqlite3.connect(copy / "vault.sqlite3")
    opened: set[str] = set()
    for session_id, blob in wrapped.items():
        row = con.execute(
            "SELECT nonce, ciphertext FROM records WHERE session_id=? AND seq=1", (session_id,)
        ).fetchone()
        for key in keys:
            try:
                session_key = aes_key_unwrap(key, blob)
                AESGCM(session_key).decrypt(bytes(row[0]), bytes(row[1]), _ad(session_id, 1))
            except (InvalidUnwrap, InvalidTag, ValueError):
                continue
            opened.add(session_id)
            break
    con.close()
    return opened


def copy_data_folder(cuecard_home: Path, name: str) -> Path:
    """Everything cuecard wrote, as a backup would copy it (WAL and all)."""
    target = cuecard_home.parent / f"{cuecard_home.name}-{name}"
    shutil.copytree(cuecard_home / "data", target)
    return target


def test_a_copy_made_before_erase_decrypts_nothing_erased_with_everything_left(
    cuecard_home: Path,
) -> None:
    """Crypto-shredding that survives copies: `data erase --session` and `--all`, via the CLI."""
    vault = Vault.open()  # held open while copying: the WAL holds the newest pages
    victim = keep_session(vault)
    kept = [keep_session(vault, ["Any questions for us?"]), keep_session(vault, ["Notice?"])]
    copy = copy_data_folder(cuecard_home, "before-erase")
    vault.close()
    # the attack works before the erase (so this test can fail)
    assert decryptable_sessions(copy) == {victim, *kept}

    result = runner.invoke(app, ["data", "erase", "--session", victim])
    assert result.exit_code == 0, result.output
    assert "vault key is replaced" in result.stdout
    opened = decryptable_sessions(copy, also=[cuecard_home / "data"])
    print(f"sessions decryptable from a pre-erase copy: {len(opened & {victim})}")
    assert opened & {victim} == set()
    data = all_vault_bytes(vault_path())
    con = sqlite3.connect(copy / "vault.sqlite3")
    old_wrapped = con.execute("SELECT wrapped_key FROM sessions WHERE id=?", (victim,)).fetchone()
    con.close()
    assert old_wrapped[0] not in data  # and the live file no longer holds it anywhere
    with Vault.open() as live:  # the kept sessions still read from the live vault
        assert [s.id for s in live.list_sessions()] == kept
        assert live.read_session(kept[0]).records[0].data["text"] == "Any questions for us?"

    copy_all = copy_data_folder(cuecard_home, "before-erase-all")
    result = runner.invoke(app, ["data", "erase", "--all", "--yes"])
    assert result.exit_code == 0, result.output
    assert decryptable_sessions(copy_all) == set()
    assert decryptable_sessions(copy) == set()
    assert keychain_now() == []


CRASH_ERASE = textwrap.dedent(
    """
    import os, sys
    from cuecard.privacy import vault as v

    point, victim = sys.argv[1], sys.argv[2]
    def die(*args, **kwargs):
        os._exit(9)  # no cleanup at all, as in a power cut
    if point == "before-rekey":
        v.Vault._rekey = die
    elif point == "before-keychain":
        v.Vault._store_master = staticmethod(die)
    elif point == "before-clear":
        v.Vault._clear_rekey = die
    with v.Vault.open() as vault:
        vault.erase(victim)
    """
)


@pytest.mark.parametrize("point", ["before-rekey", "before-keychain", "before-clear"])
def test_a_crash_at_any_step_of_the_rotation_loses_no_kept_session(
    point: str, cuecard_home: Path, subprocess_env: dict[str, str]
) -> None:
    with Vault.open() as vault:
        victim = keep_session(vault)
        kept = keep_session(vault, ["What is your notice period?", "Four weeks."])
    copy = copy_data_folder(cuecard_home, f"crash-{point}")
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_ERASE, point, victim], env=subprocess_env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 9, proc.stderr
    with Vault.open() as vault:  # the next open finishes the rotation
        assert vault.pending_erasures() == []
        assert [s.id for s in vault.list_sessions()] == [kept]
        assert vault.read_session(kept).records[1].data["text"] == "Four weeks."
    assert victim not in decryptable_sessions(copy, also=[cuecard_home / "data"])
    with Vault.open() as vault:  # and a new session works with the new key
        keep_session(vault, ["After the crash."])


ERASE_WITHOUT_KEYCHAIN = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return cuecard(*args, env=env, inherit_env=False)


def test_erase_without_the_keychain_says_so_and_is_finished_later(
    cuecard_home: Path, subprocess_env: dict[str, str]
) -> None:
    with Vault.open() as vault:
        victim = keep_session(vault)
        kept = keep_session(vault, ["Any questions for us?"])
    copy = copy_data_folder(cuecard_home, "no-keychain")
    proc = run_cli({**subprocess_env, **ERASE_WITHOUT_KEYCHAIN}, "data", "erase", "--session",
                   victim)  # fmt: skip
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout == ""  # never a success line for a half-done erase
    (line,) = proc.stderr.strip().splitlines()
    assert "vault key could not be replaced" in line and "cuecard data erase --finish" in line
    assert victim in decryptable_sessions(copy)  # honest: the copy still opens, for now
    with Vault.open(retention_days=None) as vault:
        assert [s.id for s in vault.list_sessions()] == [kept]  # gone from the live file
        assert vault.pending_erasures() == [victim]
    finish = runner.invoke(app, ["data", "erase", "--finish"])
    assert finish.exit_code == 0, finish.output
    assert f"finished erasing {victim}" in finish.stdout
    assert decryptable_sessions(copy, also=[cuecard_home / "data"]) == set()
    with Vault.open() as vault:
        assert vault.read_session(kept).records[0].data["text"] == "Any questions for us?"


def test_erase_all_without_the_keychain_exits_1_and_names_what_is_left(
    cuecard_home: Path, subprocess_env: dict[str, str]
) -> None:
    with Vault.open() as vault:
        keep_session(vault)
    secrets.set_key("openai", "sk-test-" + "w" * 40)
    proc = run_cli({**subprocess_env, **ERASE_WITHOUT_KEYCHAIN}, "data", "erase", "--all", "--yes")
    assert proc.returncode == 1
    assert f"removed {vault_path()}" in proc.stdout  # what it could remove, it did
    (line,) = proc.stderr.strip().splitlines()
    for entry in ("openai", "anthropic", "google", "vault-master-key"):
        assert f"cuecard / {entry}" in line
    assert "may still be there" in line and "cuecard data erase --all" in line
    assert keyring.get_password("cuecard", "vault-master-key") is not None  # truly left
    again = run_cli(subprocess_env, "data", "erase", "--all", "--yes")
    assert again.returncode == 0, again.stderr
    assert "removed keychain entry cuecard / vault-master-key" in again.stdout
    assert keychain_now() == []


def test_finish_completes_an_erase_all_that_could_not_reach_the_keychain(
    cuecard_home: Path, subprocess_env: dict[str, str]
) -> None:
    """`--all` with the keychain unreachable, then `--finish` with it back: keys gone, and a
    backup made before the erase decrypts nothing (it decrypted every session before)."""
    with Vault.open() as vault:
        sessions = {keep_session(vault) for _ in range(3)}
    secrets.set_key("openai", "sk-test-" + "f" * 40)
    copy = copy_data_folder(cuecard_home, "finish-all")
    half = run_cli({**subprocess_env, **ERASE_WITHOUT_KEYCHAIN}, "data", "erase", "--all", "--yes")
    assert half.returncode == 1 and "cuecard data erase --finish" in half.stderr
    assert decryptable_sessions(copy) == sessions  # honest: the keychain still opens the copy
    where = run_cli(subprocess_env, "data", "where")
    assert "unfinished `data erase --all`" in where.stdout, where.stdout
    finish = run_cli(subprocess_env, "data", "erase", "--finish")
    assert finish.returncode == 0, finish.stderr
    assert "removed keychain entry cuecard / openai" in finish.stdout
    assert "removed keychain entry cuecard / vault-master-key" in finish.stdout
    assert "finished the `data erase --all` started " in finish.stdout
    assert keychain_now() == []
    assert decryptable_sessions(copy) == set()
    assert not list((cuecard_home / "data").iterdir())  # the mark is gone too
    again = run_cli(subprocess_env, "data", "erase", "--finish")
    assert again.returncode == 0 and "nothing to finish" in again.stdout


def test_finish_without_the_keychain_again_says_so_and_keeps_the_mark(
    cuecard_home: Path, subprocess_env: dict[str, str]
) -> None:
    secrets.set_key("openai", "sk-test-" + "g" * 40)
    no_keychain = {**subprocess_env, **ERASE_WITHOUT_KEYCHAIN}
    assert run_cli(no_keychain, "data", "erase", "--all", "--yes").returncode == 1
    finish = run_cli(no_keychain, "data", "erase", "--finish")
    assert finish.returncode == 1 and "nothing to finish" not in finish.stdout
    (line,) = finish.stderr.strip().splitlines()
    assert "cuecard / openai" in line and "may still be there" in line
    assert keyring.get_password("cuecard", "openai") is not None
    assert run_cli(subprocess_env, "data", "erase", "--finish").returncode == 0
    assert keyring.get_password("cuecard", "openai") is None


def test_erase_while_the_key_is_missing_rotates_once_the_key_is_restored(
    cuecard_home: Path,
) -> None:
    with Vault.open() as vault:
        victim = keep_session(vault)
        kept = keep_session(vault, ["Any questions for us?"])
    copy = copy_data_folder(cuecard_home, "key-missing")
    master = keyring.get_password("cuecard", "vault-master-key")
    assert master is not None
    keyring.delete_password("cuecard", "vault-master-key")  # lost (a new desktop session)
    result = runner.invoke(app, ["data", "erase", "--session", victim])
    assert result.exit_code == 0, result.output
    assert "holds no key for this vault" in result.stdout  # not "the key is replaced"
    assert decryptable_sessions(copy) == set()
    keyring.set_password("cuecard", "vault-master-key", master)  # restored from a backup
    assert decryptable_sessions(copy) == {victim, kept}  # the copy would open again...
    with Vault.open() as vault:  # ...until the next open replaces the restored key
        assert vault.read_session(kept).records[0].data["text"] == "Any questions for us?"
    assert decryptable_sessions(copy, also=[cuecard_home / "data"]) == set()


def test_a_rotation_by_another_process_does_not_orphan_a_new_session() -> None:
    """A vault open in one process (a long `listen --keep`) while another erases a session."""
    listening = Vault.open()
    keep_session(listening, ["Before."])  # caches the master key
    with Vault.open() as eraser:
        victim = keep_session(eraser, ["To be erased."])
        eraser.erase(victim)  # rotates the master key under the listener's feet
    after = keep_session(listening, ["After the rotation."])
    listening.close()
    with Vault.open() as fresh:
        assert fresh.read_session(after).records[0].data["text"] == "After the rotation."


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
    from cuecard.privacy.vault import Vault
    from cuecard.privacy.vault_keys import VaultWriteError
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
