"""The privacy panel: where bytes went, exactly what was sent, and erase everything.

- Connections: this process's egress ledger (destination, purpose, bytes,
  outcome; the ledger never holds content), refreshed while the panel is open.
- Prompts: every ``PromptSent`` of this session, the exact text that left, to
  whom and when (the prompt inspector). Kept in memory only.
- The screen: when a question was last read from it (the picture is never kept).
- Your data: what cuecard keeps on this machine, and "Erase all my data" behind
  one confirmation: the vault, profile documents, keychain entries, logs and
  settings (``privacy.inventory.erase_everything``).
"""

from __future__ import annotations

import contextlib
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cuecard.ui.desktop.listeners import Listeners
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.state import OverlayState
from cuecard.ui.desktop.widgets import placeholder

TABS = ("ledger", "prompts", "data")
COLUMNS = ("Time", "Where to", "What for", "Result", "Sent", "Received")


def erase_all_data() -> list[str]:
    """Everything cuecard keeps about the user, gone; returns what was removed.

    The privacy layer's ``erase_everything`` does the work (keychain entries
    first, so kept sessions are unreadable at once); the window's own
    preferences file goes too, so nothing of this user is left behind.
    """
    from cuecard.privacy.inventory import erase_everything
    from cuecard.ui.desktop.prefs import prefs_path

    removed = erase_everything()
    prefs = prefs_path()
    if prefs.exists():
        prefs.unlink()
        removed.append(str(prefs))
    return removed


def devices_line(devices: dict[str, str]) -> str:
    """Which capture devices are open now, by name: what is listening, said plainly."""
    what = {"you": "your microphone", "interviewer": "the call audio"}
    if not devices:
        return "Listening to nothing: no microphone or call audio is open."
    names = [f"{what.get(ch, ch)} ({name})" for ch, name in devices.items()]
    return "Open now: " + " and ".join(names) + "."


def _stamp(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def screen_line(read_at: float | None) -> str:
    """When the screen was last read, and what became of the picture."""
    if read_at is None:
        return "The screen has not been read in this session."
    return (f"The screen was last read at {_stamp(read_at)}, on this device. The picture was "
            "dropped once read and never saved; only the text you sent is under Prompts sent.")


def _bytes(count: int) -> str:
    return f"{count:,} B" if count < 10_000 else f"{count / 1024:,.0f} KB"


class PrivacyPanel(QDialog):
    """Non-modal: it can stay open beside the overlay during a session."""

    def __init__(self, state: OverlayState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.erased = Listeners()
        self.setWindowTitle("cuecard privacy")
        self.state = state
        self.confirm_box: QMessageBox | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._ledger_tab(), "Connections")
        self.tabs.addTab(self._prompts_tab(), "Prompts sent")
        self.tabs.addTab(self._data_tab(), "Your data")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(720, 460)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name) if name in TABS else 0)

    # -- connections ----------------------------------------------------------------
    def _ledger_tab(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.devices_label = QLabel()
        self.devices_label.setObjectName("devices")
        self.devices_label.setWordWrap(True)
        col.addWidget(self.devices_label)
        self.ledger_summary = QLabel()
        self.ledger_summary.setWordWrap(True)
        col.addWidget(self.ledger_summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        col.addWidget(self.table, 1)
        self.ledger_empty = placeholder(
            "No connection has been made: everything so far stayed on this device. When an "
            "answer comes from a provider you chose, each connection is listed here: where "
            "it went, and how many bytes."
        )
        col.addWidget(self.ledger_empty, 1)
        self.programs = QLabel()
        self.programs.setObjectName("hint")
        self.programs.setWordWrap(True)
        col.addWidget(self.programs)
        self.screen_line = QLabel()
        self.screen_line.setObjectName("hint")
        self.screen_line.setWordWrap(True)
        col.addWidget(self.screen_line)
        return page

    def refresh(self) -> None:
        from cuecard.privacy.ledger import process_ledger

        self.devices_label.setText(devices_line(self.state.devices))
        entries = process_ledger().entries()
        # Program launches are not destinations: they are listed apart, never as connections.
        connections = [e for e in entries if e.layer != "process"]
        launches = [e for e in entries if e.layer == "process"]
        if self.table.rowCount() != len(connections) or connections:
            self.table.setRowCount(len(connections))
            for row, e in enumerate(connections):
                result = e.outcome if not e.reason else f"{e.outcome} ({e.reason})"
                values = (
                    _stamp(e.time), f"{e.host}:{e.port}", e.label or e.purpose, result,
                    _bytes(e.bytes_sent), _bytes(e.bytes_received),
                )  # fmt: skip
                for col, value in enumerate(values):
                    item = self.table.item(row, col)
                    if item is None:
                        self.table.setItem(row, col, QTableWidgetItem(value))
                    elif item.text() != value:
                        item.setText(value)
        self.table.setVisible(bool(connections))
        self.ledger_empty.setVisible(not connections)
        blocked = sum(1 for e in connections if e.outcome == "blocked")
        if not connections:
            text = ""  # the empty pane below says it once (it was said twice)
        elif blocked:
            text = (f"{blocked} connection(s) were blocked because they were not to a provider "
                    "you configured. Nothing was sent to them.")  # fmt: skip
        else:
            text = f"{len(connections)} connection(s), all to providers you configured."
        self.ledger_summary.setText(text)
        self.ledger_summary.setVisible(bool(text))
        if launches:
            names = sorted({e.host for e in launches})
            refused = sorted({e.host for e in launches if e.outcome == "blocked"})
            line = ("Programs started on this device (they send nothing anywhere): "
                    f"{', '.join(names)}.")  # fmt: skip
            if refused:
                line += f" Refused: {', '.join(refused)}."
            self.programs.setText(line)
        self.programs.setVisible(bool(launches))
        self.screen_line.setText(screen_line(self.state.screen_read_at))
        self._refresh_prompts()

    # -- prompts ------------------------------------------------------------------
    def _prompts_tab(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.addWidget(QLabel("Exactly what left this device for each answer (memory only)."))
        split = QSplitter(Qt.Orientation.Horizontal)
        self.prompt_list = QListWidget()
        self.prompt_text = QPlainTextEdit()
        self.prompt_text.setReadOnly(True)
        split.addWidget(self.prompt_list)
        split.addWidget(self.prompt_text)
        split.setStretchFactor(1, 3)
        col.addWidget(split, 1)
        self.prompt_split = split
        self.prompts_empty = placeholder(
            "No prompt has left this device in this session. The offline engine sends "
            "nothing; with a provider, the exact text of every prompt appears here."
        )
        col.addWidget(self.prompts_empty, 1)
        self.prompt_list.currentRowChanged.connect(self._show_prompt)
        return page

    def _refresh_prompts(self) -> None:
        prompts = list(self.state.prompts)
        self.prompt_split.setVisible(bool(prompts))
        self.prompts_empty.setVisible(not prompts)
        if self.prompt_list.count() == len(prompts):
            return
        self.prompt_list.clear()
        for p in prompts:
            tag = " · redacted" if p.redacted else ""
            self.prompt_list.addItem(f"q{p.question_id} → {p.provider} ({p.destination}){tag}")
        if prompts and self.prompt_list.currentRow() < 0:
            self.prompt_list.setCurrentRow(len(prompts) - 1)

    def _show_prompt(self, row: int) -> None:
        prompts = list(self.state.prompts)
        if 0 <= row < len(prompts):
            p = prompts[row]
            self.prompt_text.setPlainText(
                f"to {p.provider} at {p.destination}, {p.emitted_s:.1f} s into the session"
                f"{', redacted' if p.redacted else ''}\n\n{p.text}"
            )

    # -- your data -------------------------------------------------------------------
    def _data_tab(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.data_summary = QLabel()
        self.data_summary.setWordWrap(True)
        self.data_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.data_summary)
        col.addStretch(1)
        row = QHBoxLayout()
        self.erase_button = QPushButton("Erase all my data…")
        self.erase_button.setObjectName("erase")
        self.erase_button.clicked.connect(self.ask_erase)
        row.addWidget(self.erase_button)
        row.addStretch(1)
        col.addLayout(row)
        self.erase_result = QLabel()
        self.erase_result.setWordWrap(True)
        col.addWidget(self.erase_result)
        self.refresh_data()
        return page

    def refresh_data(self) -> None:
        from cuecard.privacy import inventory

        files = inventory.files()
        keys, problem = inventory.keychain()
        lines = [f"{len(files)} file(s) under cuecard's folders"]
        kinds: dict[str, int] = {}
        for item in files:
            kinds[item.what] = kinds.get(item.what, 0) + 1
        lines += [f"  · {n} × {what}" for what, n in sorted(kinds.items())]
        lines.append(
            f"{len(keys)} keychain entr{'y' if len(keys) == 1 else 'ies'}"
            + (f" ({', '.join(k.what for k in keys)})" if keys else "")
        )
        if problem:
            lines.append(f"Keychain: {plain(problem)}")
        self.data_summary.setText("\n".join(lines))

    def ask_erase(self) -> None:
        """One confirmation, then everything goes. Non-blocking, so the session keeps running."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Erase all my data")
        box.setText("Erase everything cuecard keeps on this device?")
        box.setInformativeText(
            "Saved sessions, profile documents, API keys and the vault key in the keychain, "
            "logs and settings. This cannot be undone."
        )
        erase = box.addButton("Erase everything", QMessageBox.ButtonRole.DestructiveRole)
        erase.setObjectName("confirmErase")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        erase.clicked.connect(self.erase_now)
        self.confirm_box = box
        box.open()

    def erase_now(self) -> None:
        try:
            removed = erase_all_data()
        except Exception as err:
            self.erase_result.setText(f"Erasing stopped: {plain(str(err))}")
            return
        self.state.clear_all()
        self.erase_result.setText(f"Erased {len(removed)} item(s). Nothing of yours is left.")
        with contextlib.suppress(RuntimeError):
            self.refresh_data()
        self.erased()
