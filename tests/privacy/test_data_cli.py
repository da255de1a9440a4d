"""`cuecard data where|export|erase` and a kept session recorded from real events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from typer.testing import CliRunner

from cuecard import paths
from cuecard.cli import app
from cuecard.events import (
    PromptSent,
    Question,
    SessionEnded,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.privacy import ledger_store, secrets
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.recorder import VaultRecorder
from cuecard.privacy.vault import Vault, vault_path
from privacy.support import fake_key, files_under

runner = CliRunner()

QUESTION = "Walk me through the payments outage you handled at Paylane."
ANSWER_SENTENCE = "Three weeks into the job the card processor started timing out."


def events() -> list[object]:
    return [
        Utterance(1, "interviewer", "Walk me through the payments", False, 0.0, 1.5, 1.6),
        Utterance(1, "interviewer", QUESTION, True, 0.0, 3.0, 3.2),
        Question(2, QUESTION, "behavioural", 0.95, 1, 0.0, 3.0, 3.2),
        PromptSent(2, "local", "127.0.0.1:11434", f"[user]\n{QUESTION}", False, 3.3),
        SuggestionDone(2, "- Name the outage\n- Your role", "local", "llama3.2", 4.0, 120, 30),
        Utterance(3, "you", ANSWER_SENTENCE, True, 4.0, 8.0, 8.1),
        SuggestionFailed(4, "your OpenAI key was rejected", 9.0),
        SessionEnded(10.0, 10.1),
    ]


async def keep_a_session() -> str:
    ledger = Ledger()
    ledger.record(
        host="127.0.0.1", port=11434, purpose="answer", outcome="allowed", label="local",
        bytes_sent=900, bytes_received=2000,
    )  # fmt: skip
    ledger.record(host="127.0.0.1", port=9, purpose="answer", outcome="blocked")
    vault = Vault.open()
    recorder = VaultRecorder(vault.start_session(), ledger)
    for event in events():
        await recorder(event)  # type: ignore[arg-type]
    vault.close()
    assert recorder.error is None
    return recorder.session_id


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def run_cuecard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, `main()` and its logging set-up included, in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip


def test_commands_that_only_read_create_nothing(cuecard_home: Path) -> None:
    """Not a config file, not a log, not an empty vault or ledger, not even a folder."""
    for args in (
        ("data", "where"), ("data", "where", "--json"), ("privacy", "report"),
        ("privacy", "report", "--json"), ("config", "show"), ("config", "show", "--json"),
        ("data", "export"),
    ):  # fmt: skip
        proc = run_cuecard(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert list(cuecard_home.iterdir()) == [], args


def test_what_cuecard_writes_is_0600_in_0700_folders(cuecard_home: Path) -> None:
    """Settings (they hold redaction terms), the log, the egress ledger and the vault."""
    from fakes.provider_server import FakeProviderServer

    with FakeProviderServer() as srv:
        proc = run_cuecard("ask", "Why this team?", "--sample")  # writes the default config
        assert proc.returncode == 0, proc.stderr
        config_file = paths.config_file()
        config_file.write_text(
            config_file.read_text() + f'\n[assist.local]\nbase_url = "{srv.openai_base_url}"\n'
        )
        text = config_file.read_text().replace('provider = "offline"', 'provider = "local"')
        config_file.write_text(text.replace("keep_sessions = false", "keep_sessions = true"))
        proc = run_cuecard("ask", "Why this team?", "--sample")
        assert proc.returncode == 0, proc.stderr
    with Vault.open() as vault:
        vault.start_session().close()
    written = {p.name: p for p in cuecard_home.rglob("*")}
    for name in ("config.toml", "cuecard.log", "egress.sqlite3", "vault.sqlite3"):
        assert name in written, sorted(written)
    for path in cuecard_home.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_where_on_a_fresh_machine_creates_nothing(cuecard_home: Path) -> None:
    code, out, _ = invoke("data", "where", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["files"] == [] and info["keychain"] == [] and info["kept_sessions"] == []
    assert info["keychain_error"] is None
    assert files_under(cuecard_home) == []  # no config file, no empty vault
    code, out, _ = invoke("data", "export")
    assert code == 0 and json.loads(out)["sessions"] == []
    assert files_under(cuecard_home) == []


@pytest.mark.anyio
async def test_kept_session_where_export_report_erase(cuecard_home: Path) -> None:
    session_id = await keep_a_session()
    secrets.set_key("anthropic", fake_key())

    code, out, _ = invoke("data", "where", "--json")
    assert code == 0
    info = json.loads(out)
    listed = {Path(f["where"]).name: f["what"] for f in info["files"]}
    assert listed["vault.sqlite3"] == "kept sessions (encrypted vault)"
    assert {k["where"] for k in info["keychain"]} == {
        "cuecard / anthropic",
        "cuecard / vault-master-key",
    }
    assert [s["id"] for s in info["kept_sessions"]] == [session_id]
    assert [s["records"] for s in info["kept_sessions"]] == [7]  # the partial is not kept

    code, out, _ = invoke("data", "export", "--session", session_id)
    assert code == 0
    export = json.loads(out)
    (session,) = export["sessions"]
    kinds = [r["kind"] for r in session["records"]]
    assert kinds == ["utterance", "question", "prompt", "answer", "utterance", "answer_failed",
                     "ledger"]  # fmt: skip
    texts = [r["data"]["text"] for r in session["records"] if r["kind"] == "utterance"]
    assert texts == [QUESTION, ANSWER_SENTENCE]

    code, out, _ = invoke("privacy", "report", "--json", "--session", session_id)
    assert code == 0
    report = json.loads(out)
    assert report["verdict"] == "1 destination, your configured provider (local); 1 blocked"
    code, out, _ = invoke("privacy", "report", "--last")
    assert code == 0 and f"kept session {session_id}" in out

    stored = Ledger()
    stored.set_context(command="listen", session=session_id)
    stored.record(host="127.0.0.1", port=11434, purpose="answer", outcome="allowed",
                  label="local", bytes_sent=5, opened=True)  # fmt: skip
    writer = ledger_store.LedgerWriter(stored)
    writer.notify(1)
    writer.close()
    assert len(ledger_store.read(ledger_store.Query(session=session_id))) == 1

    code, out, _ = invoke("data", "erase", "--session", session_id)
    assert code == 0 and "the vault key is replaced" in out
    assert ledger_store.read(ledger_store.Query(session=session_id)) == []
    code, out, _ = invoke("data", "export")
    assert code == 0 and json.loads(out)["sessions"] == []
    code, _, err = invoke("data", "export", "--session", session_id)
    assert code == 1 and err.count("\n") == 1 and "no kept session" in err
    for path in files_under(cuecard_home):
        data = path.read_bytes()
        assert QUESTION.encode() not in data and ANSWER_SENTENCE.encode() not in data


@pytest.mark.anyio
async def test_locked_vault_via_cli_is_one_line_and_readable_only_works() -> None:
    await keep_a_session()
    keyring.delete_password("cuecard", "vault-master-key")
    code, out, err = invoke("data", "export")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no longer has the vault's key" in err
    code, out, _ = invoke("data", "export", "--readable-only")
    assert code == 0
    data = json.loads(out)
    assert data["content_readable"] is False and data["sessions"][0]["records"] == 7
    assert QUESTION not in out
    assert keyring.get_password("cuecard", "vault-master-key") is None


@pytest.mark.anyio
async def test_erase_all_asks_once_and_removes_everything(cuecard_home: Path) -> None:
    await keep_a_session()
    secrets.set_key("openai", fake_key())
    profile = paths.data_dir() / "profile" / "docs" / "x"
    profile.mkdir(parents=True)
    (profile / "resume.md").write_text("Ann Lee\n", encoding="utf-8")
    model = paths.data_dir() / "models" / "base.en" / "model.bin"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"\0" * 16)
    paths.log_dir().mkdir(parents=True)
    (paths.log_dir() / "cuecard.log").write_text("answered 1 question\n", encoding="utf-8")
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text('[privacy]\nredact_terms = ["Ann Lee"]\n', encoding="utf-8")
    ledger = Ledger()
    ledger.record(host="api.openai.com", port=443, purpose="answer", outcome="allowed")
    writer = ledger_store.LedgerWriter(ledger)
    writer.notify(1)
    writer.close()
    assert ledger_store.ledger_path().exists()

    code, _, err = invoke("data", "erase", "--all", input="n\n")
    assert code == 1 and "Aborted" in err
    assert vault_path().exists() and keyring.get_password("cuecard", "openai")

    code, _, err = invoke("data", "erase")
    assert code == 2 and "--session ID, --all or --finish" in err

    code, out, _ = invoke("data", "erase", "--all", "--yes")
    assert code == 0, out
    assert "removed keychain entry cuecard / openai" in out
    assert "removed keychain entry cuecard / vault-master-key" in out
    assert f"kept {model}" in out
    for user in secrets.keychain_users():
        assert keyring.get_password("cuecard", user) is None
    assert files_under(cuecard_home) == [model]  # only the public model download remains
    code, out, _ = invoke("data", "where", "--json")
    assert json.loads(out)["keychain"] == []


@pytest.mark.anyio
async def test_recorder_reports_a_full_disk_and_the_session_goes_on() -> None:
    vault = Vault.open()
    writer = vault.start_session()
    reported: list[str] = []
    recorder = VaultRecorder(writer, Ledger(), on_error=reported.append)
    await recorder(events()[1])  # type: ignore[arg-type]
    pages = vault._conn.execute("PRAGMA page_count").fetchone()[0]
    vault._conn.execute(f"PRAGMA max_page_count={pages}")
    long = Utterance(9, "you", "word " * 3000, True, 0.0, 1.0, 1.0)
    for _ in range(5):
        await recorder(long)  # never raises: the transcript must not stop
    assert len(reported) == 1 and reported[0].startswith("the disk is full")
    assert recorder.error == reported[0]
    vault.close()
    with Vault.open() as again:
        records = again.read_session(recorder.session_id).records
        assert [r.data["text"] for r in records][:1] == [QUESTION]


def test_privacy_policy_prints_the_packaged_policy() -> None:
    code, out, _ = invoke("privacy", "policy")
    assert code == 0
    assert out.startswith("# cuecard privacy")
    assert "cuecard data erase --all" in out
