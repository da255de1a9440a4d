"""One gate to the terminal: every byte a cuecard command prints passes ``TerminalSanitizer``.

Two kinds of proof. The real CLI's output bytes, with escape sequences planted where an
attacker can plant them (a provider's ``/models`` list, a story heading, a file name, a
config key in an error). And a scan of the source: ``cli.main`` installs the gate on
``sys.stdout``/``sys.stderr`` before anything else, so the only way around it would be
to write somewhere else, or to hold on to the streams from before: no module may touch
``sys.__stdout__``/``sys.__stderr__``, file descriptors 1 and 2, ``/dev/tty``, the
streams' ``.buffer``, or capture ``sys.stdout``/``sys.stderr`` at import time.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cuecard
from cuecard.privacy.sanitize import TerminalSanitizer
from fakes.provider_server import FakeProviderServer

SRC_ROOT = Path(cuecard.__file__).resolve().parent
SRC = str(SRC_ROOT.parent)
KEY = "sk-test-" + "g" * 40

ATTACKS = {
    "clipboard": "\x1b]52;c;cm0gLXJmIH4vKg==\x07",  # OSC 52: `rm -rf ~/*` on the clipboard
    "title": "\x1b]0;owned by the provider\x1b\\",  # OSC 0 with an ST terminator
    "clear": "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "link": "\x1b]8;;https://evil.example/\x07",  # OSC 8 hyperlink
    "c1": "\x9b2J\x9d0;c1 title\x9c",  # the same through C1 controls
}
FORBIDDEN = (b"\x1b]", b"\x1b[2J", b"\x1b[H", b"\x07", "\x9b".encode(), "\x9d".encode())


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    full = {
        **os.environ, "CUECARD_HOME": str(home),
        "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]), **env,
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], capture_output=True, env=full, timeout=120,
        check=False,
    )  # fmt: skip


def assert_gated(proc: subprocess.CompletedProcess[bytes], visible: bytes) -> None:
    both = proc.stdout + proc.stderr
    assert visible in both, both  # what was printed is there, without its escapes
    for sequence in FORBIDDEN:
        assert sequence not in both, (sequence, both)
    assert b"Traceback" not in both


def test_doctor_prints_a_providers_model_ids_without_their_escapes(cuecard_home: Path) -> None:
    with FakeProviderServer() as srv:
        srv.models["openai"] = [f"evil-{name}{seq}model" for name, seq in ATTACKS.items()]
        config = cuecard_home / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            '[assist]\nprovider = "openai"\n'
            f'[assist.openai]\nmodel = "gpt-4o-mini"\nbase_url = "{srv.openai_base_url}"\n',
            encoding="utf-8",
        )
        proc = run(cuecard_home, "doctor", CUECARD_OPENAI_KEY=KEY)
    assert_gated(proc, b"evil-clipboard")
    assert b"evil-title" in proc.stdout and b"evil-clear" in proc.stdout


def test_on_a_real_terminal_every_byte_passes_the_gate(cuecard_home: Path) -> None:
    """`doctor` writing to a pseudo-terminal (where escapes act), through the stream gate."""
    import pty

    with FakeProviderServer() as srv:
        srv.models["openai"] = [f"evil-{name}{seq}model" for name, seq in ATTACKS.items()]
        config = cuecard_home / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            '[assist]\nprovider = "openai"\n'
            f'[assist.openai]\nmodel = "gpt-4o-mini"\nbase_url = "{srv.openai_base_url}"\n',
            encoding="utf-8",
        )
        master, slave = pty.openpty()
        env = {
            **os.environ, "CUECARD_HOME": str(cuecard_home), "CUECARD_OPENAI_KEY": KEY,
            "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
        }  # fmt: skip
        child = subprocess.Popen(
            [sys.executable, "-m", "cuecard", "doctor"], stdout=slave, stderr=slave,
            stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        os.close(slave)
        got = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            got += chunk
        child.wait(timeout=120)
        os.close(master)
    assert_gated(subprocess.CompletedProcess([], 0, bytes(got), b""), b"evil-clipboard")


def test_profile_stories_prints_a_story_heading_without_its_escapes(
    cuecard_home: Path, tmp_path: Path
) -> None:
    stories = tmp_path / "stories.md"
    stories.write_text(
        f"# Stories\n\n## Outage{ATTACKS['title']} at the bank{ATTACKS['clipboard']}\n\n"
        "Situation: the payments queue stalled.\nTask: restore it.\n"
        "Action: I drained it by hand.\nResult: no payment was lost.\n",
        encoding="utf-8",
    )
    assert run(cuecard_home, "profile", "add", str(stories), "--kind", "stories").returncode == 0
    proc = run(cuecard_home, "profile", "stories")
    assert_gated(proc, b"Outage")


def test_a_file_name_and_an_error_message_reach_the_terminal_plain(
    cuecard_home: Path, tmp_path: Path
) -> None:
    named = tmp_path / f"cv{ATTACKS['title']}{ATTACKS['clear']}.md"
    named.write_text("# Experience\n\nBuilt things.\n", encoding="utf-8")
    added = run(cuecard_home, "profile", "add", str(named))
    assert_gated(added, b"cv")
    missing = run(cuecard_home, "profile", "add", str(tmp_path / f"gone{ATTACKS['link']}.pdf"))
    assert missing.returncode != 0
    assert_gated(missing, b"gone")
    bad_key = run(cuecard_home, "config", "set", f"assist.x{ATTACKS['clipboard']}", "1")
    assert bad_key.returncode != 0
    assert_gated(bad_key, b"assist.x")


def test_the_gate_keeps_what_rich_needs_and_nothing_else() -> None:
    gate = TerminalSanitizer()
    styled = "\x1b[1;31mred\x1b[0m\r\x1b[2K\x1b[1A\x1b[?25l"
    assert gate.feed(styled) == styled
    for attack in ATTACKS.values():
        assert gate.feed(f"a{attack}b") == "ab", repr(attack)
    assert gate.feed("\x1b[?1049h\x1b[6n\x1b[1;1Hx") == "x"  # alt screen, report, jump


# -- the source: no way around the gate ------------------------------------------------


def _module_level_captures(tree: ast.Module) -> list[int]:
    """Lines where sys.stdout/sys.stderr is read at import time (module body, defaults)."""
    lines = []
    defaults: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            defaults += [d for d in node.args.defaults + node.args.kw_defaults if d is not None]

    def import_time(body: list[ast.stmt]) -> list[ast.AST]:
        """Statements run on import: not function bodies, not ``if __name__ == "__main__"``."""
        kept: list[ast.AST] = []
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(stmt, ast.ClassDef):
                kept += import_time(stmt.body)
            elif not (isinstance(stmt, ast.If) and "__main__" in ast.unparse(stmt.test)):
                kept.append(stmt)
        return kept

    for root in [*import_time(tree.body), *defaults]:
        for node in ast.walk(root):
            if (
                isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr")
                and isinstance(node.value, ast.Name) and node.value.id == "sys"
            ):  # fmt: skip
                lines.append(node.lineno)
    return lines


def _bypasses(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("__stdout__", "__stderr__"):
            found.append((node.lineno, f"sys.{node.attr}"))
        if (
            isinstance(node, ast.Attribute) and node.attr == "buffer"
            and isinstance(node.value, ast.Attribute) and node.value.attr in ("stdout", "stderr")
        ):  # fmt: skip
            found.append((node.lineno, f"sys.{node.value.attr}.buffer"))
        if isinstance(node, ast.Constant) and node.value in ("/dev/tty", "CON", "CONOUT$"):
            found.append((node.lineno, f"opens {node.value}"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            first = node.args[0] if node.args else None
            if name in ("write", "fdopen", "dup2") and isinstance(first, ast.Constant) and (
                first.value in (1, 2)
            ):  # fmt: skip
                found.append((node.lineno, f"os.{name}({first.value})"))
    return found


def test_no_module_writes_around_the_gate() -> None:
    offenders: dict[str, list[object]] = {}
    for path in sorted(SRC_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        problems: list[object] = [*_bypasses(tree), *_module_level_captures(tree)]
        if problems:
            offenders[str(path.relative_to(SRC_ROOT))] = problems
    assert offenders == {}


def test_main_installs_the_gate_before_anything_else() -> None:
    tree = ast.parse((SRC_ROOT / "cli" / "__init__.py").read_text(encoding="utf-8"))
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    calls = [
        n.func.id for stmt in main.body for n in ast.walk(stmt)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    ]  # fmt: skip
    assert calls and calls[0] == "install_terminal_gate", calls


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_traceback_or_a_librarys_own_print_is_gated_too(stream: str, tmp_path: Path) -> None:
    """Whatever writes to the process's streams after main() started, not only cuecard."""
    code = (
        "import sys\nfrom cuecard.privacy.sanitize import install_terminal_gate\n"
        "install_terminal_gate()\n"
        f"print('x' + {ATTACKS['clipboard']!r} + 'y', file=sys.{stream})\n"
        f"sys.{stream}.buffer.write(b'p\\x1b]0;t\\x07q\\n')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, timeout=60,
        env={**os.environ, "PYTHONPATH": SRC},
    )  # fmt: skip
    assert getattr(proc, stream) == b"xy\npq\n"
