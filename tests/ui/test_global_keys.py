"""System-wide shortcuts through a real X server while another app has focus.

Xvfb runs privately; "another app" is a second X client with its own window that
holds the keyboard focus (as Zoom or a browser would during a call); keys are
pressed with the XTEST extension, the way a real keyboard's events enter the X
server. The overlay itself is not even an X window here (Qt runs offscreen), so
nothing can reach it through focus: only the grabs can.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from Xlib import XK, X, display
from Xlib.ext import xtest

from cuecard.config import Config
from cuecard.ui.desktop.app import OverlayWindow
from cuecard.ui.desktop.engine_thread import SessionSpec
from cuecard.ui.desktop.global_keys import Combo, windows_hotkey
from cuecard.ui.desktop.hotkeys import default_bindings


class OtherApp:
    """A plain X client with a focused window that records the keys it receives."""

    def __init__(self, name: str) -> None:
        self.d = display.Display(name)
        screen = self.d.screen()
        self.window = screen.root.create_window(
            0, 0, 400, 300, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
            background_pixel=screen.white_pixel, event_mask=X.KeyPressMask,
        )  # fmt: skip
        self.window.map()
        self.d.sync()
        self.window.set_input_focus(X.RevertToParent, X.CurrentTime)
        self.d.sync()
        self.received: list[int] = []

    def focused(self) -> bool:
        return bool(self.d.get_input_focus().focus == self.window)

    def press(self, combo: str) -> None:
        parsed = Combo.parse(combo)
        assert parsed is not None
        names = {"ctrl": "Control_L", "alt": "Alt_L", "shift": "Shift_L", "meta": "Super_L"}
        key = {"Space": "space", "Return": "Return"}.get(parsed.key, parsed.key.lower())
        codes = [self.d.keysym_to_keycode(XK.string_to_keysym(names[m]))
                 for m in sorted(parsed.modifiers)]  # fmt: skip
        main = self.d.keysym_to_keycode(XK.string_to_keysym(key))
        for code in codes:
            xtest.fake_input(self.d, X.KeyPress, code)
        xtest.fake_input(self.d, X.KeyPress, main)
        xtest.fake_input(self.d, X.KeyRelease, main)
        for code in reversed(codes):
            xtest.fake_input(self.d, X.KeyRelease, code)
        self.d.sync()

    def keys_seen(self) -> list[int]:
        while self.d.pending_events():
            event = self.d.next_event()
            if event.type == X.KeyPress:
                self.received.append(event.detail)
        return self.received

    def keycode(self, key: str) -> int:
        return int(self.d.keysym_to_keycode(XK.string_to_keysym(key)))


@pytest.fixture
def other_app(xvfb: str) -> Iterator[OtherApp]:
    app = OtherApp(xvfb)
    yield app
    app.d.close()


def test_answer_now_pause_and_hide_work_while_another_app_has_focus(
    qtbot: QtBot, xvfb: str, other_app: OtherApp
) -> None:
    win = OverlayWindow(Config(), default_spec=SessionSpec(kind="demo", tripwire=False),
                        display=xvfb)  # fmt: skip
    qtbot.addWidget(win)
    win.show()
    keys = win.global_keys
    assert keys is not None and keys.mode == "system-wide" and keys.problems == {}
    assert other_app.focused()
    binding = default_bindings()

    other_app.press(binding["toggle_listening"])  # start listening, from the other app
    qtbot.waitUntil(lambda: win.state.listening == "listening", timeout=60_000)
    qtbot.waitUntil(lambda: any(ln.final and ln.speaker == "interviewer"
                                for ln in win.state.lines), timeout=30_000)  # fmt: skip
    other_app.press(binding["answer_now"])
    qtbot.waitUntil(lambda: win.state.card is not None, timeout=10_000)
    time.sleep(0.4)  # past the key-repeat guard
    other_app.press(binding["toggle_listening"])
    qtbot.waitUntil(lambda: win.state.listening == "paused", timeout=5_000)
    other_app.press(binding["toggle_hidden"])
    qtbot.waitUntil(lambda: win.isMinimized() or win.isHidden(), timeout=5_000)
    time.sleep(0.4)
    other_app.press(binding["toggle_hidden"])
    qtbot.waitUntil(lambda: win.isVisible() and not win.isMinimized(), timeout=5_000)

    # The other app kept the focus and got none of those combinations; its typing is untouched.
    assert other_app.focused()
    other_app.press("Shift+A")
    qtbot.waitUntil(lambda: other_app.keycode("a") in other_app.keys_seen(), timeout=5_000)
    ours = {other_app.keycode(k) for k in ("space", "Return", "h")}
    assert not ours & set(other_app.keys_seen())
    win.bridge.stop()
    win.close()


def test_a_rebound_shortcut_moves_and_a_taken_one_is_reported(
    qtbot: QtBot, xvfb: str, other_app: OtherApp
) -> None:
    win = OverlayWindow(Config(), display=xvfb)
    qtbot.addWidget(win)
    win.show()
    # Another app already holds Ctrl+Alt+K.
    root = other_app.d.screen().root
    code = other_app.keycode("k")
    root.grab_key(code, X.ControlMask | X.Mod1Mask, True, X.GrabModeAsync, X.GrabModeAsync)
    other_app.d.sync()
    problems = win.on_keys_saved({**default_bindings(), "toggle_hidden": "Ctrl+Alt+J",
                                  "answer_now": "Ctrl+Alt+K"})  # fmt: skip
    assert problems == {"answer_now": "another app already uses it: pick another"}
    assert win.prefs["keys"]["toggle_hidden"] == "Ctrl+Alt+J"
    other_app.press("Ctrl+Alt+H")  # the old combination is free again: the focused app gets it
    qtbot.waitUntil(lambda: other_app.keycode("h") in other_app.keys_seen(), timeout=5_000)
    assert win.isVisible() and not win.isMinimized()
    other_app.press("Ctrl+Alt+J")
    qtbot.waitUntil(lambda: win.isMinimized() or win.isHidden(), timeout=5_000)
    win.close()


def test_key_names_for_the_windows_api() -> None:
    """RegisterHotKey needs virtual-key codes: the translation is checked where it runs."""
    assert windows_hotkey(Combo.parse("Ctrl+Alt+H")) == (0x4000 | 0x2 | 0x1, ord("H"))  # type: ignore[arg-type]
    assert windows_hotkey(Combo.parse("Ctrl+Alt+Return")) == (0x4003, 0x0D)  # type: ignore[arg-type]
    assert windows_hotkey(Combo.parse("Ctrl+Alt+F12")) == (0x4003, 0x7B)  # type: ignore[arg-type]
    assert windows_hotkey(Combo.parse("Ctrl+Alt+Space")) == (0x4003, 0x20)  # type: ignore[arg-type]
    assert Combo.parse("H") is not None and not Combo.parse("Shift+H").held  # type: ignore[union-attr]
    assert Combo.parse("Ctrl+K,Ctrl+L") is None
