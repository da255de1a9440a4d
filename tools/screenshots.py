"""Screenshot the desktop overlay mid-answer (dark, then light) and measure its responsiveness.

Runs the real app path: the bundled demo through the real pipeline, the egress
guard armed, answers from whatever config.toml says (the offline engine by
default). Needs a display: under CI, ``Xvfb :99 & DISPLAY=:99 QT_QPA_PLATFORM=xcb``.

    python tools/screenshots.py --out artifacts [--docs docs/screenshot.png] [--realtime]

Writes ``overlay-dark.png`` and ``overlay-light.png`` (taken the moment an answer
has its first talking points and is still streaming) and ``screenshots.json``:
the event loop's lateness, sampled by a 10 ms timer while answers stream
(a grab blocks the loop by design, so the tick after a grab is not counted).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

TICK_MS = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("artifacts"))
    parser.add_argument("--docs", type=Path, default=None, help="also copy the dark shot here")
    parser.add_argument("--realtime", action="store_true", help="play the demo at real speed")
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument(
        "--whole", action="store_true", help="play the whole demo, not just until both shots"
    )
    args = parser.parse_args(argv)

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication

    from cuecard import config as config_mod
    from cuecard.events import Event, SuggestionDelta
    from cuecard.ui.desktop.app import OverlayWindow, make_app
    from cuecard.ui.desktop.engine_thread import SessionSpec

    cfg = config_mod.load()
    app = make_app()
    window = OverlayWindow(cfg, default_spec=SessionSpec(kind="demo", realtime=args.realtime))
    window.resize(560, 720)
    window.move(20, 20)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)

    themes = ["dark", "light"]
    shots: dict[str, str] = {}
    lateness: list[float] = []
    skip_tick = False
    last = time.perf_counter()
    report: dict[str, object] = {"platform": QGuiApplication.platformName()}

    def grab(theme: str) -> None:
        nonlocal skip_tick
        window.refresh_now()
        app.processEvents()  # let the refreshed widgets paint before the grab
        screen = window.screen()
        image = screen.grabWindow(window.winId()) if screen is not None else None
        if image is None or image.isNull():
            image = window.grab()
        path = args.out / f"overlay-{theme}.png"
        image.save(str(path))
        shots[theme] = str(path)
        skip_tick = True

    def on_event(event: Event) -> None:
        card = window.state.card
        if not isinstance(event, SuggestionDelta) or card is None or card.done or not themes:
            return
        if len(card.bullets) >= 2 and card.question.id not in seen:
            seen.add(card.question.id)
            theme = themes.pop(0)
            window.set_theme(theme)
            grab(theme)

    seen: set[int] = set()
    window.bridge.session_event.connect(on_event)  # after the window's own slot: state is current

    def tick() -> None:
        nonlocal last, skip_tick
        now = time.perf_counter()
        late_ms = (now - last) * 1000 - TICK_MS
        last = now
        if skip_tick:
            skip_tick = False
            return
        if window.state.card is not None and not window.state.card.done and window.state.streaming:
            lateness.append(max(0.0, late_ms))

    timer = QTimer(interval=TICK_MS)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start()

    failure: list[str] = []
    window.bridge.failed.connect(failure.append)

    def check_done() -> None:
        card = window.state.card
        shot_all = not themes and card is not None and card.done and not args.whole
        over = window.state.listening in ("ended", "failed")
        if shot_all or over or time.perf_counter() - t0 > args.timeout:
            app.quit()

    t0 = time.perf_counter()
    watch = QTimer(interval=200)
    watch.timeout.connect(check_done)
    watch.start()
    window.start_session()
    app.exec()

    window.bridge.stop()
    ordered = sorted(lateness)
    report.update(
        shots=shots,
        samples=len(ordered),
        max_late_ms=round(ordered[-1], 2) if ordered else None,
        p99_late_ms=round(ordered[int(0.99 * (len(ordered) - 1))], 2) if ordered else None,
        answers=window.state.answers,
        listening=window.state.listening,
        realtime=args.realtime,
        failure=failure[0] if failure else None,
        privacy_green=window.privacy_light.green,
        connections=window.privacy_light.allowed,
        wall_s=round(time.perf_counter() - t0, 1),
    )
    from cuecard.privacy.ledger import process_ledger

    report["blocked"] = [
        {"host": e.host, "port": e.port, "layer": e.layer, "reason": e.reason}
        for e in process_ledger().entries()
        if e.outcome == "blocked"
    ]
    window.close()
    (args.out / "screenshots.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.docs is not None and "dark" in shots:
        args.docs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shots["dark"], args.docs)
    print(json.dumps(report))
    return 0 if len(shots) == 2 and not failure else 1


if __name__ == "__main__":
    sys.exit(main())
