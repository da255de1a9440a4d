"""The overlay never takes the keyboard: another X11 window keeps focus throughout.

Under Xvfb with a real window manager (openbox, which gives focus to new windows unless
they ask not to be activated), a stand-in for the call app holds the keyboard; the real
overlay, in its own process on Qt's xcb platform, is then shown, hidden and shown again
(by command, and by the real system-wide Ctrl+Alt+H typed through XTEST), and answers a
typed question streamed from the fake provider a word every 30 ms. The X server's input
focus (XGetInputFocus) and the window manager's _NET_ACTIVE_WINDOW are read after every
step and all through the answer, and the other app itself reports any focus it lost.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.provider_server import FakeProviderServer, Reply

APPS = Path(__file__).with_name("x11_apps.py")
ANSWER = " ".join(f"word{i}" for i in range(60))


class Child:
    """A program whose stdout lines arrive on a queue (no blocking reads in the test)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(APPS), *args], env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, prefix: str, timeout: float = 30.0, while_waiting: Any = None) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if while_waiting is not None:
                while_waiting()
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"no {prefix!r} within {timeout} s; saw {self.seen}; {err[-2000:]}")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def drain(self) -> list[str]:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def desktop(xvfb: str) -> Iterator[str]:
    """The private X server with openbox managing it (focus follows clicks and new windows)."""
    if shutil.which("openbox") is None:
        pytest.fail("openbox is not installed: apt-get install openbox (./run test installs it)")
    from Xlib import display

    wm = subprocess.Popen(
        ["openbox", "--sm-disable"], env={**os.environ, "DISPLAY": xvfb},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    d = display.Display(xvfb)
    check = d.intern_atom("_NET_SUPPORTING_WM_CHECK")
    end = time.monotonic() + 20
    while d.screen().root.get_full_property(check, 0) is None:
        assert time.monotonic() < end and wm.poll() is None, "openbox did not start"
        time.sleep(0.05)
    d.close()
    try:
        yield xvfb
    finally:
        wm.terminate()
        wm.wait(10)


def test_the_app_the_user_is_in_keeps_focus_across_show_hide_and_an_answer(
    desktop: str, cuecard_home: Path
) -> None:
    from Xlib import XK, X, display
    from Xlib.ext import xtest

    with FakeProviderServer(default=Reply(text=ANSWER, chunk_delay_s=0.03)) as server:
        config = cuecard_home / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            '[assist]\nprovider = "local"\n\n'
            f'[assist.local]\nmodel = "llama3.2"\nbase_url = "{server.openai_base_url}"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "DISPLAY": desktop, "QT_QPA_PLATFORM": "xcb",
               "CUECARD_HOME": str(cuecard_home)}  # fmt: skip
        other = Child(["other"], env)
        overlay: Child | None = None
        d = display.Display(desktop)
        active = d.intern_atom("_NET_ACTIVE_WINDOW")
        try:
            target = int(other.expect("ready").split()[1])

            def focused() -> tuple[int, int]:
                focus = d.get_input_focus().focus
                prop = d.screen().root.get_full_property(active, X.AnyPropertyType)
                return (focus if isinstance(focus, int) else focus.id), (
                    int(prop.value[0]) if prop is not None and len(prop.value) else 0
                )

            def still_other(step: str) -> None:
                assert focused() == (target, target), f"{step}: focus moved to {focused()}"

            still_other("before")
            overlay = Child(["overlay"], env)
            overlay.expect("ready", 60)
            time.sleep(0.5)  # the window manager maps and (would) focus it meanwhile
            still_other("the overlay opened")
            for command in ("hide", "show"):
                overlay.send(command)
                overlay.expect(f"done {command}")
                time.sleep(0.5)
                still_other(command)

            # The real system-wide shortcut, typed while the other app has the keyboard.
            def ctrl_alt(key: str) -> None:
                codes = [d.keysym_to_keycode(XK.string_to_keysym(k))
                         for k in ("Control_L", "Alt_L", key)]  # fmt: skip
                for code in codes:
                    xtest.fake_input(d, X.KeyPress, code)
                for code in reversed(codes):
                    xtest.fake_input(d, X.KeyRelease, code)
                d.sync()

            for visible in ("False", "True"):
                ctrl_alt("h")
                time.sleep(0.5)
                overlay.send("state")
                assert overlay.expect("done state").endswith(f"visible={visible}")
                still_other(f"Ctrl+Alt+H (visible={visible})")

            # A streamed answer: focus is checked all the while it streams.
            overlay.send("ask How do you handle disagreement with a teammate?")
            overlay.expect("done ask")
            answered = overlay.expect("answered", 60, while_waiting=lambda: still_other("answer"))
            assert int(answered.split()[1]) > 100
            assert server.generations and server.generations[-1].chunks_sent >= 40
            still_other("after the answer")
            assert "lost" not in other.drain(), other.seen
        finally:
            d.close()
            if overlay is not None:
                overlay.send("quit")
                overlay.close()
            other.close()
