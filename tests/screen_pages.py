"""Screens as people see them, drawn by Qt on a real (Xvfb) display, for the OCR checks.

Each theme paints its own chrome (tab bar, gutter, header, sender name) around the
text, as the real apps do; the region a candidate would drag is the text's box plus
a small margin, so the chrome is on screen but outside the region. The texts come
from tests/data/screens.jsonl (sources in screens_SOURCES.md). Shared by
tests/screen/ and bench/screen.py.
"""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget
from rapidfuzz.distance import Levenshtein

DATA = Path(__file__).resolve().parent / "data" / "screens.jsonl"
PAD = 8
"""The margin a candidate leaves around the text when dragging."""


@dataclass(frozen=True, slots=True)
class Screen:
    id: str
    theme: str
    type: str
    """"code" or "prose": the accuracy bar differs (98 % and 99 %)."""
    text: str
    source: str
    split: str


def screens() -> list[Screen]:
    return [Screen(**json.loads(line)) for line in DATA.read_text(encoding="utf-8").splitlines()]


@dataclass(frozen=True, slots=True)
class Theme:
    background: str
    foreground: str
    family: str
    px: int
    line: float = 1.45
    bold: bool = False
    panel: str = ""
    """A second color for the text's own pane (chat bubble, problem pane)."""
    syntax: bool = False
    left: int = 80
    top: int = 90

    def dark(self) -> bool:
        return QColor(self.background).lightness() < 128


THEMES: dict[str, Theme] = {
    "editor-dark": Theme("#1e1e1e", "#d4d4d4", "DejaVu Sans Mono", 15, syntax=True, left=70),
    "coderpad": Theme("#ffffff", "#1f2328", "DejaVu Sans Mono", 14, syntax=True, left=60),
    "chat": Theme("#1a1a1a", "#e8e8e8", "DejaVu Sans", 14, panel="#2b2b2b", left=560, top=520),
    "slide": Theme("#f4f6fb", "#1d2b4f", "DejaVu Sans", 40, bold=True, left=140, top=260),
    "small": Theme("#ffffff", "#333333", "DejaVu Sans", 11, line=1.5, left=40, top=60),
    "problem-dark": Theme("#262626", "#eff1f6", "DejaVu Sans", 14, line=1.6, left=40),
}
_SYNTAX = {"keyword": "#569cd6", "string": "#ce9178", "comment": "#6a9955", "number": "#b5cea8"}
_SYNTAX_LIGHT = {
    "keyword": "#0000ff",
    "string": "#a31515",
    "comment": "#008000",
    "number": "#098658",
}
_TOKENS = re.compile(r"(#.*$)|('''|\"\"\"|'[^']*'|\"[^\"]*\")|(\b\d+\b)|(\b[A-Za-z_]\w*\b)|(.)")


class ScreenPage(QWidget):
    """One full-screen page showing ``screen.text`` in its theme; ``region`` is the text's box."""

    def __init__(self, screen: Screen) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.screen_ = screen
        self.theme = THEMES[screen.theme]
        self.font_ = QFont(self.theme.family)
        self.font_.setPixelSize(self.theme.px)
        self.font_.setBold(self.theme.bold)
        self.font_.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
        metrics = QFontMetrics(self.font_)
        self.step = round(self.theme.px * self.theme.line)
        lines = screen.text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        self.text_box = QRect(self.theme.left, self.theme.top, width, self.step * len(lines))
        self.region = self.text_box.adjusted(-PAD, -PAD, PAD, PAD)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        t = self.theme
        painter.fillRect(self.rect(), QColor(t.background))
        small = QFont("DejaVu Sans")
        small.setPixelSize(12)
        painter.setFont(small)
        chrome = QColor("#8a8a8a")
        painter.setPen(chrome)
        if t.syntax:  # a tab bar and a line-number gutter, outside the region
            painter.drawText(
                t.left, 40, "solution.py    tests.py" if t.dark() else "CoderPad · Python 3 · Run ▶"
            )
            for i in range(len(self.screen_.text.split("\n"))):
                painter.drawText(12, t.top + self.step * i + self.step - 6, f"{i + 1:>3}")
        elif self.screen_.theme == "chat":
            painter.fillRect(self.region.adjusted(-14, -34, 14, 14), QColor(t.panel))
            painter.drawText(
                self.region.left() - 4,
                self.region.top() - 14,
                "From Interviewer to Everyone   10:42",
            )
        elif self.screen_.theme == "problem-dark":
            painter.fillRect(QRect(0, 0, 640, self.height()), QColor(t.panel or "#262626"))
            painter.drawText(t.left, 40, "Description    Editorial    Solutions")
            painter.fillRect(QRect(660, 0, self.width() - 660, self.height()), QColor("#1e1e1e"))
        elif self.screen_.theme == "slide":
            painter.fillRect(QRect(0, self.height() - 40, self.width(), 40), QColor("#1d2b4f"))
        painter.setFont(self.font_)
        metrics = QFontMetrics(self.font_)
        palette = _SYNTAX if t.dark() else _SYNTAX_LIGHT
        for i, line in enumerate(self.screen_.text.split("\n")):
            y = (
                t.top
                + self.step * i
                + round((self.step + metrics.ascent() - metrics.descent()) / 2)
            )
            if not t.syntax:
                painter.setPen(QColor(t.foreground))
                painter.drawText(t.left, y, line)
                continue
            x = t.left
            for match in _TOKENS.finditer(line):
                token = match.group(0)
                word = bool(match.group(4)) and keyword.iskeyword(token)
                kind = ("comment" if match.group(1) else "string" if match.group(2) else
                        "number" if match.group(3) else "keyword" if word else "")  # fmt: skip
                painter.setPen(QColor(palette[kind]) if kind else QColor(t.foreground))
                painter.drawText(x, y, token)
                x += metrics.horizontalAdvance(token)
        painter.end()


def normalised(text: str, kind: str) -> str:
    """What accuracy compares: code keeps indentation and symbols, drops blank lines and
    trailing spaces (OCR sees no blank lines) and the indent common to every line
    (the region starts at the text, so a method's class indent is not on it); prose
    compares words, one space between."""
    if kind == "code":
        return textwrap.dedent(
            "\n".join(line.rstrip() for line in text.split("\n") if line.strip())
        )
    return " ".join(text.split())


def char_accuracy(read: str, truth: str, kind: str) -> float:
    """1 − edit distance / length of the rendered text, on the normalised forms."""
    a, b = normalised(read, kind), normalised(truth, kind)
    return 1.0 - Levenshtein.distance(a, b) / max(1, len(b))
