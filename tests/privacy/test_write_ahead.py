"""The egress ledger is written ahead: a connection is on disk before its first byte leaves.

Real signals against a real ``cuecard ask`` in a child process, the fake
provider holding the request open, then ``privacy report`` in a new process;
a full disk (a real 64 KiB tmpfs) under the data folder; tampered rows read
back from a real SQLite file.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cuecard.privacy import ledger_store
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.report import render_text, summarize
from fakes.provider_server import FakeProviderServer, Reply


def cuecard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def local_provider(home: Path, base_url: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(
        f'[assist]\nprovider = "local"\n[assist.local]\nbase_url = "{base_url}"\n',
        encoding="utf-8",
    )


def wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_right_after_the_prompt_arrived_leaves_the_connection_in_the_report(
    cuecard_home: Path, sig: signal.Signals
) -> None:
    with FakeProviderServer(default=Reply(hang=True)) as srv:
        local_provider(cuecard_home, srv.openai_base_url)
        child = subprocess.Popen(
            [sys.executable, "-m", "cuecard", "ask", "Why do you want this job?", "--sample"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(lambda: srv.generations)
            os.kill(child.pid, sig)  # the instant the provider has the prompt
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        (generation,) = srv.generations
        body_bytes = len(json.dumps(generation.body, separators=(",", ":")))
    assert child.returncode != 0
    proc = cuecard("privacy", "report", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert not report["verdict"].startswith("nothing left"), report["verdict"]
    (dest,) = report["destinations"]
    assert dest["labels"] == ["local"] and dest["opened"] == 1 and dest["commands"] == ["ask"]
    # the head and the body were on disk before they were sent
    assert dest["bytes_sent"] >= body_bytes, (dest["bytes_sent"], body_bytes)


def _no_file_may_grow() -> None:
    """A process for which every disk is full: no file may grow past 0 bytes (EFBIG)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


@contextlib.contextmanager
def full_data_folder(home: Path) -> Iterator[Callable[[], None] | None]:
    """The data folder on a full disk: a 64 KiB tmpfs, filled (root), or a read-only folder
    (anyone else). Where root may not mount, the child gets RLIMIT_FSIZE 0 instead, which
    fails its writes the way a full disk does; yields that child set-up, or None."""
    data = home / "data"
    data.mkdir(mode=0o700, exist_ok=True)
    if os.geteuid() != 0:
        data.chmod(0o500)
        try:
            yield None
        finally:
            data.chmod(0o700)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(data)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        yield _no_file_may_grow
        return
    try:
        with contextlib.suppress(OSError), open(data / "filler", "wb") as fill:
            while True:
                fill.write(b"\0" * 4096)
                fill.flush()
        yield None
    finally:
        subprocess.run(["umount", str(data)], check=True)


def test_a_request_whose_record_cannot_be_written_is_not_sent(cuecard_home: Path) -> None:
    with FakeProviderServer(default=Reply(text="- should never be seen")) as srv:
        local_provider(cuecard_home, srv.openai_base_url)
        with full_data_folder(cuecard_home) as child_setup:
            asked = subprocess.run(
                [sys.executable, "-m", "cuecard", "ask", "Why do you want this job?", "--sample"],
                capture_output=True, text=True, timeout=120, check=False,
                preexec_fn=child_setup,
            )  # fmt: skip
        assert srv.generations == [] and srv.connection_count == 0  # not a byte left
    assert "should never be seen" not in asked.stdout
    assert "From your notes" in asked.stdout, asked.stdout  # the candidate still gets notes
    assert "Traceback" not in asked.stderr
    lines = [line for line in asked.stderr.splitlines() if "egress ledger" in line]
    assert len(lines) == 1 and "did not send" in lines[0], asked.stderr


def write_rows(path: Path, rows: list[dict[str, object]]) -> None:
    """Rows as a tampering user would leave them (SQLite lets a column hold any type)."""
    ledger = Ledger()
    writer = ledger_store.LedgerWriter(ledger, path)
    entry = ledger.record(host="127.0.0.1", port=1, purpose="answer", outcome="blocked")
    writer.notify(entry)
    writer.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM egress")
        for i, row in enumerate(rows):
            values = {
                "run": "r", "entry": i + 1, "time": time.time(), "command": "ask",
                "session": "", "provider": "openai", "host": "api.openai.com", "port": 443,
                "purpose": "answer", "layer": "http", "outcome": "allowed", "reason": "",
                "opened": 1, "bytes_sent": 10, "bytes_received": 10, "duration_s": 0.5, **row,
            }  # fmt: skip
            cols = ", ".join(values)
            conn.execute(
                f"INSERT INTO egress ({cols}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )


def test_tampered_rows_read_without_a_traceback_and_never_say_less_left(
    cuecard_home: Path,
) -> None:
    path = ledger_store.ledger_path()
    write_rows(
        path,
        [
            {"port": "four-four-three", "bytes_sent": "lots", "bytes_received": b"\x00"},
            {"host": "evil\x1b]0;owned\x07.example", "port": 443},
            {"host": "quiet.example", "opened": 0, "bytes_sent": 4000, "bytes_received": 0},
            {"host": "odd.example", "outcome": "weird", "layer": "x", "opened": "yes"},
        ],
    )
    entries = ledger_store.read(ledger_store.Query())
    assert len(entries) == 4
    text = render_text(summarize(entries))
    assert "\x1b" not in text and "\x07" not in text
    assert not summarize(entries).verdict.startswith("nothing left")
    quiet = next(d for d in summarize(entries).destinations if d.host == "quiet.example")
    assert quiet.reached and quiet.bytes_sent == 4000  # opened=0 with bytes is still traffic
    proc = cuecard("privacy", "report")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "\x1b" not in proc.stdout and "nothing left" not in proc.stdout


def test_only_tampered_opened_flags_cannot_make_the_report_say_nothing_left(
    cuecard_home: Path,
) -> None:
    write_rows(
        ledger_store.ledger_path(),
        [{"opened": 0, "bytes_sent": 900, "bytes_received": 0, "outcome": "error"}],
    )
    proc = cuecard("privacy", "report", "--json")
    report = json.loads(proc.stdout)
    assert not report["verdict"].startswith("nothing left"), report["verdict"]
