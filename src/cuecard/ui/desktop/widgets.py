"""The overlay's parts: question card, talking points, transcript, meters, privacy light.

Each widget draws from the shared view state (``cuecard.ui.view``) and holds no
session logic, so the window decides when to redraw and a burst of events costs
one paint.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.theme import DARK, Theme
from cuecard.ui.text import clock
from cuecard.ui.view import Card, Line, section_label

KIND_LABELS = {
    "behavioural": "BEHAVIOURAL",
    "technical": "TECHNICAL",
    "situational": "SITUATIONAL",
    "about-you": "ABOUT YOU",
    "logistics": "LOGISTICS",
    "small-talk": "SMALL TALK",
}
SPEAKER_LABELS = {"interviewer": "Interviewer", "you": "You"}


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget the object name the stylesheet addresses it by."""
    widget.setObjectName(name)
    return widget


class QuestionCard(QFrame):
    """Top of the window: the question being answered, its kind and how sure the detector is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.kind = named(QLabel(), "questionKind")
        self.text = named(QLabel(), "questionText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(2)
        layout.addWidget(self.kind)
        layout.addWidget(self.text)
        self.show_card(None)

    def show_card(self, card: Card | None) -> None:
        if card is None:
            self.kind.setText("WAITING FOR A QUESTION")
            self.text.setText("Questions the interviewer asks appear here. You can also type "
                              "one in the box below.")  # fmt: skip
            return
        q = card.question
        kind = KIND_LABELS.get(q.kind, q.kind.upper())
        if card.typed:
            self.kind.setText(f"YOUR TYPED QUESTION · {kind}")
        else:
            early = " · early" if q.speculative else ""
            self.kind.setText(f"{kind} · {q.confidence:.0%}{early}")
        self.text.setText(q.text)


class Banner(QLabel):
    """A message under the controls: wrapped in full, or one line elided to fit (``compact``),
    the whole text in its tooltip. It elides itself whenever its width changes, with the
    font it really has, so a line is never clipped mid-word at the border."""

    def __init__(self, rich: Callable[[str], str] = html.escape) -> None:
        super().__init__()
        self.rich = rich
        self.message = ""
        self.shown = ""
        """The text on screen (``message``, elided when compact)."""
        self.compact = False
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        # Never wider than the window, whatever its text: one line is elided, not widened.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def show_message(self, message: str, *, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.setWordWrap(not compact)
            self.setProperty("compact", compact)
            # A re-polish keeps a label's old padding; a changed style sheet recomputes it.
            self.setStyleSheet("/* one line */" if compact else "/* in full */")
        self.message = message
        self._fit()

    def _fit(self) -> None:
        shown = self.message
        if self.compact:
            room = max(40, self.contentsRect().width() - 2)
            shown = self.fontMetrics().elidedText(shown, Qt.TextElideMode.ElideRight, room)
        self.shown = shown
        self.setToolTip(self.message if shown != self.message else "")
        text = self.rich(shown)
        if self.text() != text:
            self.setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.compact:
            self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.compact:
            self._fit()


class TalkingPoints(QFrame):
    """The middle: large bullets as they stream in, the fuller answer below a fold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("points")
        self.points = named(QLabel(), "pointsText")
        self.points.setWordWrap(True)
        self.points.setTextFormat(Qt.TextFormat.RichText)
        self.points.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.points.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.status = named(QLabel(), "answerStatus")
        self.fold = QToolButton()
        self.fold.setText("More ▾")
        self.fold.setCheckable(True)
        self.fold.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.fold.toggled.connect(self._toggle)
        self.fuller = named(QLabel(), "fuller")
        self.fuller.setWordWrap(True)
        self.fuller.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fuller.setVisible(False)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(12, 8, 12, 8)
        inner_layout.addWidget(self.points)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.fold)
        inner_layout.addLayout(row)
        inner_layout.addWidget(self.fuller)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        scroll.setStyleSheet(
            "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.bullets: list[str] = []
        self.theme: Theme = DARK
        self.lead_px = 13
        self.show_card(None)

    def _toggle(self, open_: bool) -> None:
        self.fold.setText("Less ▴" if open_ else "More ▾")
        self.fuller.setVisible(open_ and bool(self.fuller.text()))

    def show_card(self, card: Card | None) -> None:
        if card is None:
            self.bullets = []
            self.points.setText("")
            self.status.setText("")
            self.fuller.setText("")
            self.fold.setVisible(False)
            self.fuller.setVisible(False)
            return
        shown = card.shown
        t, px = self.theme, self.lead_px
        # Sections only grow at the end: offline notes stay where the reader found them,
        # a model's answer follows below its own heading, and notes it supersedes dim.
        answered = any(not s.notes and s.parts.bullets for s in shown)
        blocks: list[str] = []
        self.bullets = []
        for section in shown:
            parts = section.parts
            self.bullets.extend(parts.bullets)
            if len(shown) > 1:
                blocks.append(
                    f"<div style='color:{t.accent}; font-size:{px}px; font-weight:600; "
                    f"margin-top:4px'>{html.escape(section_label(section))}</div>"
                )
            blocks.extend(
                f"<div style='color:{t.muted}; font-size:{px}px'>{html.escape(line)}</div>"
                for line in parts.lead
            )
            colour = t.muted if section.notes and answered else t.text
            items = "".join(
                f"<li style='margin-bottom:6px; color:{colour}'>{html.escape(b)}</li>"
                for b in parts.bullets
            )
            if items:
                blocks.append(f"<ul style='margin-left:-18px'>{items}</ul>")
        if not self.bullets and not card.done:
            blocks.append(f"<div style='color:{t.muted}'>…</div>")
        self.points.setText("".join(blocks))
        self.status.setText(plain(card.status))
        fuller = card.parts.fuller
        self.fuller.setText(fuller)
        self.fold.setVisible(bool(fuller))
        self.fuller.setVisible(self.fold.isChecked() and bool(fuller))


class TranscriptView(QTextBrowser):
    """The live transcript: two colours by speaker, partials lighter; follows the end
    unless the user scrolled back to read something.

    Following is the user's choice, kept as state, not read off the scroll bar after the
    fact: when an answer took the transcript's room (the demo's first question, 8 s in)
    the bar was left mid-way, "not at the end" read as "the user scrolled back", and the
    demo's transcript stayed on its first lines for the whole interview. Every change of
    size or of the document's length now scrolls to the end while following.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self.setOpenLinks(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.theme: Theme = DARK
        self.lines_shown = 0
        self.following = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(lambda _lo, _hi: self._keep_end())
        bar.actionTriggered.connect(lambda _action: QTimer.singleShot(0, self._user_scrolled))

    def _user_scrolled(self) -> None:
        """The user moved the bar (wheel, drag, keys): follow again only at the end."""
        bar = self.verticalScrollBar()
        self.following = bar.value() >= bar.maximum() - 4

    def _keep_end(self) -> None:
        if self.following:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_end()

    def show_lines(self, lines: list[Line]) -> None:
        bar = self.verticalScrollBar()
        old = bar.value()
        t = self.theme
        parts = []
        for line in lines:
            colour = t.interviewer if line.speaker == "interviewer" else t.you
            light = t.interviewer_partial if line.speaker == "interviewer" else t.you_partial
            who = SPEAKER_LABELS[line.speaker]
            if line.final:
                said = f"<span style='color:{t.text}'>{html.escape(line.text)}</span>"
            else:
                said = (
                    f"<span style='color:{t.text}'>{html.escape(line.stable)}</span>"
                    f"<i style='color:{light}'>{html.escape(line.tentative)}</i>"
                )
            parts.append(
                f"<p style='margin:0 0 4px 0'><span style='color:{t.muted}'>"
                f"{clock(line.start_s)}</span>&nbsp;<b style='color:{colour}'>{who}</b>&nbsp; "
                f"{said}</p>"
            )
        self.setHtml("".join(parts))
        self.lines_shown = len(lines)
        bar.setValue(bar.maximum() if self.following else min(old, bar.maximum()))


class LevelMeter(QWidget):
    """A thin bar from -60 dBFS (silence) to 0 dBFS."""

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(colour)
        self.track = QColor("#444")
        self.dbfs = -100.0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(QSize(46, 8))

    def set_level(self, dbfs: float | None) -> None:
        value = -100.0 if dbfs is None else dbfs
        if abs(value - self.dbfs) >= 0.5:
            self.dbfs = value
            self.update()

    @property
    def fraction(self) -> float:
        return max(0.0, min(1.0, (self.dbfs + 60.0) / 60.0))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.track)
        r = QRectF(self.rect())
        p.drawRoundedRect(r, 3, 3)
        p.setBrush(self.colour)
        p.drawRoundedRect(QRectF(0, 0, r.width() * self.fraction, r.height()), 3, 3)
        p.end()


class PrivacyLight(QToolButton):
    """Green while every connection went to a configured provider; red once one was blocked.

    Click (``clicked``): open the ledger, so the user can see exactly what happened.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacyLight")
        self.blocked = 0
        self.allowed = 0
        self.programs = 0
        self.theme: Theme = DARK
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.set_counts(0, 0)

    def set_counts(self, allowed: int, blocked: int, programs: int = 0) -> None:
        """``blocked``: connections refused (the light turns red); ``programs``: program
        launches the guard refused, which send nothing anywhere (listed, light stays green)."""
        self.allowed, self.blocked, self.programs = allowed, blocked, programs
        colour = self.theme.bad if blocked else self.theme.ok
        label = f"● {blocked} blocked" if blocked else "● private"
        self.setText(label)
        self.setStyleSheet(f"QToolButton {{ color: {colour}; font-weight: 600; }}")
        if blocked:
            tip = f"{blocked} connection(s) blocked: click to see the ledger"
        else:
            tip = (f"every connection went to your configured providers ({allowed} so far); "
                   "click for the ledger")  # fmt: skip
        if programs:
            tip += f"; {programs} program launch(es) blocked (nothing was sent)"
        self.setToolTip(tip)

    @property
    def green(self) -> bool:
        return self.blocked == 0


def placeholder(text: str) -> QLabel:
    """What an empty pane says instead of showing an empty box."""
    label = QLabel(text)
    label.setObjectName("placeholder")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
