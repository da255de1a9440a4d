"""Keyboard shortcuts, their bindings (each one rebindable in Settings) and the F1 help.

Five actions matter mid-call, while the call app has focus: pause/resume, answer now,
hide/show, and reading a question from the screen (pick a region, or the last one
again). Those are **system-wide** where the window system allows it
(``global_keys``); their defaults use Ctrl+Alt so they never take a key another app
needs (Ctrl+Return sends a chat message, Ctrl+H opens a browser's history). The rest
work while the cuecard window has focus.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cuecard.ui.desktop.global_keys import Combo


@dataclass(frozen=True, slots=True)
class Hotkey:
    action: str
    keys: str
    """The default binding, in Qt's portable text."""
    what: str
    label: str
    """Two or three words for Settings."""
    system_wide: bool = False


HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey("toggle_listening", "Ctrl+Alt+Space", "start / pause listening", "Start / pause",
           system_wide=True),
    Hotkey("answer_now", "Ctrl+Alt+Return",
           "answer now: treat the interviewer's last turn as a question", "Answer now",
           system_wide=True),
    Hotkey("toggle_hidden", "Ctrl+Alt+H", "hide / show the window", "Hide / show",
           system_wide=True),
    Hotkey("read_screen", "Ctrl+Alt+S",
           "read a question from the screen: drag over it (read on this device)",
           "Read the screen", system_wide=True),
    Hotkey("read_screen_again", "Ctrl+Alt+R", "read the same screen region again",
           "Read it again", system_wide=True),
    Hotkey("ask", "Ctrl+K", "type a question", "Type a question"),
    Hotkey("regenerate", "Ctrl+R", "answer the question again", "Answer again"),
    Hotkey("copy_answer", "Ctrl+Shift+C", "copy the answer", "Copy the answer"),
    Hotkey("clear", "Escape", "clear the answer", "Clear the answer"),
    Hotkey("settings", "Ctrl+,", "settings", "Settings"),
    Hotkey("privacy", "Ctrl+Shift+P", "privacy panel: connections, prompts, erase",
           "Privacy panel"),
    Hotkey("bigger", "Ctrl+=", "larger text", "Larger text"),
    Hotkey("smaller", "Ctrl+-", "smaller text", "Smaller text"),
    Hotkey("help", "F1", "this help", "Help"),
)  # fmt: skip
BY_ACTION = {h.action: h for h in HOTKEYS}
SYSTEM_WIDE = tuple(h.action for h in HOTKEYS if h.system_wide)

HELP_NOTES = (
    "When hidden, the window comes back with the same shortcut, or from the taskbar or tray.",
    "There is deliberately no option to hide this window from screen sharing or "
    "recording: cuecard is a visible aid, not a hidden one.",
)


def default_bindings() -> dict[str, str]:
    return {h.action: h.keys for h in HOTKEYS}


def portable(keys: str) -> str:
    """One spelling for a binding, whatever the user's locale wrote."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.PortableText)


def bindings_from(prefs: dict[str, Any]) -> dict[str, str]:
    """The defaults with the user's own bindings over them (unknown or bad ones ignored)."""
    out = default_bindings()
    saved = prefs.get("keys")
    if isinstance(saved, dict):
        for action, keys in saved.items():
            if action in out and isinstance(keys, str) and keys and not problem(
                action, keys, {**out, **{a: k for a, k in saved.items() if isinstance(k, str)}}
            ):
                out[action] = portable(keys)
    return out


def problem(action: str, keys: str, bindings: dict[str, str]) -> str:
    """Why ``keys`` cannot be ``action``'s binding, or ""."""
    keys = portable(keys)
    if not keys:
        return "press a key combination"
    if QKeySequence(keys).count() != 1:
        return "use one key combination, not a sequence"
    taken = [a for a, k in bindings.items() if a != action and portable(k) == keys]
    if taken:
        return f"already used for “{BY_ACTION[taken[0]].what}”"
    combo = Combo.parse(keys)
    if BY_ACTION[action].system_wide and (combo is None or not combo.held):
        return "add Ctrl or Alt: it works in every app, so a plain key would stop you typing it"
    return ""


def native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def help_html(bindings: dict[str, str], note: str) -> str:
    rows = "".join(
        f"<tr><td style='padding-right:14px'><b>{html.escape(native(bindings[h.action]))}</b>"
        f"</td><td>{html.escape(h.what)}{' ◆' if h.system_wide else ''}</td></tr>"
        for h in HOTKEYS
    )
    notes = [f"◆ {note}" if note else "", *HELP_NOTES]
    paragraphs = "".join(f"<p>{html.escape(n)}</p>" for n in notes if n)
    return f"<h3>Keyboard</h3><table>{rows}</table>{paragraphs}"


class HelpOverlay(QWidget):
    """A panel over the window's content listing every shortcut; any click or key closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("help")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel(help_html(default_bindings(), ""))
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.label)
        layout.addStretch(1)  # the list starts at the top, not after a blank band
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
            return
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect().adjusted(16, 16, -16, -16))
        self.show()
        self.raise_()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
