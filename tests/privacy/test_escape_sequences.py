"""A provider's answer is data: no escape or control sequence reaches any view.

The loopback fake plays a hostile provider. Its answer carries OSC 52 (a command
put on the clipboard), OSC 8 (a disguised link) ended by ESC-backslash, a
window-title OSC, CSI cursor and colour codes (7-bit and the C1 form), a DCS
string, and bidi overrides ("Trojan Source"), and the stream is cut *inside*
the sequences, so a filter that works on whole pieces would let them through.
Each view a user or a script reads is then checked: ``ask`` printed to a
terminal, ``ask --json``, a whole session in the terminal view and as JSON lines,
the kept session exported from the vault, the log, and the desktop overlay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the application

from cuecard.privacy.sanitize import is_clean
from fakes.provider_server import FakeProviderServer, Reply

PIECES = [
    "- Lead with the \x1b]52;c;cm0gLXJmIH4vKg",  # OSC 52, split mid-payload
    "==\x07 migration story\n",
    "- Say \x1b]8;;https://evil.exa",  # OSC 8, split inside the URL, ended by ESC \
    "mple/\x1b\\the result\x1b]8;;\x1b\\ first\n",
    "- \x1b]0;pwned\x07\x1b[2J\x1b[1;1H\x1b[",  # title, clear screen, a CSI cut before its end
    "31mred\x1b[0m \x9b7m\x1bP1$r0m\x1b\\ and ",
    "\u202eevil\u202c \u2066isolated\u2069 done\n",
]
CLEAN_TEXT = ("Lead with the", "migration story", "the result", "first", "red", "done")
KEY = "sk-test-" + "e" * 32


def hostile() -> Reply:
    return Reply(text="".join(PIECES), pieces=PIECES)


def write_config(home: Path, srv: FakeProviderServer) -> None:
    cfg = home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(
        f'[assist]\nprovider = "openai"\nfirst_help_s = 20\n'
        f'[assist.openai]\nmodel = "gpt-4o-mini"\nbase_url = "{srv.openai_base_url}"\n'
    )


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cuecard", *args], capture_output=True,
                          text=True, env=env, timeout=300)  # fmt: skip


def assert_clean(where: str, text: str) -> None:
    assert is_clean(text), f"{where}: {[c for c in text if not is_clean(c)][:5]!r}"
    assert "evil.example" not in text and "pwned" not in text, where


def test_ask_in_a_terminal_and_as_json(subprocess_env: dict[str, str], cuecard_home: Path) -> None:
    env = {**subprocess_env, "CUECARD_OPENAI_KEY": KEY}
    with FakeProviderServer(default=hostile()) as srv:
        write_config(cuecard_home, srv)
        printed = run(env, "ask", "Tell me about a migration", "--sample")
        as_json = run(env, "ask", "Tell me about a migration", "--sample", "--json")
    assert printed.returncode == 0 and as_json.returncode == 0, printed.stderr
    assert_clean("ask stdout", printed.stdout)
    assert_clean("ask stderr", printed.stderr)
    assert_clean("ask --json", as_json.stdout)
    done = [json.loads(line) for line in as_json.stdout.splitlines()][-1]
    assert done["type"] == "suggestion_done"
    for words in CLEAN_TEXT:  # the harmless words survive
        assert words in done["text"], words


def test_a_kept_session_in_every_view_and_its_export(
    subprocess_env: dict[str, str], cuecard_home: Path
) -> None:
    env = {**subprocess_env, "CUECARD_OPENAI_KEY": KEY}
    with FakeProviderServer(default=hostile()) as srv:
        write_config(cuecard_home, srv)
        lines = run(env, "demo", "--fast", "--json")
        view = run(env, "replay", str(demo_file()), "--fast", "--keep")
    assert lines.returncode == 0 and view.returncode == 0, view.stderr
    answers = [e for e in map(json.loads, lines.stdout.splitlines())
               if e["type"] == "suggestion_done"]  # fmt: skip
    assert answers and all(a["provider"] == "openai" for a in answers)
    assert_clean("demo --json", lines.stdout)
    assert_clean("replay terminal view", view.stdout + view.stderr)
    exported = run(env, "data", "export")
    assert exported.returncode == 0, exported.stderr
    assert "migration story" in exported.stdout
    assert_clean("data export", exported.stdout)
    for log in (cuecard_home / "logs").rglob("*"):
        if log.is_file():
            assert_clean(f"log {log.name}", log.read_text(encoding="utf-8", errors="replace"))


def demo_file() -> Path:
    from cuecard import paths

    return paths.demo_recording()


def test_the_desktop_overlay_shows_only_clean_text(
    cuecard_home: Path, qtbot: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cuecard import config as config_mod
    from cuecard.events import SuggestionDone
    from cuecard.ui.desktop.app import OverlayWindow
    from cuecard.ui.desktop.engine_thread import SessionSpec

    monkeypatch.setenv("CUECARD_OPENAI_KEY", KEY)
    with FakeProviderServer(default=hostile()) as srv:
        write_config(cuecard_home, srv)
        cfg = config_mod.load()
        win = OverlayWindow(cfg, default_spec=SessionSpec(kind="demo", realtime=False,
                                                          tripwire=False))  # fmt: skip
        qtbot.addWidget(win)  # type: ignore[attr-defined]
        done: list[SuggestionDone] = []
        win.bridge.session_event.connect(
            lambda e: done.append(e) if isinstance(e, SuggestionDone) else None
        )
        win.show()
        try:
            win.start_session()
            qtbot.waitUntil(lambda: bool(done), timeout=120_000)  # type: ignore[attr-defined]
            win.refresh_now()
            shown = "\n".join(
                w.text() for w in win.findChildren(type(win.question.text)) if w.text()
            )
        finally:
            win.bridge.stop()
            win.close()
    assert "migration story" in shown or "the result" in shown
    assert_clean("overlay", shown)
