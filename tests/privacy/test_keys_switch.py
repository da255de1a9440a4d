"""`cuecard keys set` offers to answer with the key's provider: a stored key should not sit unused.

On a terminal it asks (default no: the key may be for a fallback); scripts
say `--use` or `--no-use`; without either and without a terminal nothing
changes and one line says how to switch. The key goes to the real keychain
(the private Secret Service of these tests) and the setting to config.toml
through the one writer, comments kept.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import keyring

from cuecard import config, paths
from privacy.support import fake_key

COMMENTED = '[assist]\nprovider = "offline"  # until I have a key\n'


def keys_set(env: dict[str, str], *args: str, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", "keys", "set", "openai", "--no-check", *args],
        input=key + "\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def write_config() -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def test_without_a_terminal_nothing_changes_and_one_line_says_how(
    subprocess_env: dict[str, str],
) -> None:
    path = write_config()
    proc = keys_set(subprocess_env, key=fake_key())
    assert proc.returncode == 0, proc.stderr
    stored, hint = proc.stdout.strip().splitlines()
    assert stored.startswith("stored your OpenAI key")
    assert hint == (
        "answers still come from offline; to use OpenAI: "
        "`cuecard config set assist.provider openai`"
    )
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_use_switches_and_keeps_comments_no_use_stays_quiet(
    subprocess_env: dict[str, str],
) -> None:
    path = write_config()
    quiet = keys_set(subprocess_env, "--no-use", key=fake_key())
    assert quiet.returncode == 0 and len(quiet.stdout.strip().splitlines()) == 1
    assert config.load(path).assist.provider == "offline"

    key = fake_key()
    switched = keys_set(subprocess_env, "--use", key=key)
    assert switched.returncode == 0, switched.stderr
    assert "answers now come from OpenAI" in switched.stdout
    assert config.load(path).assist.provider == "openai"
    assert "# until I have a key" in path.read_text(encoding="utf-8")
    assert keyring.get_password("cuecard", "openai") == key

    again = keys_set(subprocess_env, key=fake_key())  # already the provider: nothing to offer
    assert again.returncode == 0 and len(again.stdout.strip().splitlines()) == 1


def test_on_a_terminal_it_asks_and_a_yes_switches(subprocess_env: dict[str, str]) -> None:
    path = write_config()
    key = fake_key()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as in a real shell
        argv = [sys.executable, "-m", "cuecard", "keys", "set", "openai", "--no-check"]
        os.execve(sys.executable, argv, subprocess_env)
    seen = b""

    def read_until(marker: bytes, timeout: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen:
            assert time.monotonic() < deadline, seen
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:  # the child closed the terminal
                    break

    read_until(b"API key")
    # Type only once the prompt has turned echo off, as a person would after reading it:
    # getpass flushes what was typed before (TCSAFLUSH), which on a busy machine raced.
    deadline = time.monotonic() + 30
    while termios.tcgetattr(fd)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "the key prompt never turned echo off"
        time.sleep(0.02)
    os.write(fd, key.encode() + b"\r")
    read_until(b"[y/N]")
    os.write(fd, b"y\r")
    read_until(b"answers now come from OpenAI")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert key.encode() not in seen  # typed without echo
    assert b"Answers come from offline now. Use OpenAI" in seen
    assert config.load(path).assist.provider == "openai"
