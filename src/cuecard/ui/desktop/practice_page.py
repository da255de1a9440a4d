"""The Practice window: a mock interview on the microphone, feedback after each answer.

It runs a practice session through its own ``EngineBridge`` (its own thread and
loop, the same builder as ``cuecard practice``), so the window never waits on
the speech model or the voice. The question is large at the top, what the
candidate says appears under it as they speak, and each answer's feedback is
added below: length and pace, fillers, the STAR parts as four letters, the
story it told, and the one next step in bold.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cuecard.config import Config
from cuecard.events import (
    CoachNote,
    Event,
    Feedback,
    Notice,
    Question,
    SessionEnded,
    SessionStarted,
    Utterance,
    YourTurn,
)
from cuecard.practice.interview import DEFAULT_COUNT, DEFAULT_PAUSE_S, PracticeOptions
from cuecard.ui.desktop.engine_thread import EngineBridge, SessionSpec
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.widgets import named
from cuecard.ui.text import duration

KINDS: tuple[tuple[str, str | None], ...] = (
    ("Mixed, from your profile", None),
    ("Behavioural", "behavioural"),
    ("Technical", "technical"),
    ("Situational", "situational"),
    ("About you", "about-you"),
)
STAR = (("situation", "S"), ("task", "T"), ("action", "A"), ("result", "R"))


def feedback_html(n: int, fb: Feedback) -> str:
    """One answer's feedback as a card (Qt rich text)."""
    letters = "".join(
        f'<span style="background:{"#27ae60" if fb.star.get(p) else "#9aa5b1"};'
        f'color:white;font-weight:bold">&nbsp;{letter}&nbsp;</span>&nbsp;'
        for p, letter in STAR
    )
    fillers = ", ".join(f"{k} ×{v}" for k, v in fb.fillers.items()) or "none"
    rows = [
        f"<b>{n}. {escape(fb.question)}</b>",
        f"{duration(fb.duration_s)} · {fb.words} words · {fb.wpm:.0f} words a minute · "
        f"fillers: {escape(fillers)} ({fb.filler_confidence} confidence)",
        f"STAR {letters}" + (f" · story: {escape(fb.story)}" if fb.story else ""),
    ]
    if fb.long_pauses:
        rows.append("long pauses: " + ", ".join(f"{p:.1f} s" for p in fb.long_pauses))
    if fb.terms_used or fb.terms_missed:
        rows.append(f"job terms used: {escape(', '.join(fb.terms_used) or 'none')} · missed: "
                    f"{escape(', '.join(fb.terms_missed) or 'none')}")  # fmt: skip
    if fb.repeated:
        rows.append(f"repeated: {escape(', '.join(fb.repeated))}")
    if fb.follow_up:
        rows.append(f"<b>Follow-up: {escape(fb.follow_up)}</b>")
    rows.append(f'<span style="color:#e67e22"><b>Next: {escape(fb.next_step)}</b></span>')
    return "<p>" + "<br>".join(rows) + "</p>"


class PracticeWindow(QDialog):
    """Options, Start, the question, your answer as you speak, and feedback on each answer."""

    def __init__(
        self,
        cfg: Config,
        parent: QWidget | None = None,
        *,
        spec: SessionSpec | None = None,
        sample_profile: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("cuecard · practice")
        self.setObjectName("practiceWindow")
        self.cfg = cfg
        self.base_spec = spec or SessionSpec(kind="live")
        self.sample_profile = sample_profile or self.base_spec.kind == "demo"
        """Practise against the demo's sample profile (the demo, screenshots), not the user's."""
        self.bridge = EngineBridge(self)
        self.bridge.session_event.connect(self.on_event)
        self.bridge.listening.connect(self.on_listening)
        self.bridge.failed.connect(lambda reason: self.show_status(plain(reason), error=True))
        self.asked = 0
        self.feedback: list[Feedback] = []
        self.said: list[str] = []
        self.partial = ""
        self._build()
        self.resize(640, 720)

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        options = QHBoxLayout()
        self.kind = named(QComboBox(), "practiceKind")
        for label, _ in KINDS:
            self.kind.addItem(label)
        self.count = named(QSpinBox(), "practiceCount")
        self.count.setRange(1, 20)
        self.count.setValue(DEFAULT_COUNT)
        self.count.setSuffix(" questions")
        self.pause = named(QDoubleSpinBox(), "practicePause")
        self.pause.setRange(1.0, 15.0)
        self.pause.setSingleStep(0.5)
        self.pause.setDecimals(1)
        self.pause.setValue(DEFAULT_PAUSE_S)
        self.pause.setSuffix(" s pause ends")
        self.pause.setToolTip("Seconds of silence that end your answer (or press Done)")
        for widget in (self.kind, self.count, self.pause):
            options.addWidget(widget)
        options.addStretch(1)
        layout.addLayout(options)
        checks = QHBoxLayout()
        self.voice = named(QCheckBox("Read the questions aloud"), "practiceVoice")
        self.voice.setChecked(True)
        self.keep = named(QCheckBox("Keep for Review (encrypted)"), "practiceKeep")
        self.keep.setChecked(self.cfg.privacy.keep_sessions)
        provider = self.cfg.assist.provider
        label = (f"Coach's critique from {provider}" if provider != "offline"
                 else "Coach's critique (needs a model)")  # fmt: skip
        self.coach = named(QCheckBox(label), "practiceCoach")
        self.coach.setToolTip("Sends each answer's words to your configured model, through the "
                              "same privacy wrapper as live answers")  # fmt: skip
        self.coach.setEnabled(provider != "offline")
        for check in (self.voice, self.keep, self.coach):
            checks.addWidget(check)
        checks.addStretch(1)
        layout.addLayout(checks)

        buttons = QHBoxLayout()
        self.start_button = named(QPushButton("▶ Start practice"), "practiceStart")
        self.start_button.clicked.connect(self.toggle)
        self.done_button = named(QPushButton("Done answering"), "practiceDone")
        self.done_button.setToolTip("End this answer now instead of waiting for the pause")
        self.done_button.clicked.connect(self.done_answering)
        self.done_button.setEnabled(False)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.question = named(QLabel("Press Start: the questions come from your job "
                                     "description, your stories and common ones."),
                              "practiceQuestion")  # fmt: skip
        self.question.setWordWrap(True)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.question.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.4)
        font.setBold(True)
        self.question.setFont(font)
        layout.addWidget(self.question)
        self.why = named(QLabel(""), "practiceWhy")
        self.why.setWordWrap(True)
        layout.addWidget(self.why)
        self.status = named(QLabel(""), "practiceStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.answer = named(QTextBrowser(), "practiceAnswer")
        self.answer.setPlaceholderText("What you say appears here")
        self.answer.setMaximumHeight(140)
        layout.addWidget(self.answer)
        layout.addWidget(QLabel("Feedback"))
        self.cards = named(QTextBrowser(), "practiceFeedback")
        layout.addWidget(self.cards, 1)

    # -- commands ------------------------------------------------------------
    def options(self) -> PracticeOptions:
        return PracticeOptions(
            kind=KINDS[self.kind.currentIndex()][1],  # type: ignore[arg-type]
            count=self.count.value(), pause_s=self.pause.value(),
            voice=self.voice.isChecked(), coach=self.coach.isChecked() and self.coach.isEnabled(),
            sample_profile=self.sample_profile,
            follow_ups=self.base_spec.kind == "live",  # a recording has one answer a question
        )  # fmt: skip

    def toggle(self) -> None:
        if self.bridge.running:
            self.bridge.stop()
            return
        self.start()

    def start(self) -> None:
        self.asked = 0
        self.feedback.clear()
        self.cards.clear()
        self.said, self.partial = [], ""
        self.answer.clear()
        base = self.base_spec
        spec = SessionSpec(
            kind="file" if base.kind == "file" else "live", path=base.path,
            realtime=base.realtime, tripwire=base.tripwire, practice=self.options(),
            keep=self.keep.isChecked(),
        )  # fmt: skip
        self.bridge.start(spec, self.cfg)

    def done_answering(self) -> None:
        self.bridge.end_turn()

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #e74c3c;" if error else "")

    # -- events --------------------------------------------------------------
    def on_listening(self, value: str) -> None:
        running = value in ("loading", "listening", "paused")
        self.start_button.setText("■ Stop" if running else "▶ Start practice")
        coach_ok = self.cfg.assist.provider != "offline"
        for widget in (self.kind, self.count, self.pause, self.voice, self.keep, self.coach):
            widget.setEnabled(not running and (widget is not self.coach or coach_ok))
        if value == "loading":
            self.show_status("Loading the speech model and the voice…")
        elif value in ("ended", "failed"):
            self.done_button.setEnabled(False)
            if value == "ended":
                n = len(self.feedback)
                kept = " Kept: see it again in Review." if self.keep.isChecked() and n else ""
                self.show_status(f"Practice over: {n} answer{'s' if n != 1 else ''}.{kept}")

    def on_event(self, event: Event) -> None:
        match event:
            case SessionStarted():
                self.show_status("Listening.")
            case Question():
                self.asked += 1
                self.question.setText(event.text)
                why = next((q.why for i, q in self.bridge.practice_asked if i == event.id), "")
                self.why.setText(why)
                self.show_status(f"Question {self.asked} of {self.count.value()}: listen…")
                self.said, self.partial = [], ""
                self._show_answer()
                self.done_button.setEnabled(True)
            case YourTurn():  # the voice has finished: only now is the candidate heard
                self.show_status(f"Question {self.asked} of {self.count.value()}: answer out "
                                 f"loud; a {self.pause.value():g} s pause or Done ends your "
                                 "answer.")  # fmt: skip
            case Utterance() if event.speaker == "you":
                if event.final:
                    self.said.append(event.text)
                    self.partial = ""
                else:
                    self.partial = event.text
                self._show_answer()
            case Feedback():
                self.feedback.append(event)
                self.cards.append(feedback_html(len(self.feedback), event))
                self.done_button.setEnabled(False)
            case CoachNote():
                self.cards.append(f'<p style="color:#8e44ad"><b>Coach:</b> {escape(event.text)}'
                                  "</p>")  # fmt: skip
            case Notice():
                self.show_status(plain(event.message), error=event.level == "error")
            case SessionEnded():
                self.done_button.setEnabled(False)
            case _:
                pass

    def _show_answer(self) -> None:
        text = escape(" ".join(self.said))
        if self.partial:
            text += f' <span style="color:#7b8794"><i>{escape(self.partial)}</i></span>'
        self.answer.setHtml(text)

    def closeEvent(self, event: object) -> None:  # type: ignore[override]
        self.bridge.stop()
        super().closeEvent(event)  # type: ignore[arg-type]
