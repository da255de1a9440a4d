"""The overlay window and the Qt application around it.

Layout, top to bottom: a row of controls; the current question; the talking
points (largest text on screen) with the fuller answer below a fold; the live
transcript; a status bar with listening state, both level meters, the speech
model, the provider and model answering, tokens so far and the privacy light.

Redraws are coalesced: events update ``OverlayState`` as they arrive and a
short single-shot timer repaints only what changed, so a stream of deltas never
queues up paints and the event loop stays free for the user's keys.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import sys
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cuecard.config import Config, UiConfig
from cuecard.events import Event
from cuecard.ui.desktop.engine_thread import EngineBridge, SessionSpec
from cuecard.ui.desktop.global_keys import GlobalKeys
from cuecard.ui.desktop.hotkeys import (
    BY_ACTION,
    HOTKEYS,
    SYSTEM_WIDE,
    HelpOverlay,
    bindings_from,
    help_html,
    native,
)
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.prefs import load_prefs, save_prefs
from cuecard.ui.desktop.screen_read import ScreenReader
from cuecard.ui.desktop.state import INFO_S, Listening, OverlayState
from cuecard.ui.desktop.theme import palette, stylesheet, theme_named
from cuecard.ui.desktop.widgets import (
    Banner,
    LevelMeter,
    PrivacyLight,
    QuestionCard,
    TalkingPoints,
    TranscriptView,
    named,
)

log = logging.getLogger(__name__)

REDRAW_MS = 30
"""Coalesce redraws: at most ~33 a second, however fast events arrive."""

DEFAULT_SIZE = (520, 640)
MIN_SIZE = DEFAULT_SIZE
"""The smallest window is the default one: at the default text size four 12-word talking
points need all of 520x640 (a warning banner on one line included); narrower, they wrap
into a scroll bar, and shorter, they do not fit at all (tests/ui/test_overlay_fit.py).
A 360x320 minimum let the window shrink until every button read "An…ow"."""

LEDGER_POLL_MS = 500
TRANSCRIPT_LINES_WITH_ANSWER = 2
"""Transcript lines still shown while an answer card takes the room above it (one while a
warning banner also needs a line): four 12-word bullets need all the rest at 520x640."""

LISTENING_TEXT: dict[str, str] = {
    "idle": "○ ready",
    "loading": "◌ loading…",
    "listening": "● listening",
    "typed": "✎ typed only",
    "paused": "❚❚ paused",
    "ended": "■ ended",
    "failed": "✕ stopped",
}
"""The listening state, short so it never elides at the smallest window; the status line
adds which devices are open (``devices_text``) and the tooltip says the rest."""

LISTENING_TIP: dict[str, str] = {
    "idle": "Nothing listens until you press Start when the call begins",
    "loading": "Loading the speech model; listening starts in a moment",
    "listening": "Listening to the devices named here",
    "typed": "Answering questions you type; no microphone or call audio is open",
    "paused": "Paused: the microphone and call audio are closed until you resume",
    "ended": "The session is over; the devices are released",
    "failed": "The session stopped; the devices are released",
}

DEVICE_NAMES = {"you": "mic", "interviewer": "call"}


def devices_text(devices: dict[str, str]) -> str:
    """Whether a device is open, in two or three words: the status line always says so."""
    names = [DEVICE_NAMES[ch] for ch in ("you", "interviewer") if ch in devices]
    return " + ".join(names) + " open" if names else "no device open"


# -- the window --------------------------------------------------------------


class OverlayWindow(QMainWindow):
    """The always-on-top overlay. ``default_spec`` is what Start runs (demo or live)."""

    def __init__(self, cfg: Config, *, default_spec: SessionSpec | None = None,
                 system_keys: bool = True, display: str | None = None) -> None:  # fmt: skip
        super().__init__()
        self.cfg = cfg
        self.default_spec = default_spec or SessionSpec(kind="live")
        self.state = OverlayState()
        self.bridge = EngineBridge(self)
        self.bridge.session_event.connect(self.on_event)
        self.bridge.listening.connect(self.on_listening)
        self.bridge.failed.connect(self.on_failed)
        self.prefs = load_prefs()
        self.font_px = cfg.ui.font_size
        self.theme = theme_named(cfg.ui.theme)
        self.tray: QSystemTrayIcon | None = None
        self._privacy_panel: QWidget | None = None
        self._practice: Any = None
        self._review: Any = None
        self._settings: Any = None
        self.bindings = bindings_from(self.prefs)
        self.pending_questions: list[str] = []
        self.buttons: dict[str, QToolButton] = {}
        self.global_keys: GlobalKeys | None = (
            GlobalKeys(self.trigger, self, display=display) if system_keys else None
        )
        self.screen_reader = ScreenReader(self, overlay=self)
        self.screen_reader.read.connect(self.on_screen_text)
        self.screen_reader.failed.connect(self.on_screen_failed)

        self.setWindowTitle("cuecard")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        # Never take the keyboard from the app the candidate is typing in: shown, updated or
        # answering, the window is mapped without activation (X11: _NET_WM_USER_TIME 0, so
        # the window manager leaves focus where it is). Only a click into it, or the "type
        # a question" shortcut (``focus_ask``), activates it.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setMinimumSize(*MIN_SIZE)
        self._build()
        self._build_actions()

        self._redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw.timeout.connect(self.refresh_now)
        self._ledger_timer = QTimer(self, interval=LEDGER_POLL_MS)
        self._ledger_timer.timeout.connect(self.poll_ledger)
        self._ledger_timer.start()
        self._info_timer = QTimer(self, singleShot=True, interval=round(INFO_S * 1000))
        self._info_timer.timeout.connect(self._info_expired)
        self._notice_seen = ("", "info")
        self._notice_fitted = False

        self.apply_bindings(self.bindings)
        self.apply_ui(cfg.ui)
        self._restore_geometry()
        self.on_listening("idle")
        self.refresh_now()

    # -- building --------------------------------------------------------
    def _button(self, text: str, action: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(f"btn_{action}")
        button.setToolTip(tip)
        button.setProperty("tip", tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.buttons[action] = button
        button.clicked.connect(lambda: self.trigger(action))
        return button

    def _menu_button(self) -> QToolButton:
        """Practice and Review, behind one small button: the call's controls keep the room."""
        button = QToolButton()
        button.setText("☰")
        button.setObjectName("btn_menu")
        button.setToolTip("Practice (a mock interview with feedback), Review, keyboard shortcuts")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for text, action in (("Practice: a mock interview…", "practice"),
                             ("Review kept sessions…", "review"),
                             ("Keyboard shortcuts (F1)", "help")):  # fmt: skip
            item = menu.addAction(text)
            item.setObjectName(f"menu_{action}")
            item.triggered.connect(lambda _=False, a=action: self.trigger(a))
        button.setMenu(menu)
        self.menu_button = button
        return button

    def _build(self) -> None:
        root = self.root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(6)

        controls = QHBoxLayout()
        controls.setSpacing(4)
        self.start_button = self._button("▶ Start", "toggle_listening", "start / pause listening")
        controls.addWidget(self.start_button)
        # Words only where an icon would be a guess; the rest are icons with tooltips, so
        # the row fits the smallest window (MIN_SIZE) without eliding a label.
        for text, action, tip in (
            ("Answer now", "answer_now", "treat the interviewer's last turn as the question"),
            ("↻", "regenerate", "regenerate the answer"),
            ("❐", "copy_answer", "copy the answer"),
            ("✕", "clear", "clear the answer"),
        ):
            controls.addWidget(self._button(text, action, tip))
        controls.addStretch(1)
        controls.addWidget(self._menu_button())
        for text, action, tip in (
            ("⚙", "settings", "settings"),
            ("–", "toggle_hidden", "hide the window"),
        ):
            controls.addWidget(self._button(text, action, tip))
        layout.addLayout(controls)

        self.question = QuestionCard()
        self.points = TalkingPoints()
        self.transcript = TranscriptView()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(6)
        top_layout.addWidget(self.question)
        top_layout.addWidget(self.points, 1)
        self.ask_box = named(QLineEdit(), "askBox")
        self.ask_box.setPlaceholderText("Type a question (“what should I say to…”) and press Enter")
        self.ask_box.setClearButtonEnabled(True)
        self.ask_box.returnPressed.connect(self.ask_typed)
        ask_row = QHBoxLayout()
        ask_row.setSpacing(4)
        ask_row.addWidget(self.ask_box, 1)
        # Beside the box it fills: the question read from the screen lands there to edit.
        screen_tip = "read a question from the screen: drag over it"
        ask_row.addWidget(self._button("⬚", "read_screen", screen_tip))
        top_layout.addLayout(ask_row)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.transcript)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self._user_split = False
        self._split_before: float | None = None
        """The transcript's share before an answer took its room (restored after)."""
        self.splitter.splitterMoved.connect(self._split_moved)
        layout.addWidget(self.splitter, 1)

        self.notice = named(Banner(linked), "notice")
        self.notice.setVisible(False)
        self.notice.linkActivated.connect(self.open_place)
        layout.insertWidget(1, self.notice)  # under the controls: seen at once

        bar = named(QWidget(), "statusBar")
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(0, 3, 0, 0)
        rows.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.listening_label = QLabel()
        self.meter_them = LevelMeter(self.theme.interviewer)
        self.meter_you = LevelMeter(self.theme.you)
        self.meter_them.setToolTip("interviewer level")
        self.meter_you.setToolTip("your microphone level")
        self.privacy_light = PrivacyLight()
        self.privacy_light.clicked.connect(lambda: self.open_privacy("ledger"))
        self.listening_label.setSizePolicy(
            QSizePolicy.Policy.MinimumExpanding, QSizePolicy.Policy.Preferred
        )
        row.addWidget(self.listening_label, 1)
        row.addWidget(QLabel("them"))
        row.addWidget(self.meter_them)
        row.addWidget(QLabel("you"))
        row.addWidget(self.meter_you)
        row.addWidget(self.privacy_light)
        rows.addLayout(row)
        self.engine_label = QLabel()
        self.engine_label.setObjectName("statusText")
        rows.addWidget(self.engine_label)
        layout.addWidget(bar)

        self.setCentralWidget(root)
        self.help_overlay = HelpOverlay(root)

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        for hotkey in HOTKEYS:
            action = QAction(hotkey.what, self)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            name = hotkey.action
            action.triggered.connect(lambda _=False, n=name: self.trigger(n))
            self.addAction(action)
            self.actions_by_name[name] = action

    def apply_bindings(self, bindings: dict[str, str]) -> dict[str, str]:
        """Use these key bindings everywhere: window shortcuts, system-wide grabs, tooltips
        and the help. Returns the system-wide ones that could not be had, by action."""
        self.bindings = dict(bindings)
        for name, action in self.actions_by_name.items():
            action.setShortcut(QKeySequence(self.bindings[name]))
        problems: dict[str, str] = {}
        if self.global_keys is not None:
            problems = self.global_keys.bind({a: self.bindings[a] for a in SYSTEM_WIDE})
        for name, button in self.buttons.items():
            tip = str(button.property("tip"))
            keys = self.bindings.get(name)
            button.setToolTip(f"{tip} ({native(keys)})" if keys else tip)
        note = self.global_keys.note if self.global_keys is not None else ""
        self.help_overlay.label.setText(help_html(self.bindings, note))
        return problems

    def trigger(self, action: str) -> None:
        """Run a control by name: buttons and shortcuts share one path."""
        handlers = {
            "toggle_listening": self.toggle_listening,
            "answer_now": self.answer_now,
            "ask": self.focus_ask,
            "regenerate": self.regenerate,
            "copy_answer": self.copy_answer,
            "clear": self.clear,
            "toggle_hidden": self.toggle_hidden,
            "settings": self.open_settings,
            "privacy": self.open_privacy,
            "bigger": self.bigger,
            "smaller": self.smaller,
            "help": self.show_help,
            "practice": self.open_practice,
            "review": self.open_review,
            "read_screen": self.screen_reader.pick,
            "read_screen_again": self.screen_reader.again,
        }
        handlers[action]()

    # -- appearance --------------------------------------------------------
    def apply_ui(self, ui: UiConfig) -> None:
        self.cfg = self.cfg.model_copy(update={"ui": ui})
        self.font_px = ui.font_size
        self.set_theme(ui.theme)
        self.setWindowOpacity(ui.opacity)

    def set_theme(self, name: str) -> None:
        self.theme = theme_named(name)
        app = QApplication.instance()
        sheet = stylesheet(self.theme, self.font_px)
        self.setPalette(palette(self.theme))
        self.setStyleSheet(sheet)
        if isinstance(app, QApplication):
            app.setPalette(palette(self.theme))
        for widget in (self.points, self.transcript, self.privacy_light):
            widget.theme = self.theme
        self.points.lead_px = max(9, round(self.font_px * 0.72))
        self.meter_them.colour = QColor(self.theme.interviewer)
        self.meter_you.colour = QColor(self.theme.you)
        light = self.privacy_light
        light.set_counts(light.allowed, light.blocked, light.programs)
        self.state.mark_all()
        self._schedule()

    def bigger(self) -> None:
        self._set_font(self.font_px + 2)

    def smaller(self) -> None:
        self._set_font(self.font_px - 2)

    def _set_font(self, px: int) -> None:
        ui = UiConfig(theme=self.cfg.ui.theme, opacity=self.cfg.ui.opacity,
                      font_size=max(8, min(48, px)))  # fmt: skip
        self.apply_ui(ui)

    # -- events from the session ---------------------------------------------
    def on_event(self, event: Event) -> None:
        self.state.apply(event)
        self._schedule()

    def on_listening(self, value: str) -> None:
        spec = self.bridge.spec
        if value == "listening" and spec is not None and spec.kind == "typed":
            value = "typed"  # ready, with no device: only typed questions are answered
        listening: Listening = value  # type: ignore[assignment]
        self.state.set_listening(listening)
        running = value in ("loading", "listening")
        self.start_button.setText(
            "❚❚ Pause" if running else "▶ Resume" if value == "paused" else "▶ Start"
        )
        if value in ("listening", "typed"):
            pending, self.pending_questions = self.pending_questions, []
            for text in pending:
                self.bridge.ask(text)
        elif value in ("ended", "failed"):
            self.pending_questions.clear()
        self._schedule()

    def on_failed(self, reason: str) -> None:
        self.show_notice(plain(reason), "error")

    def show_notice(self, message: str, level: str = "warning") -> None:
        self.state.notice, self.state.notice_level = message, level
        self.state.changed.add("status")
        self._schedule()

    def _schedule(self) -> None:
        if not self._redraw.isActive():
            self._redraw.start()

    def refresh_now(self) -> None:
        s = self.state
        changed = s.take_changes()
        if "status" in changed:
            self._status()
        if "card" in changed or "status" in changed:
            self.fit_notice()
            if (not self.notice.isHidden()) != self._notice_fitted:
                self._notice_fitted = not self.notice.isHidden()
                changed.add("card")  # the banner came or went: the answer's room changes
        if "card" in changed:
            self.question.show_card(s.card)
            self.points.show_card(s.card)
            self.fit_answer()
        if "transcript" in changed:
            self.transcript.show_lines(list(s.lines))

    def _split_moved(self, _pos: int, _index: int) -> None:
        self._user_split = True  # the candidate chose the split: cuecard stops changing it

    def fit_answer(self) -> None:
        """While an answer is on screen the transcript gives it its room, down to a few lines.

        Four 12-word bullets need about 370 px at the default 18 px font; at the default
        520x640 the 3:2 split left the answer 250 px, and a scroll bar mid-call means
        reaching for the mouse. The transcript keeps its last two lines meanwhile (one
        beside a warning banner), any room the window gains goes to the answer, and the
        transcript gets its share back when the card is cleared; a split the user dragged
        is kept.
        """
        if self._user_split:
            return
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        card = self.state.card
        if card is not None and (card.answer or card.shown):
            shown = TRANSCRIPT_LINES_WITH_ANSWER - (1 if self.state.notice else 0)
            lines = round(self.font_px * 1.45 * shown) + 14
            self.transcript.setMinimumHeight(round(self.font_px * 1.45) + 14)  # one line
            transcript = min(lines, total - 120)
            if self._split_before is None:
                self._split_before = sizes[1] / total
            self.splitter.setStretchFactor(1, 0)  # a layout pass after this: room to the answer
        elif self._split_before is not None:
            transcript = round(total * self._split_before)
            self._split_before = None
            self.splitter.setStretchFactor(1, 2)
        else:
            return
        if abs(sizes[1] - transcript) > 2:
            self.splitter.setSizes([total - transcript, transcript])

    def _status(self) -> None:
        s, cfg = self.state, self.cfg
        self.listening_label.setText(
            f"{LISTENING_TEXT.get(s.listening, s.listening)} · {devices_text(s.devices)}"
        )
        opened = ", ".join(f"{DEVICE_NAMES[ch]}: {name}" for ch, name in s.devices.items())
        self.listening_label.setToolTip(
            LISTENING_TIP.get(s.listening, "") + (f" (open: {opened})" if opened else "")
        )
        self.meter_them.set_level(s.levels.get("interviewer"))
        self.meter_you.set_level(s.levels.get("you"))
        if s.provider:
            provider, model = s.provider, s.model
        else:
            provider = cfg.assist.provider
            settings = cfg.assist.section(provider)
            model = getattr(settings, "model", None) or ("notes" if provider == "offline" else "")
        answering = f"{provider} · {model}" if model else provider
        tokens = s.input_tokens + s.output_tokens
        # The model names the provider (claude-…, gpt-…); the provider is in the tooltip,
        # so the line fits the smallest window even with a long model name.
        self.engine_label.setText(
            f"speech {cfg.speech.model} · {model or provider} · {tokens:,} tokens"
        )
        self.engine_label.setToolTip(
            f"speech-to-text model {cfg.speech.model} (on this device); answers from "
            f"{answering}; {s.input_tokens:,} tokens in, {s.output_tokens:,} out over "
            f"{s.counts.line()}"
        )
        if self.notice.property("level") != s.notice_level:
            self.notice.setProperty("level", s.notice_level)
            self.notice.style().unpolish(self.notice)
            self.notice.style().polish(self.notice)
        self.notice.setVisible(bool(s.notice))
        if (s.notice, s.notice_level) != self._notice_seen:
            self._notice_seen = (s.notice, s.notice_level)
            if s.notice and s.notice_level == "info":
                self._info_timer.start()  # an info banner goes by itself (INFO_S)
            else:
                self._info_timer.stop()

    def _info_expired(self) -> None:
        if self.state.notice_level == "info":
            self.state.clear_notice()
            self._schedule()

    def fit_notice(self) -> None:
        """The banner in full while there is room; one line while an answer needs the room.

        A wrapped warning took three lines from the talking points and pushed them into
        a scroll bar mid-call; on one line (the whole text in its tooltip) it still says
        what is wrong, and the answer keeps its room.
        """
        card = self.state.card
        compact = card is not None and bool(card.answer or card.shown)
        self.notice.show_message(plain(self.state.notice), compact=compact)

    def poll_devices(self) -> None:
        """What is really open, from the capture threads: the status line never guesses."""
        devices = self.bridge.open_devices()
        if devices != self.state.devices:
            self.state.devices = devices
            self.state.changed.add("status")
            self._schedule()

    def poll_ledger(self) -> None:
        from cuecard.privacy.ledger import process_ledger

        self.poll_devices()
        entries = process_ledger().entries()
        connections = [e for e in entries if e.layer != "process"]
        blocked = sum(1 for e in connections if e.outcome == "blocked")
        allowed = sum(1 for e in connections if e.outcome == "allowed")
        programs = sum(1 for e in entries if e.layer == "process" and e.outcome == "blocked")
        light = self.privacy_light
        if (allowed, blocked, programs) != (light.allowed, light.blocked, light.programs):
            light.set_counts(allowed, blocked, programs)

    # -- commands ------------------------------------------------------------
    def start_session(self, spec: SessionSpec | None = None) -> None:
        spec = spec or self.default_spec
        current = self.bridge.spec
        pending = list(self.pending_questions)
        if not (self.bridge.running and current is not None and current.kind == "typed"):
            self.state.reset()  # a new session: its own transcript, answers and token count
        self.bridge.start(spec, self.cfg)  # after typed questions: their answer stays shown
        self.pending_questions = pending  # the stopped session's end must not drop them

    def typed_spec(self) -> SessionSpec:
        """A session that answers typed questions and opens no device (``NoInput``)."""
        base = self.default_spec
        return SessionSpec(kind="typed", tripwire=base.tripwire, keep=base.keep,
                           demo_profile=base.kind == "demo")  # fmt: skip

    def toggle_listening(self) -> None:
        spec = self.bridge.spec
        if not self.bridge.running or (spec is not None and spec.kind == "typed"):
            self.start_session()
        elif self.state.listening == "loading":
            self.show_notice("Still loading the speech model: listening starts in a moment", "info")
        else:
            self.bridge.set_paused(not self.bridge.paused)

    def focus_ask(self) -> None:
        """The one shortcut that takes focus: the user asked to type here."""
        if self.isHidden() or self.isMinimized():
            self.toggle_hidden()
        self.raise_()
        self.activateWindow()
        self.ask_box.setFocus()
        self.ask_box.selectAll()

    def on_screen_text(self, text: str) -> None:
        """Text read from the screen goes to the question box, to edit before Enter sends it."""
        self.state.screen_read_at = self.screen_reader.last_read_at
        self.focus_ask()
        self.ask_box.setText(text)
        self.ask_box.setFocus()
        self.show_notice("Read on this device: edit it if needed, then press Enter. Only "
                         "the text is sent; the picture is already gone.", "info")  # fmt: skip

    def on_screen_failed(self, message: str) -> None:
        self.state.screen_read_at = self.screen_reader.last_read_at
        self.show_notice(message)

    def ask_typed(self) -> None:
        """A typed question is answered like one the interviewer asked.

        Text read from the screen keeps its lines (code needs its indentation);
        a typed line has its spaces tidied as before."""
        raw = self.ask_box.text()
        if "\n" in raw:
            kept = (line.rstrip() for line in raw.split("\n"))
            text = "\n".join(line for line in kept if line.strip())
        else:
            text = " ".join(raw.split())
        if not text:
            return
        self.ask_box.clear()
        ready = ("listening", "typed", "paused")
        if self.state.listening in ready and self.bridge.ask(text):
            return
        self.pending_questions.append(text)  # answered as soon as the session is ready
        if not self.bridge.running:
            # Nothing listens until Start: a typed question opens no microphone or call.
            self.start_session(self.typed_spec())

    def answer_now(self) -> None:
        if self.bridge.running:
            self.bridge.answer_now()
        else:
            self.show_notice("Nothing to answer yet: press Start when the call begins", "info")

    def regenerate(self) -> None:
        if not self.bridge.regenerate():
            self.show_notice("No question to answer again yet", "info")

    def copy_answer(self) -> None:
        card = self.state.card
        if card is None or not card.answer:
            return
        QGuiApplication.clipboard().setText(card.answer.strip())

    def clear(self) -> None:
        if self.help_overlay.isVisible():
            self.help_overlay.hide()
            return
        self.state.clear_card()
        self.refresh_now()

    def show_help(self) -> None:
        self.help_overlay.toggle()

    def toggle_hidden(self) -> None:
        """Hide, and show again without activation: the keyboard stays in the app the
        candidate is using.

        Hidden (withdrawn) when something can bring it back: the tray, or a system-wide
        Ctrl+Alt+H that really is grabbed; else minimised, so the taskbar can. A window
        shown again from hidden is mapped afresh, which the window manager leaves
        unfocused (``WA_ShowWithoutActivating``); a minimised one that is restored may be
        focused by some window managers, so minimising is only the last resort.
        """
        if self.isHidden() or self.isMinimized():
            if self.isMinimized():
                self.showNormal()
            else:
                self.show()
            return
        tray = QSystemTrayIcon.isSystemTrayAvailable()
        if tray:
            if self.tray is None:
                self.tray = QSystemTrayIcon(self.windowIcon() or QIcon(), self)
                self.tray.setToolTip("cuecard: click to show")
                self.tray.activated.connect(lambda _reason: self.toggle_hidden())
            self.tray.show()
        keys = self.global_keys
        key_works = (
            keys is not None and keys.mode == "system-wide" and "toggle_hidden" not in keys.problems
        )
        if tray or key_works:
            self.hide()
        else:
            self.showMinimized()

    def open_settings(self, page: str = "") -> None:
        """Non-blocking (the session keeps running under it); one at a time."""
        current = self._settings
        if current is not None and current.isVisible():
            current.show_page(page)
            current.raise_()
            return
        self._settings = self.settings_dialog(page)
        self._settings.open()

    def settings_dialog(self, page: str = "") -> Any:
        from cuecard.ui.desktop.settings import SettingsDialog

        dialog = SettingsDialog(self.cfg, self, bindings=self.bindings, keys=self.global_keys)
        dialog.applied.connect(self.on_settings_saved)
        dialog.keys_changed.connect(self.on_keys_saved)
        if page:
            dialog.show_page(page)
        return dialog

    def on_keys_saved(self, bindings: dict[str, str]) -> dict[str, str]:
        problems = self.apply_bindings(bindings)
        self.prefs["keys"] = {a: k for a, k in bindings.items() if BY_ACTION[a].keys != k}
        save_prefs(self.prefs)
        return problems

    def on_settings_saved(self, cfg: Config) -> None:
        self.cfg = cfg
        self.apply_ui(cfg.ui)
        self.state.changed.add("status")
        self._schedule()

    def open_place(self, link: str) -> None:
        """A link in a message: the place in the app that fixes it."""
        kind, _, name = link.partition(":")
        if kind == "settings":
            self.open_settings(name)
        elif kind == "privacy":
            self.open_privacy(name or "ledger")

    def open_practice(self) -> Any:
        """The Practice window (one at a time); a running call session is stopped first,
        since practice needs the microphone."""
        from cuecard.ui.desktop.practice_page import PracticeWindow

        current = self._practice
        if current is not None and current.isVisible():
            current.raise_()
            return current
        if self.bridge.running and self.default_spec.kind == "live":
            self.bridge.stop()
        spec = self.default_spec if self.default_spec.kind != "live" else None
        self._practice = PracticeWindow(self.cfg, self, spec=spec)
        self._practice.show()
        return self._practice

    def open_review(self) -> Any:
        from cuecard.ui.desktop.review_page import ReviewWindow

        window = ReviewWindow(self)
        self._review = window
        window.show()
        return window

    def open_privacy(self, tab: str = "ledger") -> None:
        from cuecard.ui.desktop.privacy_panel import PrivacyPanel

        panel = PrivacyPanel(self.state, self)
        panel.show_tab(tab)
        self._privacy_panel = panel
        panel.erased.connect(self.on_erased)
        panel.show()

    def on_erased(self) -> None:
        self.state.clear_all()
        self.show_notice("all cuecard data on this device was erased", "info")

    # -- window state ----------------------------------------------------------
    def _restore_geometry(self) -> None:
        raw = self.prefs.get("geometry")
        if isinstance(raw, str):
            try:
                self.restoreGeometry(QByteArray(base64.b64decode(raw)))
                return
            except (ValueError, TypeError):
                pass
        self.resize(*DEFAULT_SIZE)

    def save_geometry(self) -> None:
        self.prefs["geometry"] = base64.b64encode(bytes(self.saveGeometry().data())).decode()
        save_prefs(self.prefs)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.help_overlay.isVisible():
            self.help_overlay.setGeometry(self.root.rect().adjusted(16, 16, -16, -16))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        self.bridge.stop()
        if self.global_keys is not None:
            self.global_keys.close()
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)


def linked(message: str) -> str:
    """The message as rich text, with each place in the app it names made a link to it."""
    text = html.escape(message)
    text = re.sub(r"Settings › (\w+)", r"<a href='settings:\1'>Settings › \1</a>", text)
    text = re.sub(r"privacy (light|panel)", r"<a href='privacy:ledger'>privacy \1</a>", text)
    return text


# -- the application ------------------------------------------------------------


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QApplication.setApplicationName("cuecard")
    QApplication.setOrganizationName("cuecard")
    return QApplication(argv if argv is not None else sys.argv[:1])


def run_app(*, demo: bool = False, fast: bool = False) -> int:
    """Open the overlay; the demo starts playing at once, ``app`` waits for Start.

    Listening starts only when the user presses Start: the microphone is never
    opened behind their back, and the first Start after setup starts listening.
    """
    from cuecard import config as config_mod

    try:
        cfg = config_mod.load()
    except config_mod.ConfigError as err:
        cfg = Config()
        problem = str(err)
    else:
        problem = ""
    app = make_app()
    spec = SessionSpec(kind="demo", realtime=not fast) if demo else SessionSpec(kind="live")
    window = OverlayWindow(cfg, default_spec=spec)
    window.show()
    if problem:
        window.show_notice(f"{problem}. cuecard uses its defaults until it is fixed", "error")
    if demo:
        window.start_session()
    else:
        from cuecard.ui.desktop.first_run import FirstRunDialog, needs_first_run

        if needs_first_run(window.prefs):
            dialog = FirstRunDialog(cfg, window)
            if dialog.exec():
                window.cfg = dialog.cfg
                window.apply_ui(dialog.cfg.ui)
                window.prefs["first_run_done"] = True
                save_prefs(window.prefs)
                window.show_notice("All set up. Press Start when your interview begins.", "info")
    return app.exec()
