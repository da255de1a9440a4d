"""The desktop's Practice and Review windows, driven by a real practice session.

A recording of two answers (espeak-ng) stands in for the microphone (the same builder as
`practice --answers`); the real speech model measures them; the kept session is read back
from the real vault through the real keychain.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cuecard.config import Config
from cuecard.ui.desktop.app import OverlayWindow
from cuecard.ui.desktop.engine_thread import SessionSpec
from cuecard.ui.desktop.practice_page import PracticeWindow
from cuecard.ui.desktop.review_page import ReviewWindow
from practice.answers import ANSWERS, build
from practice.test_review import assert_self_contained


@pytest.fixture(scope="module")
def two_answers(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    chosen = tuple(a for a in ANSWERS if a.name in ("rate-limiter", "disk-full"))
    return build(tmp_path_factory.mktemp("ui-answers"), testdata, chosen).path


def test_practice_window_runs_a_mock_interview_and_review_reads_it_back(
    qtbot: QtBot, two_answers: Path, keychain: Any, tmp_path: Path
) -> None:
    spec = SessionSpec(kind="file", path=two_answers, realtime=False, tripwire=False)
    window = PracticeWindow(Config(), spec=spec)
    qtbot.addWidget(window)
    window.show()
    window.count.setValue(2)
    window.voice.setChecked(False)
    window.keep.setChecked(True)
    assert not window.coach.isEnabled()  # offline: there is no model to critique
    window.start_button.click()
    qtbot.waitUntil(lambda: window.status.text().startswith("Practice over"), timeout=180_000)
    assert len(window.feedback) == 2
    html = window.cards.toHtml()
    assert html.count("Next:") == 2
    assert window.question.text() and window.why.text()
    said = window.feedback[0].answer_text
    assert "seventy" in said.lower() or "70" in said
    assert "Kept" in window.status.text()
    window.close()

    review = ReviewWindow()
    qtbot.addWidget(review)
    review.show()
    assert review.sessions.count() == 1
    shown = review.view.toHtml()
    assert "Practice" in shown and "Next:" in shown and "<img" in shown
    page = tmp_path / "export.html"
    review.export_to(page)
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert_self_contained(page.read_text())
    review.close()


def test_the_review_list_shows_each_session_in_full(qtbot: QtBot) -> None:
    from practice.samples import sample_review

    review = ReviewWindow(load=False)
    qtbot.addWidget(review)
    sample, points = sample_review()
    review.show_reviews([sample], points)
    review.show()
    QApplication.processEvents()
    listing = review.sessions
    text = listing.item(0).text()
    assert text.endswith(f"{len(sample.answers)} answers"), text
    assert listing.sizeHintForColumn(0) <= listing.viewport().width(), text
    review.close()


def test_review_window_says_what_to_do_when_nothing_was_kept(qtbot: QtBot) -> None:
    review = ReviewWindow()
    qtbot.addWidget(review)
    assert "No session has been kept yet" in review.message.text()
    assert "Practice" in review.message.text()
    assert not review.export_button.isEnabled()


def test_overlay_menu_opens_practice_and_review(qtbot: QtBot) -> None:
    win = OverlayWindow(Config(), default_spec=SessionSpec(kind="demo", tripwire=False),
                        system_keys=False)  # fmt: skip
    qtbot.addWidget(win)
    win.resize(520, 640)
    win.show()
    QApplication.processEvents()
    menu = win.menu_button
    assert menu.isVisible() and menu.mapTo(win, menu.rect().topRight()).x() <= win.width()
    actions = {a.objectName(): a for a in menu.menu().actions()}
    assert set(actions) == {"menu_practice", "menu_review", "menu_help"}
    actions["menu_review"].trigger()
    assert isinstance(win._review, ReviewWindow)
    win._review.close()
    practice = win.open_practice()
    assert isinstance(practice, PracticeWindow)
    practice.close()
    win.close()
