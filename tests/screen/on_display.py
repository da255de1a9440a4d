"""Run on a real X display (the tests start Xvfb and run this in its own process, on
Qt's xcb platform: the pytest process itself is offscreen).

    python on_display.py read ID...      read these screens through capture.read_region
    python on_display.py show ID         show one screen; print its region; wait for stdin
    python on_display.py overlay ID      the overlay: idle, then Ctrl+Alt+S and a drag (XTest)
    python on_display.py overlay ID ask  … then the text edited and asked with Enter (the
                                         demo session answers, from config.toml's provider)

Each prints one JSON object per line on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
os.environ["QT_QPA_PLATFORM"] = "xcb"

from PySide6.QtWidgets import QApplication  # noqa: E402

from screen_pages import ScreenPage, char_accuracy, screens  # noqa: E402


def say(**data: Any) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shown(app: QApplication, screen_id: str) -> ScreenPage:
    screen = next(s for s in screens() if s.id == screen_id)
    page = ScreenPage(screen)
    page.setGeometry(0, 0, 1280, 800)
    page.show()
    settle(app)
    return page


def xtest_drag(x0: int, y0: int, x1: int, y1: int) -> None:
    """A real pointer drag, through the X server's XTEST extension (as a hand would)."""
    from Xlib import X, display
    from Xlib.ext import xtest

    d = display.Display()
    xtest.fake_input(d, X.MotionNotify, x=x0, y=y0)
    xtest.fake_input(d, X.ButtonPress, 1)
    d.sync()
    for i in range(1, 11):
        xtest.fake_input(d, X.MotionNotify, x=x0 + (x1 - x0) * i // 10, y=y0 + (y1 - y0) * i // 10)
        d.sync()
        time.sleep(0.02)
    xtest.fake_input(d, X.ButtonRelease, 1)
    d.sync()
    d.close()


def xtest_keys(*names: str) -> None:
    """Press these keys together and release them (Ctrl+Alt+S), through XTEST."""
    from Xlib import XK, X, display
    from Xlib.ext import xtest

    d = display.Display()
    codes = [d.keysym_to_keycode(XK.string_to_keysym(n)) for n in names]
    for code in codes:
        xtest.fake_input(d, X.KeyPress, code)
    d.sync()
    for code in reversed(codes):
        xtest.fake_input(d, X.KeyRelease, code)
    d.sync()
    d.close()


def main() -> None:
    mode, ids = sys.argv[1], sys.argv[2:]
    app = QApplication([])
    if mode == "read":
        from cuecard.screen.capture import Region, read_region
        from cuecard.screen.ocr import default_engine

        engine = default_engine()
        for screen_id in ids:
            page = shown(app, screen_id)
            text = read_region(Region.of(page.region), engine)
            say(id=screen_id, text=text,
                accuracy=char_accuracy(text, page.screen_.text, page.screen_.type))  # fmt: skip
            page.close()
    elif mode == "show":
        page = shown(app, ids[0])
        r = page.region
        say(id=ids[0], region=[r.x(), r.y(), r.width(), r.height()], text=page.screen_.text)
        sys.stdin.read()  # the test closes stdin when it is done
    elif mode == "overlay":
        overlay(app, ids[0], ask="ask" in ids[1:])
    os._exit(0)  # no Qt teardown of closed windows: PySide6 can crash in its finaliser


def overlay(app: QApplication, screen_id: str, *, ask: bool) -> None:
    from cuecard import config as config_mod
    from cuecard.ui.desktop.app import OverlayWindow
    from cuecard.ui.desktop.engine_thread import SessionSpec
    from cuecard.ui.desktop.privacy_panel import screen_line

    page = shown(app, screen_id)
    spec = SessionSpec(kind="demo", realtime=False)
    window = OverlayWindow(config_mod.load(), default_spec=spec, display=os.environ["DISPLAY"])
    window.setGeometry(900, 20, 360, 420)
    window.show()
    settle(app, 2.0)  # idle: nothing may read the screen on its own
    pickers = [w for w in app.topLevelWidgets() if w.objectName() == "regionPicker"]
    say(step="idle", read_at=window.screen_reader.last_read_at, pickers=len(pickers),
        privacy=screen_line(window.state.screen_read_at))  # fmt: skip
    xtest_keys("Control_L", "Alt_L", "s")
    settle(app, 1.0)
    pickers = [w for w in app.topLevelWidgets()
               if w.objectName() == "regionPicker" and w.isVisible()]  # fmt: skip
    say(step="key", pickers=len(pickers))
    r = page.region
    xtest_drag(r.left(), r.top(), r.right(), r.bottom())
    deadline = time.monotonic() + 120
    while window.screen_reader.busy or window.screen_reader.picker is not None:
        if time.monotonic() > deadline:
            break
        settle(app, 0.1)
    settle(app, 0.3)
    text = window.ask_box.text()
    say(step="read", text=text, read_at=window.state.screen_read_at,
        accuracy=char_accuracy(text, page.screen_.text, page.screen_.type),
        privacy=screen_line(window.state.screen_read_at),
        notice=window.notice.text())  # fmt: skip
    if ask:
        edit_and_ask(app, window, " Answer in two sentences.")



def edit_and_ask(app: QApplication, window: Any, addition: str) -> None:
    """Type ``addition`` at the end of the question box and press Enter, as the candidate
    would; report what the prompt inspector holds for that question once it is answered."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.ask_box.setFocus()
    window.ask_box.end(False)
    QTest.keyClicks(window.ask_box, addition)
    edited = window.ask_box.text()
    QTest.keyClick(window.ask_box, Qt.Key.Key_Return)
    deadline = time.monotonic() + 240
    card = None
    while time.monotonic() < deadline:
        settle(app, 0.2)
        card = window.state.card
        if card is not None and card.typed and card.done:
            break
    question_id = card.question.id if card is not None and card.typed else None
    inspected = [p.text for p in window.state.prompts if p.question_id == question_id]
    say(step="asked", edited=edited, question=card.question.text if card else None,
        inspected=inspected)  # fmt: skip
    window.bridge.stop()


if __name__ == "__main__":
    main()
