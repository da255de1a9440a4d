"""Two small X11 programs for the focus test (tests/ui/test_desktop_focus.py).

``other``: a stand-in for the call app or editor the candidate types in (a window with
a text box); it prints ``ready WINID`` once it holds the keyboard and ``lost`` each time
it stops holding it. ``overlay``: the real cuecard overlay, driven by lines on stdin
(``hide``, ``show``, ``ask TEXT``), answering ``done …`` / ``answered`` on stdout.
Both run on Qt's xcb platform under the test's Xvfb and window manager.
"""

from __future__ import annotations

import os
import queue
import sys
import threading


def other() -> int:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QLineEdit

    app = QApplication(sys.argv[:1])
    box = QLineEdit()
    box.setWindowTitle("other-app")
    box.resize(300, 80)
    box.show()
    box.activateWindow()
    state = {"ready": False}

    def changed(window: object) -> None:
        if window is not None and not state["ready"]:
            state["ready"] = True
            print(f"ready {int(box.winId())}", flush=True)
        elif window is None and state["ready"]:
            print("lost", flush=True)

    QGuiApplication.instance().focusWindowChanged.connect(changed)  # type: ignore[union-attr]
    return app.exec()


def overlay() -> int:
    from PySide6.QtCore import QTimer

    from cuecard import config as config_mod
    from cuecard.ui.desktop.app import OverlayWindow, make_app
    from cuecard.ui.desktop.engine_thread import SessionSpec

    app = make_app()
    spec = SessionSpec(kind="demo", realtime=False, tripwire=False)
    win = OverlayWindow(config_mod.load(), default_spec=spec, display=os.environ["DISPLAY"])
    win.move(700, 50)
    win.show()
    commands: queue.SimpleQueue[str] = queue.SimpleQueue()

    def read() -> None:
        for line in sys.stdin:
            commands.put(line.strip())
        commands.put("quit")

    threading.Thread(target=read, daemon=True).start()
    waiting = {"answer": False}

    def poll() -> None:
        if waiting["answer"] and win.state.card is not None and win.state.card.done:
            waiting["answer"] = False
            print(f"answered {len(win.state.card.answer)}", flush=True)
        while not commands.empty():
            command = commands.get()
            if command == "quit":
                win.close()
                app.quit()
                return
            if command == "state":
                pass
            elif command in ("hide", "show"):
                win.trigger("toggle_hidden")
            elif command.startswith("ask "):
                win.ask_box.setText(command[4:])
                win.ask_typed()
                waiting["answer"] = True
            visible = win.isVisible() and not win.isMinimized()
            print(f"done {command.split()[0]} visible={visible}", flush=True)

    timer = QTimer(interval=20)
    timer.timeout.connect(poll)
    timer.start()
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(other() if sys.argv[1] == "other" else overlay())
