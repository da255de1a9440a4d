"""The privacy report: grouping, the verdict, the status line, the persistent ledger, the CLI."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cuecard import config as config_mod
from cuecard.cli import app
from cuecard.privacy import ledger_store
from cuecard.privacy.egress import Guard
from cuecard.privacy.ledger import Ledger, LedgerEntry
from cuecard.privacy.policy import EgressPolicy
from cuecard.privacy.report import render_text, status_line, summarize
from fakes.provider_server import FakeProviderServer, Reply
from privacy.support import files_under

runner = CliRunner()


def two_providers() -> Ledger:
    ledger = Ledger()
    for _ in range(2):
        e = ledger.record(
            host="api.openai.com", port=443, purpose="answer", outcome="allowed", label="openai",
            bytes_sent=1200,
        )  # fmt: skip
        ledger.add_bytes(e, received=3400)
        ledger.finish(e)
    ledger.record(
        host="api.anthropic.com", port=443, purpose="doctor", outcome="allowed", label="anthropic",
        bytes_sent=300, bytes_received=500,
    )  # fmt: skip
    return ledger


def test_verdict_for_configured_providers() -> None:
    report = summarize(two_providers())
    assert report.verdict == (
        "2 destinations, both your configured providers (anthropic, openai); 0 blocked"
    )
    first = report.destinations[0]
    assert (first.host, first.allowed, first.bytes_sent, first.bytes_received) == (
        "api.openai.com", 2, 2400, 6800,
    )  # fmt: skip
    assert status_line(two_providers()) == (
        "egress: sent to anthropic, openai: 2.7 kB out, 7.3 kB in · 0 blocked"
    )


def test_verdict_counts_blocked_and_keeps_them_apart() -> None:
    ledger = two_providers()
    ledger.record(
        host="127.0.0.1", port=9999, purpose="answer", outcome="blocked", reason="not-allowed"
    )
    ledger.record(
        host="telemetry.example", port=443, purpose="unattributed", outcome="blocked",
        layer="socket", reason="name-not-allowed",
    )  # fmt: skip
    ledger.record(host="true", port=0, purpose="subprocess", outcome="blocked", layer="process")
    report = summarize(ledger)
    assert report.blocked == 3
    assert report.verdict.endswith("; 3 blocked")
    assert report.verdict.startswith("2 destinations, both your configured providers")
    assert [d.host for d in report.destinations][-2:] == ["127.0.0.1", "telemetry.example"]
    text = render_text(report, scope="test")
    assert "BLOCKED 127.0.0.1:9999" in text and "nothing sent" in text
    assert "Programs started: true (0 allowed, 1 blocked)" in text
    assert text.splitlines()[-1] == f"Verdict: {report.verdict}"


def test_nothing_sent_and_single_destination() -> None:
    assert summarize(Ledger()).verdict == "nothing left this device; 0 blocked"
    assert status_line(Ledger()) == "egress: nothing sent · 0 blocked"
    one = Ledger()
    one.record(
        host="127.0.0.1", port=11434, purpose="answer", outcome="allowed", label="local",
        opened=True,
    )  # fmt: skip
    assert summarize(one).verdict == ("1 destination, your configured provider (local); 0 blocked")
    download = Ledger()
    download.record(
        host="huggingface.co", port=443, purpose="model-download", outcome="allowed",
        label="model download", opened=True,
    )  # fmt: skip
    assert summarize(download).verdict == (
        "1 destination, allowed by your config (model download); 0 blocked"
    )


def test_ledger_round_trips_and_has_no_content_fields() -> None:
    ledger = two_providers()
    again = Ledger.from_json(ledger.to_json())
    assert again.entries() == ledger.entries()
    fields = set(LedgerEntry.__dataclass_fields__)
    assert fields == {
        "id", "time", "host", "port", "purpose", "outcome", "layer", "label", "reason",
        "bytes_sent", "bytes_received", "duration_s", "opened", "command", "session",
    }  # fmt: skip
    # the store on disk has the same fields, and nothing else (no path, header, body)
    assert set(ledger_store.COLUMNS) == {
        "run", "entry", "time", "command", "session", "provider", "host", "port", "purpose",
        "layer", "outcome", "reason", "opened", "bytes_sent", "bytes_received", "duration_s",
    }  # fmt: skip


def test_a_connection_that_never_opened_sent_nothing() -> None:
    """An attempt that failed before its connection opened is reported, with 0 bytes sent."""
    ledger = Ledger()
    e = ledger.record(host="127.0.0.1", port=11434, purpose="answer", outcome="allowed",
                      label="local", opened=False)  # fmt: skip
    ledger.finish(e, outcome="error", reason="ConnectError")
    report = summarize(ledger)
    (dest,) = report.destinations
    assert (dest.opened, dest.not_opened, dest.bytes_sent) == (0, 1, 0)
    assert report.verdict == (
        "nothing left this device: 1 connection attempt to local failed before anything "
        "was sent; 0 blocked"
    )
    assert "1 never connected" in render_text(report)
    # a raw socket the audit hook let through counts too: it cannot count bytes
    raw = Ledger()
    raw.record(host="203.0.113.5", port=443, purpose="unattributed", outcome="allowed",
               layer="socket", label="openai", opened=True)  # fmt: skip
    assert summarize(raw).verdict == "1 destination, your configured provider (openai); 0 blocked"
    old = LedgerEntry.from_dict({"id": 1, "time": 0.0, "host": "h", "port": 1, "purpose": "p",
                                 "outcome": "allowed", "layer": "socket"})  # fmt: skip
    assert old.opened  # a ledger kept by an older cuecard reads the same way
    # one that opened, even with few bytes, is never "nothing left"
    e2 = ledger.record(host="127.0.0.1", port=11434, purpose="answer", outcome="allowed",
                       label="local", opened=False)  # fmt: skip
    ledger.add_bytes(e2, sent=5, opened=True)
    assert summarize(ledger).verdict == "1 destination, your configured provider (local); 0 blocked"


# -- the persistent ledger, across processes -----------------------------------------


def cuecard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip


def write_config(home: Path, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(text, encoding="utf-8")


def test_report_in_another_process_names_what_ask_sent(cuecard_home: Path) -> None:
    """`ask` against a loopback provider, then `privacy report --json` in a new process."""
    with FakeProviderServer(default=Reply(text="- First point")) as srv:
        write_config(
            cuecard_home,
            f'[assist]\nprovider = "local"\n[assist.local]\nbase_url = "{srv.openai_base_url}"\n',
        )
        asked = cuecard("ask", "Why do you want to work here?", "--sample")
        assert asked.returncode == 0, asked.stderr
        assert "First point" in asked.stdout
        port = int(srv.openai_base_url.rsplit(":", 1)[1].split("/")[0])
        (generation,) = srv.generations
        body_bytes = len(json.dumps(generation.body))
    proc = cuecard("privacy", "report", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["scope"].startswith("the last 24 hours, every cuecard command")
    assert report["verdict"] == "1 destination, your configured provider (local); 0 blocked"
    (dest,) = report["destinations"]
    assert (dest["host"], dest["port"], dest["labels"]) == ("127.0.0.1", port, ["local"])
    assert dest["commands"] == ["ask"]
    assert dest["opened"] == 1 and dest["bytes_received"] > 0
    assert dest["bytes_sent"] >= body_bytes * 0.9  # the prompt went out, and it is counted
    text = cuecard("privacy", "report")
    assert f"127.0.0.1:{port} (this device)" in text.stdout
    assert "Verdict: 1 destination, your configured provider (local)" in text.stdout
    # nothing of the prompt is in the ledger file: it has no column for it
    question = b"Why do you want to work here?"
    for path in files_under(cuecard_home / "data"):
        assert question not in path.read_bytes() and b"/v1/chat" not in path.read_bytes()


def test_a_refused_connection_counts_nothing_sent(cuecard_home: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    write_config(
        cuecard_home,
        f'[assist]\nprovider = "local"\n[assist.local]\nbase_url = "http://127.0.0.1:{port}/v1"\n',
    )
    asked = cuecard("ask", "Tell me about yourself", "--sample")
    assert asked.returncode == 1, "a server that cannot be reached fails the check"
    assert "From your notes" in asked.stdout  # ...and the candidate still gets notes
    proc = cuecard("privacy", "report", "--json")
    report = json.loads(proc.stdout)
    (dest,) = report["destinations"]
    assert (dest["port"], dest["opened"], dest["bytes_sent"], dest["bytes_received"]) == (
        port, 0, 0, 0,
    )  # fmt: skip
    assert dest["not_opened"] >= 1 and dest["errors"] >= 1
    assert report["verdict"].startswith("nothing left this device: ")
    assert "failed before anything was sent" in report["verdict"]


@pytest.mark.anyio
async def test_a_shared_server_is_labelled_by_the_provider_that_made_each_request() -> None:
    with FakeProviderServer() as srv:
        cfg = config_mod.parse({"assist": {
            "provider": "openai", "fallback": ["local"],
            "openai": {"base_url": srv.openai_base_url},
            "local": {"base_url": srv.openai_base_url},
        }})  # fmt: skip
        ledger = Ledger()
        guard = Guard(EgressPolicy.from_config(cfg), ledger)
        for provider in ("local", "openai", "local", ""):
            async with guard.client("answer", provider=provider) as client:
                assert (await client.get(f"{srv.openai_base_url}/models")).status_code == 200
    assert [e.label for e in ledger] == ["local", "openai", "local", "local|openai"]
    (dest,) = summarize(ledger).destinations
    assert dest.labels == ("local", "openai")


def stored(ledger: Ledger, path: Path, retention_days: int | None = None) -> None:
    writer = ledger_store.LedgerWriter(ledger, path, retention_days=retention_days)
    for entry in ledger.entries():
        writer.notify(entry.id)
    writer.close()


def test_since_session_and_retention_filter_the_stored_ledger(cuecard_home: Path) -> None:
    now = time.time()
    old = [
        LedgerEntry(1, now - 3 * 86_400, "api.openai.com", 443, "answer", "allowed",
                    label="openai", bytes_sent=900, opened=True, command="listen",
                    session="20250101-000000-aaaaaa"),
        LedgerEntry(2, now - 40 * 86_400, "api.anthropic.com", 443, "answer", "allowed",
                    label="anthropic", bytes_sent=700, opened=True, command="ask"),
        LedgerEntry(3, now - 600, "api.anthropic.com", 443, "doctor", "allowed",
                    label="anthropic", bytes_sent=300, opened=True, command="doctor"),
    ]  # fmt: skip
    stored(Ledger(old), ledger_store.ledger_path())

    def report(*args: str) -> dict[str, object]:
        result = runner.invoke(app, ["privacy", "report", "--json", *args])
        assert result.exit_code == 0, result.output
        data: dict[str, object] = json.loads(result.stdout)
        return data

    def hosts(data: dict[str, object]) -> list[tuple[str, int]]:
        return [(d["host"], d["bytes_sent"]) for d in data["destinations"]]  # type: ignore[attr-defined,index]

    assert hosts(report()) == [("api.anthropic.com", 300)]  # the last 24 hours by default
    assert hosts(report("--since", "7d")) == [("api.openai.com", 900), ("api.anthropic.com", 300)]
    # older than privacy.retention_days (30): never shown
    assert hosts(report("--since", "60d")) == hosts(report("--since", "7d"))
    assert hosts(report("--session", "20250101-000000-aaaaaa")) == [("api.openai.com", 900)]
    bad = runner.invoke(app, ["privacy", "report", "--since", "yesterday-ish"])
    assert bad.exit_code == 2 and "24h, 7d or 30m" in bad.stderr
    # the next process that writes prunes what retention no longer keeps
    stored(Ledger([replace(old[2], id=9, time=now)]), ledger_store.ledger_path(), 30)
    rows = sqlite3.connect(ledger_store.ledger_path()).execute("SELECT count(*) FROM egress")
    assert rows.fetchone()[0] == 3  # entries 1, 3 and 9; entry 2 (40 days old) is gone


CONCURRENT_WRITER = textwrap.dedent(
    """
    import sys, time
    from cuecard.privacy import ledger_store
    from cuecard.privacy.ledger import Ledger

    ledger = Ledger()
    ledger_store.persist(ledger, retention_days=30)
    for i in range(200):
        e = ledger.record(host="127.0.0.1", port=int(sys.argv[1]), purpose="answer",
                          outcome="allowed", label=sys.argv[2], opened=True)
        for _ in range(5):
            ledger.add_bytes(e, sent=10, received=20)
        ledger.finish(e)
        time.sleep(0.002)  # long enough for several background flushes to overlap
    """
)


def test_concurrent_processes_write_and_read_the_ledger_safely(cuecard_home: Path) -> None:
    """Two writers (a `listen` and an `ask`) and a reader (`privacy report`) at once."""
    env = {**os.environ, "CUECARD_HOME": str(cuecard_home)}
    writers = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(port), name], env=env,
                         stderr=subprocess.PIPE, text=True)
        for port, name in ((1111, "openai"), (2222, "local"))
    ]  # fmt: skip
    reads = 0
    while any(w.poll() is None for w in writers):
        entries = ledger_store.read(ledger_store.Query())  # never fails mid-write
        assert all(e.bytes_sent <= 50 for e in entries)
        reads += 1
    for w in writers:
        assert w.wait(timeout=60) == 0, w.stderr.read() if w.stderr else ""
    entries = ledger_store.read(ledger_store.Query())
    by_port = {p: [e for e in entries if e.port == p] for p in (1111, 2222)}
    assert [len(v) for v in by_port.values()] == [200, 200]
    assert all((e.bytes_sent, e.bytes_received) == (50, 100) for e in entries)
    assert {e.label for e in by_port[2222]} == {"local"}
    assert reads > 0


def test_ledger_file_is_private_and_listed_by_data_where(cuecard_home: Path) -> None:
    ledger = Ledger()
    ledger.record(host="api.openai.com", port=443, purpose="answer", outcome="allowed",
                  label="openai", bytes_sent=10, opened=True)  # fmt: skip
    stored(ledger, ledger_store.ledger_path())
    path = ledger_store.ledger_path()
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    where = json.loads(runner.invoke(app, ["data", "where", "--json"]).stdout)
    listed = {Path(f["where"]).name: f["what"] for f in where["files"]}
    assert listed["egress.sqlite3"] == "egress ledger (where and how much was sent, never what)"


def test_report_shows_every_spelling_a_person_term_is_matched_in(cuecard_home: Path) -> None:
    write_config(cuecard_home, '[privacy]\nredact = true\nredact_terms = ["person:Alex Rivera"]\n')
    proc = cuecard("privacy", "report", "--json")
    assert proc.returncode == 0, proc.stderr
    redaction = json.loads(proc.stdout)["redaction"]
    assert redaction["on"] is True
    spellings = redaction["matched"]["Alex Rivera"]
    assert {"Alex Rivera", "Rivera, Alex", "A. Rivera"} <= set(spellings)
    text = cuecard("privacy", "report").stdout
    assert "Redaction: on" in text
