"""The overlay driven by the real demo session: real speech model, real offline engine.

Qt runs on the offscreen platform (tests/ui/conftest.py). The egress audit
hook stays off in this process (it can never be removed and would watch every
later test); the Xvfb test runs the window with it armed, in its own process.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollBar
from pytestqt.qtbot import QtBot

from cuecard.config import Config
from cuecard.events import Event, Level, Question, SuggestionDone
from cuecard.ui.desktop.app import OverlayWindow
from cuecard.ui.desktop.engine_thread import SessionSpec
from cuecard.ui.desktop.hotkeys import HELP_NOTES
from cuecard.ui.desktop.prefs import load_prefs
from live.pulse_server import PulseServer

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def show_active(win: OverlayWindow, qtbot: QtBot) -> None:
    """Shortcuts reach only the active window, as on a desktop."""
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()


def demo(realtime: bool) -> SessionSpec:
    return SessionSpec(kind="demo", realtime=realtime, tripwire=False)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[OverlayWindow]:
    from cuecard.privacy.ledger import process_ledger

    # The light reads this process's ledger, as in the app (one process, one user's run); here
    # earlier tests of the same process recorded blocked requests into it on purpose.
    process_ledger().clear()
    win = OverlayWindow(Config(), default_spec=demo(realtime=False))
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitActive(win)
    yield win
    win.bridge.stop()
    win.close()


class Recorder:
    """Every event the window received, in order (connected like the window is)."""

    def __init__(self, win: OverlayWindow) -> None:
        self.events: list[Event] = []
        win.bridge.session_event.connect(self.events.append)

    def done_for(self, question_id: int) -> int:
        return sum(
            1 for e in self.events if isinstance(e, SuggestionDone) and e.question_id == question_id
        )


def test_demo_shows_question_card_bullets_and_transcript(
    window: OverlayWindow, qtbot: QtBot
) -> None:
    rec = Recorder(window)
    window.start_session()
    qtbot.waitUntil(
        lambda: window.state.card is not None and bool(window.points.bullets), timeout=60_000
    )
    card = window.state.card
    assert card is not None
    window.refresh_now()
    # The card shows the detected question, its kind and confidence.
    assert window.question.text.text() == card.question.text
    assert "?" in card.question.text or card.question.kind == "behavioural"
    assert f"{card.question.confidence:.0%}" in window.question.kind.text()
    # At least one talking point, in the label the user reads, from the sample profile.
    shown = window.points.points.text()
    assert window.points.bullets and window.points.bullets[0][:30] in shown.replace("&amp;", "&")
    qtbot.waitUntil(lambda: window.state.listening == "ended", timeout=60_000)
    window.refresh_now()
    # Both speakers in the transcript, every final line on screen.
    speakers = {line.speaker for line in window.state.lines}
    assert speakers == {"interviewer", "you"}
    text = window.transcript.toPlainText()
    assert "Interviewer" in text and "You" in text
    assert "Northwind" in text  # the last question was transcribed and shown
    # The transcript followed the conversation: its last line is on screen at the end.
    view = window.transcript
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    bottom = view.cursorForPosition(QPoint(20, view.viewport().height() - 8))
    assert bottom.block().text().endswith(window.state.lines[-1].text[-20:])
    # Scrolled back by the user, it stays where they are reading.
    bar.triggerAction(QScrollBar.SliderAction.SliderPageStepSub)
    qtbot.waitUntil(lambda: not view.following, timeout=1_000)
    kept = bar.value()
    view.show_lines(list(window.state.lines))
    assert bar.value() == kept < bar.maximum()
    assert window.state.counts.answered >= 4  # the demo asks five questions
    assert "ended" in window.listening_label.text()
    assert window.privacy_light.green
    assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert len(rec.events) > 50


def test_a_long_interview_loses_no_reference_per_event(
    window: OverlayWindow, qtbot: QtBot
) -> None:
    """PySide6 6.12 loses a reference to ``True`` on every Python-side signal emit, which
    aborts the process ("deallocating True") after a few thousand events: a long interview.

    The whole path an event takes (engine thread → queue → queued wake-up → listeners →
    window) runs a few thousand times after the session is over, so a leak of one per event
    stands far above the tens that objects freed along the way move the count by.
    """
    rec = Recorder(window)
    window.start_session()
    qtbot.waitUntil(lambda: window.state.listening == "ended", timeout=60_000)
    replay = [e for e in rec.events  # levels are thinned by time; session bounds are once only
              if not isinstance(e, Level) and not type(e).__name__.startswith("Session")]
    assert len(replay) > 50
    rounds = 3000 // len(replay) + 1
    window.refresh_now()
    before, delivered = sys.getrefcount(True), len(rec.events)

    def engine_side() -> None:  # the engine thread's own sink, as a session calls it
        for _ in range(rounds):
            for event in replay:
                window.bridge._sink(event)

    worker = threading.Thread(target=engine_side)
    worker.start()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=60_000)
    qtbot.waitUntil(lambda: len(rec.events) - delivered == rounds * len(replay), timeout=60_000)
    window.refresh_now()
    events = len(rec.events) - delivered
    assert events >= 3000
    assert sys.getrefcount(True) > before - 200, (sys.getrefcount(True) - before, events)


def test_keyboard_answer_now_clear_pause_copy_regenerate_help_hide(
    window: OverlayWindow, qtbot: QtBot
) -> None:
    rec = Recorder(window)
    window.default_spec = demo(realtime=True)
    qtbot.keyClick(window, Qt.Key.Key_Space, CTRL | ALT)  # start listening
    qtbot.waitUntil(lambda: window.state.listening == "listening", timeout=30_000)

    # The greeting is not a question, so nothing is answered until the user asks.
    def greeting_final() -> bool:
        return any(ln.final and ln.speaker == "interviewer" for ln in window.state.lines)

    qtbot.waitUntil(greeting_final, timeout=20_000)
    assert window.state.card is None
    greeting = next(ln for ln in window.state.lines if ln.speaker == "interviewer")

    # Answer now: the interviewer's last turn becomes the question, and gets talking points.
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL | ALT)
    qtbot.waitUntil(lambda: window.state.card is not None, timeout=10_000)
    assert window.state.card is not None
    question = window.state.card.question
    assert question.utterance_id == greeting.id
    qtbot.waitUntil(lambda: rec.done_for(question.id) == 1, timeout=10_000)
    window.refresh_now()
    assert window.question.text.text() == question.text

    # Copy the answer.
    qtbot.keyClick(window, Qt.Key.Key_C, CTRL | SHIFT)
    assert QGuiApplication.clipboard().text() == window.state.card.answer.strip()
    assert QGuiApplication.clipboard().text()

    # Regenerate: the same question is answered again (same id, a second answer).
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: rec.done_for(question.id) == 2, timeout=10_000)
    assert sum(1 for e in rec.events if isinstance(e, Question) and e.id == question.id) == 2

    # Clear: the card is emptied, the transcript stays.
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.state.card is None
    assert window.points.bullets == []
    assert "WAITING" in window.question.kind.text()
    assert window.state.lines

    # Pause: audio is dropped, so nothing said while paused reaches the transcript. The
    # pause spans "Can you tell me about yourself?" (10.6 s to 12.6 s of the recording).
    qtbot.waitUntil(lambda: (window.bridge.session_time() or 0) >= 7.0, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Space, CTRL | ALT)
    paused_at = window.bridge.session_time()
    assert paused_at is not None
    assert window.bridge.paused and window.state.listening == "paused"
    qtbot.waitUntil(lambda: "paused" in window.listening_label.text(), timeout=1_000)
    qtbot.waitUntil(lambda: (window.bridge.session_time() or 0) >= 13.0, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Space, CTRL | ALT)
    resumed_at = window.bridge.session_time()
    assert resumed_at is not None and paused_at + 0.5 < 10.4 and resumed_at - 0.5 > 11.0
    assert not window.bridge.paused and window.state.listening == "listening"
    qtbot.waitUntil(  # listening again: speech after the pause is heard
        lambda: any(ln.start_s >= resumed_at - 0.5 for ln in window.state.lines), timeout=15_000
    )
    starts = [line.start_s for line in window.state.lines]
    assert not [s for s in starts if paused_at + 0.5 < s < resumed_at - 0.5], starts
    assert not any("yourself" in ln.text for ln in window.state.lines)

    # F1 shows the help overlay, which is honest about hotkeys and screen capture.
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.help_overlay.isVisible()
    assert "focus" in window.help_overlay.label.text()  # honest about where keys work here
    assert "Ctrl+Alt+H" in window.help_overlay.label.text()
    assert "no option to hide" in " ".join(HELP_NOTES)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.help_overlay.isVisible()

    # Hide: minimised (no tray on this platform), and shown again.
    qtbot.keyClick(window, Qt.Key.Key_H, CTRL | ALT)
    qtbot.waitUntil(lambda: window.isMinimized() or window.isHidden(), timeout=5_000)
    window.toggle_hidden()
    qtbot.waitUntil(lambda: not window.isMinimized() and window.isVisible(), timeout=5_000)
    window.bridge.stop()
    assert not window.bridge.running


def test_window_never_waits_for_the_model(window: OverlayWindow, qtbot: QtBot) -> None:
    """Starting returns at once (the model loads on the engine thread); stopping cancels
    the session mid-stream and unwinds promptly."""
    t0 = time.monotonic()
    window.start_session()
    assert time.monotonic() - t0 < 0.2
    assert window.state.listening == "loading"
    qtbot.waitUntil(lambda: bool(window.state.lines), timeout=60_000)
    t0 = time.monotonic()
    window.bridge.stop()
    assert not window.bridge.running and time.monotonic() - t0 < 5.0
    assert window.state.listening == "ended"


def test_geometry_is_remembered(qtbot: QtBot) -> None:
    first = OverlayWindow(Config())
    qtbot.addWidget(first)
    first.show()
    first.resize(611, 677)
    first.close()
    assert "geometry" in load_prefs()
    second = OverlayWindow(Config())
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (611, 677)
    second.close()


def test_first_start_after_setup_listens_and_a_second_press_while_loading_does_not_pause(
    qtbot: QtBot,
) -> None:
    win = OverlayWindow(Config(), default_spec=demo(realtime=True))
    qtbot.addWidget(win)
    show_active(win, qtbot)
    assert "no device open" in win.listening_label.text()  # nothing listens until asked
    assert "press Start" in win.listening_label.toolTip()
    assert not win.bridge.running
    qtbot.mouseClick(win.start_button, Qt.MouseButton.LeftButton)
    assert win.state.listening == "loading"
    qtbot.mouseClick(win.start_button, Qt.MouseButton.LeftButton)  # impatient: pressed again
    qtbot.waitUntil(lambda: win.state.listening != "loading", timeout=60_000)
    assert win.state.listening == "listening" and not win.bridge.paused
    win.refresh_now()
    assert "listening" in win.listening_label.text() and "Pause" in win.start_button.text()
    win.bridge.stop()
    win.close()


def test_a_typed_question_is_answered_like_a_spoken_one(qtbot: QtBot) -> None:
    win = OverlayWindow(Config(), default_spec=demo(realtime=True))
    qtbot.addWidget(win)
    show_active(win, qtbot)
    rec = Recorder(win)
    qtbot.keyClick(win, Qt.Key.Key_K, CTRL)  # focus the question box
    assert win.ask_box.hasFocus()
    # Typed before anything listens: a session with no audio source starts (nothing is
    # captured or played: the demo recording stays unplayed), and answers once it is ready.
    qtbot.keyClicks(win.ask_box, "What should I say if they ask about my salary expectations?")
    qtbot.keyClick(win.ask_box, Qt.Key.Key_Return)
    assert win.ask_box.text() == "" and win.bridge.running
    assert win.bridge.spec is not None and win.bridge.spec.kind == "typed"
    qtbot.waitUntil(lambda: win.state.card is not None and win.state.card.done, timeout=60_000)
    card = win.state.card
    assert card is not None and card.typed and card.bullets
    assert card.question.text == "What should I say if they ask about my salary expectations?"
    assert card.question.kind == "logistics"  # the same analysis as a spoken question
    assert rec.done_for(card.question.id) == 1
    win.refresh_now()
    assert "TYPED" in win.question.kind.text()
    assert win.state.listening == "typed" and not win.state.lines  # nothing was heard
    assert "no device open" in win.listening_label.text()
    # Start now listens for real, and the typed answer stays on screen meanwhile.
    qtbot.mouseClick(win.start_button, Qt.MouseButton.LeftButton)
    assert win.bridge.spec.kind == "demo" and win.state.card is card
    qtbot.waitUntil(lambda: bool(win.state.lines), timeout=60_000)
    win.bridge.stop()
    win.close()


def test_font_size_and_theme_come_from_config(qtbot: QtBot) -> None:
    cfg = Config.model_validate({"ui": {"theme": "light", "font_size": 30, "opacity": 0.8}})
    win = OverlayWindow(cfg)
    qtbot.addWidget(win)
    assert win.theme.name == "light"
    assert "font-size: 30px" in win.styleSheet()
    assert abs(win.windowOpacity() - 0.8) < 0.01
    show_active(win, qtbot)
    qtbot.keyClick(win, Qt.Key.Key_Equal, CTRL)
    assert win.font_px == 32
    win.close()


def test_an_error_names_the_place_that_fixes_it_and_opens_it(qtbot: QtBot) -> None:
    win = OverlayWindow(Config())
    qtbot.addWidget(win)
    win.show()
    win.show_notice("no openai key: run `cuecard keys set openai` (using the next provider)")
    win.refresh_now()
    shown = win.notice.text()
    assert "cuecard keys" not in shown and "href='settings:Keys'" in shown
    assert win.notice.isVisible()
    win.notice.linkActivated.emit("settings:Keys")  # what a click on the link does
    dialog = win._settings
    assert dialog is not None and dialog.isVisible() and dialog.page == "Keys"
    dialog.reject()
    win.close()


def test_a_typed_question_opens_no_device_and_pause_closes_both_streams(
    qtbot: QtBot, sound: PulseServer, testdata: Path
) -> None:
    """Checked through the real PulseAudio server's recording streams (source outputs)."""
    cfg = Config.model_validate({"audio": {"mic": "virtmic", "loopback": "call.monitor",
                                           "silence_warning_s": 2.0}})  # fmt: skip
    win = OverlayWindow(cfg, default_spec=SessionSpec(kind="live", tripwire=False))
    qtbot.addWidget(win)
    show_active(win, qtbot)
    opened: list[int] = []

    def answered() -> bool:
        opened.append(sound.recording_streams())
        return win.state.card is not None and win.state.card.done

    # A typed question is answered, and no stream was open on the server at any moment.
    win.ask_box.setText("How should I answer a question about my weaknesses?")
    win.ask_typed()
    qtbot.waitUntil(answered, timeout=60_000)
    assert set(opened) == {0} and win.state.listening == "typed"
    win.poll_devices()
    win.refresh_now()
    assert "no device open" in win.listening_label.text()

    # Start opens the microphone and the call; the status line and the privacy panel say so.
    qtbot.mouseClick(win.start_button, Qt.MouseButton.LeftButton)
    sound.wait_until(lambda: sound.recording_streams() == 2, 30, "both capture streams")
    qtbot.waitUntil(lambda: win.state.listening == "listening", timeout=30_000)

    def status_says(words: str) -> bool:
        win.poll_devices()
        win.refresh_now()
        return words in win.listening_label.text()

    qtbot.waitUntil(lambda: status_says("mic + call open"), timeout=2_000)
    win.open_privacy()
    panel = win._privacy_panel
    assert panel is not None
    panel.refresh()
    assert "Virtual Mic" in panel.devices_label.text()
    assert "Call Audio" in panel.devices_label.text()
    panel.close()

    # Nothing plays yet: the silence watcher warns. When the call and the voice start,
    # the banner is gone within 2 s of the audio arriving.
    qtbot.waitUntil(lambda: "No audio from" in win.state.notice, timeout=15_000)
    win.refresh_now()
    assert win.notice.isVisible()
    players = [sound.play("micfeed", testdata / "jfk.flac"),
               sound.play("call", testdata / "beckett.wav")]  # fmt: skip
    sound.wait_until(lambda: sound.playing() >= 2, 15, "both clips to play")
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: not win.notice.isVisible(), timeout=5_000)
    assert time.monotonic() - t0 < 2.0
    for proc in players:
        proc.terminate()
        proc.wait(10)

    # Pause closes both streams at once; Resume reopens them within a second.
    for paused, streams, words in ((True, 0, "no device open"), (False, 2, "mic + call open")):
        t0 = time.monotonic()
        qtbot.mouseClick(win.start_button, Qt.MouseButton.LeftButton)
        assert win.bridge.paused is paused
        sound.wait_until(lambda n=streams: sound.recording_streams() == n, 1.0,
                         f"{streams} capture streams")  # fmt: skip
        assert time.monotonic() - t0 < 1.0
        qtbot.waitUntil(lambda w=words: status_says(w), timeout=1_000)
    win.bridge.stop()
    assert sound.recording_streams() == 0
    win.close()
