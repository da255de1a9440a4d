"""System-wide shortcuts: answer now, hide/show and pause work while Zoom or Meet has focus.

How, per window system, and why not a keyboard hook:

- **X11** (and X11 apps under XWayland): ``XGrabKey`` on the root window, through
  python-xlib on its own connection and thread. The X server then hands cuecard
  exactly the bound key combinations and nothing else. A keyboard-hook library
  (pynput records every key event of every app through XRecord, a low-level hook
  on Windows, an event tap needing "Input Monitoring" on macOS) would see
  everything the user types, passwords included: wrong for a privacy product.
- **Windows**: ``RegisterHotKey``, the same idea in the Win32 API (ctypes; no
  library): only the registered combinations arrive, as ``WM_HOTKEY``.
- **Wayland**: by design no app may take keys from another app's window. Grabs
  through XWayland fire only while an X11 app has focus, so the window says so.
- **macOS**: not in this build; shortcuts work while the cuecard window has focus.

Keys arrive on a worker thread and cross to the GUI thread with a queued
``QMetaObject.invokeMethod`` (no Python-side signal emit: see ``listeners``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QMetaObject, QObject, Qt, Slot

log = logging.getLogger(__name__)

Mode = Literal["system-wide", "xwayland", "none"]
REPEAT_S = 0.35
"""A held key repeats; presses closer together than this are one press."""

_MODIFIERS = ("ctrl", "alt", "shift", "meta")


@dataclass(frozen=True, slots=True)
class Combo:
    """A key combination as the window systems need it: modifiers and one key name."""

    modifiers: frozenset[str]
    key: str

    @classmethod
    def parse(cls, text: str) -> Combo | None:
        """From Qt's portable text ("Ctrl+Alt+H", "Ctrl+Alt+Return"); None if not one combo."""
        if not text or "," in text.replace("+,", "+comma"):
            return None
        parts = text.replace("++", "+plus").split("+")
        mods = {p.strip().lower() for p in parts[:-1]}
        key = parts[-1].strip()
        if not key or not mods <= set(_MODIFIERS):
            return None
        return cls(frozenset(mods), "+" if key == "plus" else key)

    @property
    def held(self) -> bool:
        """Has a modifier that typing never uses alone: grabbing it leaves typing alone."""
        return bool(self.modifiers & {"ctrl", "alt", "meta"})


# -- X11 ------------------------------------------------------------------------------

_X_KEYS = {
    "space": "space", "return": "Return", "enter": "Return", "esc": "Escape",
    "escape": "Escape", "tab": "Tab", "backspace": "BackSpace", "del": "Delete",
    "delete": "Delete", "ins": "Insert", "insert": "Insert", "home": "Home", "end": "End",
    "pgup": "Prior", "pgdown": "Next", "left": "Left", "right": "Right", "up": "Up",
    "down": "Down", ",": "comma", ".": "period", "/": "slash", "-": "minus", "=": "equal",
    ";": "semicolon", "'": "apostrophe", "[": "bracketleft", "]": "bracketright",
    "\\": "backslash", "`": "grave", "+": "plus", "comma": "comma",
}  # fmt: skip


def x_keysym_name(key: str) -> str:
    low = key.lower()
    if low in _X_KEYS:
        return _X_KEYS[low]
    if len(key) == 1:
        return key.lower()
    return key  # F1 … F35 and the like are spelled the same


class _X11:
    """Grabs on the root window of one X display; the thread that owns it reads the keys."""

    def __init__(self, display_name: str | None, deliver: Callable[[str], None]) -> None:
        from Xlib import X, display

        self.X = X
        self.display = display.Display(display_name)
        self.root = self.display.screen().root
        self.deliver = deliver
        self.grabs: dict[tuple[int, int], str] = {}
        self.commands: queue.SimpleQueue[tuple[dict[str, str], queue.SimpleQueue[Any]]]
        self.commands = queue.SimpleQueue()
        self.wake_r, self.wake_w = os.pipe()
        self.running = True
        self.last: dict[str, float] = {}
        self.mask = self._modifier_masks()
        self.thread = threading.Thread(target=self._run, name="cuecard-hotkeys", daemon=True)
        self.thread.start()

    def _modifier_masks(self) -> dict[str, int]:
        """Which X modifier bit each of Ctrl/Alt/Shift/Meta is on this keyboard (Alt is
        usually Mod1, NumLock Mod2, but a keymap may say otherwise)."""
        from Xlib import XK

        X, d = self.X, self.display
        masks = {"ctrl": X.ControlMask, "shift": X.ShiftMask, "alt": X.Mod1Mask,
                 "meta": X.Mod4Mask, "numlock": X.Mod2Mask}  # fmt: skip
        bits = (X.Mod1Mask, X.Mod2Mask, X.Mod3Mask, X.Mod4Mask, X.Mod5Mask)
        wanted = {"alt": XK.XK_Alt_L, "meta": XK.XK_Super_L, "numlock": XK.XK_Num_Lock}
        with contextlib.suppress(Exception):
            mapping = d.get_modifier_mapping()
            for name, keysym in wanted.items():
                code = d.keysym_to_keycode(keysym)
                for index, codes in enumerate(mapping[3:8]):
                    if code and code in codes:
                        masks[name] = bits[index]
        return masks

    def bind(self, bindings: dict[str, str]) -> dict[str, str]:
        """Replace every grab; returns ``{action: problem}`` for combos that could not be had."""
        reply: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.commands.put((bindings, reply))
        os.write(self.wake_w, b"b")
        try:
            result: dict[str, str] = reply.get(timeout=5)
        except queue.Empty:
            return dict.fromkeys(bindings, "the window system did not answer")
        return result

    def close(self) -> None:
        self.running = False
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"q")
        self.thread.join(2)

    # -- on the hotkey thread -------------------------------------------------------
    def _apply(self, bindings: dict[str, str]) -> dict[str, str]:
        from Xlib import XK, error

        X, d = self.X, self.display
        for keycode, modifiers in self.grabs:
            self.root.ungrab_key(keycode, modifiers)
        self.grabs.clear()
        problems: dict[str, str] = {}
        variants = (0, X.LockMask, self.mask["numlock"], X.LockMask | self.mask["numlock"])
        for action, text in bindings.items():
            combo = Combo.parse(text)
            if combo is None:
                problems[action] = "not a key combination"
                continue
            keysym = XK.string_to_keysym(x_keysym_name(combo.key))
            keycode = d.keysym_to_keycode(keysym) if keysym else 0
            if not keycode:
                problems[action] = f"this keyboard has no {combo.key} key"
                continue
            modifiers = 0
            for name in combo.modifiers:
                modifiers |= self.mask[name]
            catch = error.CatchError(error.BadAccess)
            for extra in variants:
                self.root.grab_key(keycode, modifiers | extra, True, X.GrabModeAsync,
                                   X.GrabModeAsync, onerror=catch)  # fmt: skip
            d.sync()
            if catch.get_error() is not None:
                for extra in variants:
                    self.root.ungrab_key(keycode, modifiers | extra)
                problems[action] = "another app already uses it: pick another"
                continue
            for extra in variants:
                self.grabs[(keycode, modifiers | extra)] = action
        d.flush()
        return problems

    def _run(self) -> None:
        d = self.display
        try:
            while self.running:
                while True:
                    try:
                        bindings, reply = self.commands.get_nowait()
                    except queue.Empty:
                        break
                    reply.put(self._apply(bindings))
                while d.pending_events():
                    self._event(d.next_event())
                readable, _, _ = select.select([d.fileno(), self.wake_r], [], [], 1.0)
                if self.wake_r in readable:
                    os.read(self.wake_r, 64)
                if d.fileno() in readable:
                    # Reading the socket happens inside pending_events/next_event.
                    while d.pending_events():
                        self._event(d.next_event())
        except Exception as err:  # a lost X connection: shortcuts stop, the app goes on
            log.warning("system-wide shortcuts stopped (%s)", type(err).__name__)
        finally:
            with contextlib.suppress(Exception):
                d.close()
            for fd in (self.wake_r, self.wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _event(self, event: Any) -> None:
        if event.type != self.X.KeyPress:
            return
        relevant = 0
        for mask in self.mask.values():
            relevant |= mask
        relevant |= self.X.LockMask
        action = self.grabs.get((event.detail, event.state & relevant))
        if action is None:
            return
        now = time.monotonic()
        if now - self.last.get(action, 0.0) < REPEAT_S:
            self.last[action] = now
            return
        self.last[action] = now
        self.deliver(action)


# -- Windows --------------------------------------------------------------------------

_VK = {
    "space": 0x20, "return": 0x0D, "enter": 0x0D, "esc": 0x1B, "escape": 0x1B, "tab": 0x09,
    "backspace": 0x08, "del": 0x2E, "delete": 0x2E, "ins": 0x2D, "insert": 0x2D,
    "home": 0x24, "end": 0x23, "pgup": 0x21, "pgdown": 0x22, "left": 0x25, "up": 0x26,
    "right": 0x27, "down": 0x28, ",": 0xBC, "-": 0xBD, ".": 0xBE, "=": 0xBB, "+": 0xBB,
    ";": 0xBA, "/": 0xBF, "`": 0xC0, "[": 0xDB, "\\": 0xDC, "]": 0xDD, "'": 0xDE,
}  # fmt: skip
_MOD = {"alt": 0x1, "ctrl": 0x2, "shift": 0x4, "meta": 0x8}
MOD_NOREPEAT = 0x4000


def windows_hotkey(combo: Combo) -> tuple[int, int] | None:
    """(fsModifiers, virtual-key code) for ``RegisterHotKey``, or None for an unknown key."""
    key = combo.key.lower()
    if key in _VK:
        vk = _VK[key]
    elif len(key) == 1 and key.isalnum() and key.isascii():
        vk = ord(key.upper())
    elif key.startswith("f") and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        vk = 0x70 + int(key[1:]) - 1
    else:
        return None
    mods = MOD_NOREPEAT
    for name in combo.modifiers:
        mods |= _MOD[name]
    return mods, vk


class _Windows:  # pragma: no cover - exercised on Windows only
    """``RegisterHotKey`` on a thread with its own message loop."""

    WM_HOTKEY, WM_APP = 0x0312, 0x8000

    def __init__(self, deliver: Callable[[str], None]) -> None:
        import ctypes
        from ctypes import wintypes

        self.ctypes, self.wintypes = ctypes, wintypes
        self.user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
        self.kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
        self.deliver = deliver
        self.commands: queue.SimpleQueue[tuple[dict[str, str], queue.SimpleQueue[Any]]]
        self.commands = queue.SimpleQueue()
        self.ids: dict[int, str] = {}
        self.ready = threading.Event()
        self.thread_id = 0
        self.thread = threading.Thread(target=self._run, name="cuecard-hotkeys", daemon=True)
        self.thread.start()
        self.ready.wait(5)

    def bind(self, bindings: dict[str, str]) -> dict[str, str]:
        reply: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.commands.put((bindings, reply))
        self.user32.PostThreadMessageW(self.thread_id, self.WM_APP, 0, 0)
        try:
            result: dict[str, str] = reply.get(timeout=5)
        except queue.Empty:
            return dict.fromkeys(bindings, "Windows did not answer")
        return result

    def close(self) -> None:
        self.user32.PostThreadMessageW(self.thread_id, self.WM_APP + 1, 0, 0)
        self.thread.join(2)

    def _apply(self, bindings: dict[str, str]) -> dict[str, str]:
        for hotkey_id in self.ids:
            self.user32.UnregisterHotKey(None, hotkey_id)
        self.ids.clear()
        problems: dict[str, str] = {}
        for number, (action, text) in enumerate(bindings.items(), start=1):
            combo = Combo.parse(text)
            code = windows_hotkey(combo) if combo is not None else None
            if code is None:
                problems[action] = "not a key combination Windows can register"
                continue
            if not self.user32.RegisterHotKey(None, number, code[0], code[1]):
                problems[action] = "another app already uses it: pick another"
                continue
            self.ids[number] = action
        return problems

    def _run(self) -> None:
        msg = self.wintypes.MSG()
        self.thread_id = self.kernel32.GetCurrentThreadId()
        # Create this thread's message queue before anyone posts to it.
        self.user32.PeekMessageW(self.ctypes.byref(msg), None, 0, 0, 0)
        self.ready.set()
        while self.user32.GetMessageW(self.ctypes.byref(msg), None, 0, 0) > 0:
            if msg.message == self.WM_HOTKEY and msg.wParam in self.ids:
                self.deliver(self.ids[msg.wParam])
            elif msg.message == self.WM_APP:
                while True:
                    try:
                        bindings, reply = self.commands.get_nowait()
                    except queue.Empty:
                        break
                    reply.put(self._apply(bindings))
            elif msg.message == self.WM_APP + 1:
                break
        for hotkey_id in self.ids:
            self.user32.UnregisterHotKey(None, hotkey_id)


# -- what the rest of the app sees ------------------------------------------------------


def session_kind() -> str:
    return os.environ.get("XDG_SESSION_TYPE", "").lower() or (
        "wayland" if os.environ.get("WAYLAND_DISPLAY") else ""
    )


class GlobalKeys(QObject):
    """The system-wide shortcuts of one window. ``pressed`` is called with an action name,
    on the GUI thread. ``mode`` and ``note`` say honestly what works here."""

    def __init__(self, pressed: Callable[[str], None], parent: QObject | None = None, *,
                 display: str | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.pressed = pressed
        self._inbox: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._backend: _X11 | _Windows | None = None
        self.mode: Mode = "none"
        self.note = ""
        self.problems: dict[str, str] = {}
        try:
            self._start(display)
        except Exception as err:  # no X server, a broken one: window shortcuts still work
            log.info("system-wide shortcuts unavailable (%s)", type(err).__name__)
            self._backend = None
            self.mode = "none"
            self.note = ("System-wide shortcuts are not available here: they work while the "
                         "cuecard window has focus.")  # fmt: skip

    def _start(self, display: str | None) -> None:
        if sys.platform == "win32":
            self._backend = _Windows(self._deliver)
            self.mode = "system-wide"
            self.note = "These work in every app, also while your call app has focus."
            return
        if sys.platform == "darwin":
            self.note = ("On macOS this build has no system-wide shortcuts: they work while the "
                         "cuecard window has focus.")  # fmt: skip
            return
        if display is None and not os.environ.get("DISPLAY"):
            if session_kind() == "wayland":
                self.note = ("Your desktop (Wayland) does not let an app take keys from other "
                             "apps' windows: shortcuts work while the cuecard window has "
                             "focus.")  # fmt: skip
            else:
                self.note = ("No window system to take shortcuts from here: they work while "
                             "the cuecard window has focus.")  # fmt: skip
            return
        self._backend = _X11(display, self._deliver)
        if display is None and session_kind() == "wayland":
            self.mode = "xwayland"
            self.note = ("Your desktop runs Wayland, which lets these work only while cuecard or "
                         "another X11 app has focus; in a Wayland call app (most browsers) "
                         "press them in the cuecard window.")  # fmt: skip
        else:
            self.mode = "system-wide"
            self.note = "These work in every app, also while your call app has focus."

    @property
    def available(self) -> bool:
        return self._backend is not None

    def bind(self, bindings: dict[str, str]) -> dict[str, str]:
        """Grab exactly these ``{action: "Ctrl+Alt+H"}``; returns problems per action."""
        if self._backend is None:
            self.problems = {}
            return {}
        self.problems = self._backend.bind(bindings)
        return self.problems

    def close(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()

    def _deliver(self, action: str) -> None:
        """On the hotkey thread: hand the action to the GUI thread."""
        self._inbox.put(action)
        QMetaObject.invokeMethod(self, "drain", Qt.ConnectionType.QueuedConnection)

    @Slot()
    def drain(self) -> None:
        while True:
            try:
                action = self._inbox.get_nowait()
            except queue.Empty:
                return
            self.pressed(action)
