"""Screenshots of reading a question from the screen, for the README.

Shows a LeetCode-style problem (tests/data/screens.jsonl's ``problem-2`` beside a
dark editor), opens the overlay, presses Ctrl+Alt+S through the X server (XTEST),
drags over the problem and shoots: ``screen-pick.png`` (the picker mid-drag, whole
screen), ``screen-read.png`` (the overlay with the text read in its question box)
and ``screen-privacy.png`` (the privacy panel's line about the last read). Needs a
display: ``Xvfb :99 -screen 0 1280x800x24 & DISPLAY=:99 python tools/screen_shots.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "screen"))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args(argv)
    from on_display import settle, shown, xtest_keys
    from PySide6.QtWidgets import QApplication
    from Xlib import X, display
    from Xlib.ext import xtest

    from cuecard.config import Config
    from cuecard.screen.capture import Region, grab
    from cuecard.ui.desktop.app import OverlayWindow

    app = QApplication([])
    page = shown(app, "problem-2")
    window = OverlayWindow(Config(), display=os.environ["DISPLAY"])
    window.setGeometry(750, 40, 520, 600)
    window.show()
    settle(app, 1.5)
    xtest_keys("Control_L", "Alt_L", "s")
    settle(app, 1.0)
    r = page.region
    d = display.Display()
    xtest.fake_input(d, X.MotionNotify, x=r.left(), y=r.top())
    xtest.fake_input(d, X.ButtonPress, 1)
    d.sync()
    for i in range(1, 11):
        xtest.fake_input(d, X.MotionNotify, x=r.left() + r.width() * i // 10,
                         y=r.top() + r.height() * i // 10)  # fmt: skip
        d.sync()
        settle(app, 0.03)
    settle(app, 0.3)
    args.out.mkdir(parents=True, exist_ok=True)
    grab(Region(0, 0, 1280, 800)).save(str(args.out / "screen-pick.png"))
    xtest.fake_input(d, X.ButtonRelease, 1)
    d.sync()
    deadline = time.monotonic() + 120
    while (window.screen_reader.busy or window.screen_reader.picker is not None) and (
        time.monotonic() < deadline
    ):
        settle(app, 0.1)
    settle(app, 0.5)
    window.grab().save(str(args.out / "screen-read.png"))
    window.open_privacy("ledger")
    settle(app, 1.0)
    panel = window._privacy_panel
    if panel is not None:
        panel.grab().save(str(args.out / "screen-privacy.png"))
    print(window.ask_box.text())
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
