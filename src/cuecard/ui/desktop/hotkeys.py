"""Keyboard shortcuts and the F1 help overlay.

Global (system-wide) hotkeys would need a keyboard hook library such as pynput,
which cuecard does not ship: every shortcut here is a Qt shortcut and works
while the cuecard window has focus. The help overlay says so, so nobody relies
on a key that does nothing mid-interview.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


@dataclass(frozen=True, slots=True)
class Hotkey:
    action: str
    keys: str
    what: str


HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey("toggle_listening", "Ctrl+Space", "start / pause listening"),
    Hotkey(
        "answer_now", "Ctrl+Return", "answer now: treat the interviewer's last turn as a question"
    ),
    Hotkey("regenerate", "Ctrl+R", "regenerate the answer"),
    Hotkey("copy_answer", "Ctrl+Shift+C", "copy the answer"),
    Hotkey("clear", "Escape", "clear the answer card"),
    Hotkey("toggle_hidden", "Ctrl+H", "hide / show the window"),
    Hotkey("settings", "Ctrl+,", "settings"),
    Hotkey("privacy", "Ctrl+Shift+P", "privacy panel: ledger, prompts, erase"),
    Hotkey("bigger", "Ctrl+=", "larger text"),
    Hotkey("smaller", "Ctrl+-", "smaller text"),
    Hotkey("help", "F1", "this help"),
)

GLOBAL_HOTKEYS = False
"""No system-wide hotkeys in this build (they need pynput, which is not a dependency)."""

HELP_NOTES = (
    "Shortcuts work while the cuecard window has focus: this build has no system-wide "
    "hotkeys (they would need an extra keyboard-hook library).",
    "When hidden, the window is minimised: bring it back from the taskbar or tray.",
    "There is deliberately no option to hide this window from screen sharing or "
    "recording: cuecard is a visible aid, not a hidden one.",
)


def key_for(action: str) -> QKeySequence:
    for hotkey in HOTKEYS:
        if hotkey.action == action:
            return QKeySequence(hotkey.keys)
    raise KeyError(action)


def native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


class HelpOverlay(QWidget):
    """A panel over the window's content listing every shortcut; any click or key closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("help")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        rows = "".join(
            f"<tr><td style='padding-right:14px'><b>{html.escape(native(h.keys))}</b></td>"
            f"<td>{html.escape(h.what)}</td></tr>"
            for h in HOTKEYS
        )
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in HELP_NOTES)
        self.label = QLabel(f"<h3>Keyboard</h3><table>{rows}</table>{notes}")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.label)
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
