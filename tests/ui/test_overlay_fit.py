"""Offline notes fit the overlay: four 12-word bullets at 560x640, default font, no clipping.

They fit because the transcript gives the answer its room while an answer is shown
(``OverlayWindow.fit_answer``); it keeps its last three lines and gets its share back when
the card is cleared.

The answer area is a scroll area; if the notes needed scrolling the candidate would have to
reach for the mouse mid-call, so "fits" means its scroll bars have nothing to scroll. The
notes are the real offline engine's, for the demo questions over the bundled profile, plus
a worst case of four bullets of exactly 12 long words.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from cuecard.assist.offline import HEADER, MAX_BULLET_WORDS, compose
from cuecard.assist.prompting import build_prompt
from cuecard.config import Config
from cuecard.events import Question, SuggestionDone
from cuecard.profile.retrieval import ProfileIndex
from cuecard.profile.store import sample_chunks
from cuecard.ui.desktop.app import OverlayWindow
from cuecard.ui.desktop.engine_thread import SessionSpec

WIDTH = 560

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
    win.resize(WIDTH, 640)  # the window's own default height
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


def test_four_bullets_fit_the_answer_area_at_560_px(window: OverlayWindow) -> None:
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
