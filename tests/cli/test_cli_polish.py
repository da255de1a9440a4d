"""The command line behaves like the tools people know.

Flags read as flags in --help (no ``<bool>``), ``-h`` works on every command,
one spelling of every option (the old one kept as a hidden alias), help lists
what the code accepts, and Ctrl-C ends a session with its summary and exit
code 130. Help is read from every command of the real app; the signals go to
real processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from cuecard.audio.errors import FORMATS
from cuecard.cli import app
from cuecard.ui.practice_view import star_words
from fakes.provider_server import FakeProviderServer
from live.pulse_server import PulseServer

from .conftest import cuecard
from .test_ask_doctor import KEY, write_config

runner = CliRunner()


def commands(group: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        if not sub.hidden:
            yield from commands(sub, (*path, name))


ALL = list(commands(typer.main.get_command(app)))


def test_every_command_is_walked() -> None:
    names = {" ".join(p) for p in ALL}
    assert {"demo", "listen", "replay", "keys set", "privacy report", "models list"} <= names


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "cuecard")
def test_h_works_and_flags_show_no_bool(path: tuple[str, ...]) -> None:
    short = runner.invoke(app, [*path, "-h"], terminal_width=120)
    assert short.exit_code == 0, short.output
    assert short.output == runner.invoke(app, [*path, "--help"], terminal_width=120).output
    assert "<bool>" not in short.output
    assert "--show-prompt " not in short.output + " ", "one spelling: --show-prompts"


def test_flags_take_no_value_and_say_so() -> None:
    proc = cuecard("demo", "--fast", "true")
    assert proc.returncode == 2
    assert "unexpected extra argument" in proc.stderr and "(true)" in proc.stderr


def test_ask_says_show_prompts_like_every_command_and_keeps_the_old_spelling(
    cuecard_home: Path,
) -> None:
    with FakeProviderServer() as srv:
        write_config(cuecard_home, srv)
        for spelling in ("--show-prompts", "--show-prompt", None):
            args = ["ask", "Why do you want this job?", "--sample", *filter(None, [spelling])]
            proc = cuecard(*args, env={"CUECARD_OPENAI_KEY": KEY}, timeout=120)
            assert proc.returncode == 0, proc.stderr
            assert ("--- end of prompt ---" in proc.stderr) is (spelling is not None)


def test_replay_help_lists_every_format_the_reader_promises() -> None:
    shown = runner.invoke(app, ["replay", "-h"], terminal_width=200).output
    for fmt in FORMATS.split(", "):
        assert fmt in shown, fmt
    assert "M4A" in FORMATS


def test_piped_review_says_in_words_which_star_parts_are_there() -> None:
    assert star_words({"situation": True, "task": True, "action": True, "result": True}) == (
        "all four parts"
    )
    assert star_words({}) == "no part stated"
    assert star_words({"situation": True, "action": True}) == (
        "situation, action; missing task, result"
    )


# -- Ctrl-C ------------------------------------------------------------------------------


def interrupt_after(
    args: list[str], ready: str, then: Callable[[], object] | None = None, timeout: float = 120
) -> tuple[int, str, str]:
    """Start the real CLI, wait for a line on stdout (and ``then``), send SIGINT as Ctrl-C
    does."""
    proc = subprocess.Popen([sys.executable, "-m", "cuecard", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))  # fmt: skip
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        seen = ""
        while ready not in seen:
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, f"no {ready!r}: {seen[-500:]}"
            seen += line
        if then is not None:
            then()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, seen + out, err


@pytest.mark.slow
def test_ctrl_c_in_demo_prints_the_summary_then_exits_130() -> None:
    code, _out, err = interrupt_after(["demo"], "interviewer")
    assert code == 130, err
    assert re.search(r"^\d+:\d\d of audio: \d+ utterance", err, re.M), err
    assert err.rstrip().endswith("stopped.") and "Traceback" not in err


def test_ctrl_c_in_listen_prints_the_summary_then_exits_130(fresh_pulse: PulseServer) -> None:
    def capturing() -> None:
        fresh_pulse.wait_until(lambda: fresh_pulse.recording_streams() >= 2, 60,
                               "cuecard listen to open both devices")  # fmt: skip

    code, out, err = interrupt_after(["listen", "--json", "--no-answers"], '"session_start"',
                                     then=capturing)  # fmt: skip
    assert code == 130, err
    assert "listened" in err and "devices released" in err, err
    assert out.rstrip().splitlines()[-1].startswith('{"type": "session_end"')


@pytest.mark.slow
def test_ctrl_c_in_practice_prints_its_summary_then_exits_130(testdata: Path) -> None:
    args = ["practice", "--sample", "--no-voice", "--answers", str(testdata / "jfk.flac")]
    code, _out, err = interrupt_after(args, "question 1 of")
    assert code == 130, err
    assert re.search(r"^practice: ", err, re.M) and err.rstrip().endswith("stopped."), err


@pytest.mark.slow
def test_piped_practice_feedback_says_the_star_parts_in_words(testdata: Path) -> None:
    proc = cuecard("practice", "--sample", "--no-voice", "--count", "1", "--fast",
                   "--answers", str(testdata / "jfk.flac"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (star,) = [ln for ln in proc.stdout.splitlines() if "STAR" in ln]
    assert not re.search(r"S\s+T\s+A\s+R", star), star
    assert re.search(r"all four parts|missing|no part stated", star), star
