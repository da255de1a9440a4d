"""Offline notes fit the overlay: four 12-word bullets at 520x640, default font, no clipping.

They fit because the transcript gives the answer its room while an answer is shown
(``OverlayWindow.fit_answer``); it keeps its last three lines and gets its share back when
the card is cleared.

The answer area is a scroll area; if the notes needed scrolling the candidate would have to
reach for the mouse mid-call, so "fits" means its scroll bars have nothing to scroll. The
notes are the real offline engine's, for the demo questions over the bundled profile, plus
a worst case of four bullets of exactly 12 long words.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from cuecard.assist.offline import HEADER, MAX_BULLET_WORDS, compose
from cuecard.assist.prompting import build_prompt
from cuecard.audio.levels import SilenceWatcher
from cuecard.clock import SessionClock
from cuecard.config import Config, UiConfig
from cuecard.events import Level, Notice, Question, SuggestionDone, Utterance
from cuecard.profile.retrieval import ProfileIndex
from cuecard.profile.store import sample_chunks
from cuecard.ui.desktop.app import DEFAULT_SIZE, MIN_SIZE, OverlayWindow
from cuecard.ui.desktop.engine_thread import SessionSpec
from cuecard.ui.desktop.plain import plain

WIDTH, HEIGHT = DEFAULT_SIZE

DEMO = [
    ("Tell me about a time you had a conflict with a teammate.", "behavioural"),
    ("How would you design a rate limiter for a public API?", "technical"),
    ("What would you do if production went down during your first week?", "situational"),
    ("Can you tell me about yourself?", "about-you"),
    ("Why do you want to work at Northwind?", "about-you"),
]
WORST = "\n".join(
    [
        HEADER,
        "Story: Reconciling settlement discrepancies across international subsidiaries",
        "- Situation: Quarterly settlement reports disagreed across twelve international "
        "subsidiaries",
        "- Task: Reconcile every discrepancy before the regulatory reporting deadline arrived",
        "- Action: Automated matching between ledgers, then investigated remaining exceptions",
        "- Result: Discrepancies resolved eleven days early, auditors accepted everything",
    ]
)
"""Four bullets of twelve long words each (8 letters on average), a long title."""


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[OverlayWindow]:
    win = OverlayWindow(Config(), default_spec=SessionSpec(kind="demo", tripwire=False))
    qtbot.addWidget(win)
    win.resize(WIDTH, HEIGHT)  # the window's own default size
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.bridge.stop()
    win.close()


def _show(win: OverlayWindow, qid: int, question: str, kind: str, answer: str) -> QScrollArea:
    win.on_event(Question(qid, question, kind, 0.9, qid, 0.0, 1.0, 1.0))  # type: ignore[arg-type]
    win.on_event(SuggestionDone(qid, answer, "offline", "notes", 2.0))
    win.refresh_now()
    for _ in range(5):
        QApplication.processEvents()
    scroll = win.points.findChild(QScrollArea)
    assert scroll is not None
    return scroll


def _notes() -> list[tuple[str, str, str]]:
    index = ProfileIndex(sample_chunks())
    return [(q, k, compose(build_prompt(q, k, index.search(q, 4, kind=k), []))) for q, k in DEMO]


def test_four_bullets_fit_the_answer_area_at_the_default_size(window: OverlayWindow) -> None:
    assert window.width() == WIDTH
    assert window.font_px == Config().ui.font_size  # the default size
    cases = [*_notes(), ("Tell me about a hard reconciliation.", "behavioural", WORST)]
    for qid, (question, kind, answer) in enumerate(cases, 1):
        bullets = [line for line in answer.split("\n") if line.startswith("- ")]
        assert len(bullets) <= 4, answer
        assert all(len(b[2:].split()) <= MAX_BULLET_WORDS for b in bullets), answer
        scroll = _show(window, qid, question, kind, answer)
        assert window.points.bullets, answer
        inner = scroll.widget()
        assert inner is not None
        needed = inner.sizeHint().height()
        shown = scroll.viewport().height()
        assert scroll.verticalScrollBar().maximum() == 0, (
            f"{question!r}: the notes need {needed} px, the answer area shows {shown} px"
        )
        assert scroll.horizontalScrollBar().maximum() == 0, question
    assert window.font_px == Config().ui.font_size  # nothing was made smaller to fit


def test_the_transcript_gets_its_room_back_and_a_dragged_split_is_kept(
    window: OverlayWindow,
) -> None:
    before = window.splitter.sizes()[1]
    _show(window, 1, "Tell me about a hard reconciliation.", "behavioural", WORST)
    during = window.splitter.sizes()[1]
    assert during < before
    assert during >= 3 * window.font_px  # still a few transcript lines
    window.clear()
    assert abs(window.splitter.sizes()[1] - before) <= 4
    window._split_moved(0, 1)  # the user dragged the handle
    window.splitter.setSizes([200, 300])
    chosen = window.splitter.sizes()
    _show(window, 2, "Tell me about a hard reconciliation.", "behavioural", WORST)
    assert window.splitter.sizes() == chosen


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _no_scrolling(win: OverlayWindow, what: str) -> None:
    scroll = win.points.findChild(QScrollArea)
    assert scroll is not None
    assert scroll.verticalScrollBar().maximum() == 0, (
        f"{what}: the notes need {scroll.widget().sizeHint().height()} px, "  # type: ignore[union-attr]
        f"the answer area shows {scroll.viewport().height()} px"
    )


def silence_warning(channel: str) -> Notice:
    """The warning exactly as the engine's silence watcher sends it, from real Levels."""
    watcher = SilenceWatcher(SessionClock(), 10.0)
    for step in range(60):  # both channels silent for 15 s (a call not yet started)
        for ch in ("interviewer", "you"):
            notice = watcher.feed(Level(ch, -90.0, step * 0.25))  # type: ignore[arg-type]
            if notice is not None and ch == channel:
                return notice
    raise AssertionError("the watcher never warned")


def test_a_warning_shrinks_to_one_line_beside_an_answer_and_clears_when_its_cause_ends(
    window: OverlayWindow, qtbot: QtBot
) -> None:
    # Before any answer there is room: the warning is shown in full, wrapped.
    warning = silence_warning("interviewer")
    window.on_event(warning)
    window.refresh_now()
    _settle()
    assert window.notice.isVisible() and window.notice.wordWrap()
    assert "interviewer" in window.notice.text()

    # With four long bullets on screen the answer keeps its room: one line, the rest in
    # its tooltip, and no scroll bar.
    _show(window, 1, "Tell me about a hard reconciliation.", "behavioural", WORST)
    _settle()
    assert window.notice.isVisible() and not window.notice.wordWrap()
    assert window.notice.height() <= 2.2 * window.notice.fontMetrics().height()
    assert window.notice.toolTip() == plain(warning.message)  # in the app's words
    shown = window.notice.shown
    assert shown.endswith("…") and len(shown) > 30  # elided with a mark, never clipped
    metrics = window.notice.fontMetrics()
    assert metrics.horizontalAdvance(shown) <= window.notice.contentsRect().width()
    _no_scrolling(window, "answer beside a one-line warning")

    # The interviewer is heard (a Level above the watcher's threshold, as the speech
    # stage sends four times a second): the banner is gone within 2 s.
    t0 = time.monotonic()
    window.on_event(Level("interviewer", -35.0, 16.0))
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=2_000)
    assert time.monotonic() - t0 < 2.0 and window.state.notice == ""
    _no_scrolling(window, "answer after the warning cleared")

    # A microphone warning is not cleared by the interviewer's words, only by the mic's.
    window.on_event(silence_warning("you"))
    window.on_event(Utterance(7, "interviewer", "So, tell me more.", True, 16.0, 17.0, 17.0))
    window.refresh_now()
    assert window.notice.isVisible()
    window.on_event(Utterance(8, "you", "Sure.", False, 17.0, 17.5, 17.5))
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=2_000)

    # Pausing ends every "no audio" warning's cause: nothing is captured.
    window.on_event(silence_warning("interviewer"))
    window.on_listening("paused")
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=2_000)

    # An info banner goes by itself; a warning without an end stays.
    window.on_event(Notice("info", "capturing the interviewer from 'Call Audio' again", 18.0))
    window.refresh_now()
    assert window.notice.isVisible() and window._info_timer.isActive()
    window._info_timer.timeout.emit()
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=2_000)


def elided(win: OverlayWindow) -> list[str]:
    """Every visible label or button whose text does not fit the room it was given, or
    whose font has no glyph for one of its characters."""
    out = []
    for widget in win.findChildren(QWidget):
        if not widget.isVisibleTo(win) or widget is win.notice:
            continue
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                short = widget.heightForWidth(widget.width()) > widget.height()
            else:
                short = widget.sizeHint().width() > widget.width()
        elif isinstance(widget, QAbstractButton) and widget.text():
            short = widget.sizeHint().width() > widget.width()
            metrics = widget.fontMetrics()
            missing = [c for c in widget.text() if not c.isspace()
                       and not metrics.inFontUcs4(ord(c))]  # fmt: skip
            if missing:  # drawn as an empty box: as unreadable as an elided word
                out.append(f"{type(widget).__name__} {widget.text()!r}: no glyph for {missing}")
        else:
            continue
        if short:
            need, has = widget.sizeHint().width(), widget.width()
            out.append(f"{type(widget).__name__} {widget.text()[:60]!r}: needs {need}, has {has}")
    return out


@pytest.mark.parametrize(
    "font_px", [Config().ui.font_size, 8], ids=["default-text", "smallest-text"]
)
def test_no_button_status_or_heading_is_elided_at_the_default_and_smallest_size(
    window: OverlayWindow, font_px: int
) -> None:
    """The window cannot be made smaller than its default (MIN_SIZE); at that size, in every
    listening state, with a long provider and model, blocked connections and a warning,
    every word shows in full, and the four long bullets still need no scroll bar."""
    from cuecard.ui.desktop.app import LISTENING_TEXT

    window.apply_ui(UiConfig(font_size=font_px))
    minimum = window.minimumSize()
    assert (minimum.width(), minimum.height()) == MIN_SIZE
    window.resize(*MIN_SIZE)
    _settle()
    assert (window.width(), window.height()) == MIN_SIZE
    window.privacy_light.set_counts(3, 12, 0)  # the widest it gets: "● 12 blocked"
    window.on_event(Question(1, "Tell me about a hard reconciliation.", "behavioural", 0.9, 1,
                             0.0, 1.0, 1.0))  # fmt: skip
    window.on_event(SuggestionDone(1, WORST, "anthropic", "claude-3-5-sonnet-latest", 2.0,
                                   input_tokens=123_456, output_tokens=7_890))  # fmt: skip
    window.on_event(silence_warning("you"))
    problems: list[str] = []
    for listening in LISTENING_TEXT:
        window.state.devices = {"you": "Virtual Mic", "interviewer": "Call Audio"} if (
            listening == "listening") else {}  # fmt: skip
        window.state.set_listening(listening)  # type: ignore[arg-type]
        window.on_listening(listening)
        window.refresh_now()
        _settle()
        problems += [f"{listening}: {p}" for p in elided(window)]
        _no_scrolling(window, f"{listening} at {font_px} px")
    assert not problems, "\n".join(problems)
