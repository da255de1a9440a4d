"""Screenshot every screen of the desktop app and measure the overlay's responsiveness.

Runs the real app path: the first run on whatever sound system there is (its
device test and check really listen), then the bundled demo through the real
pipeline with the egress guard armed, answers from whatever config.toml says,
then Settings, the privacy panel and an error state (a cloud provider with no
key). Needs a display: under CI, ``Xvfb :99 & DISPLAY=:99 QT_QPA_PLATFORM=xcb``.

    python tools/screenshots.py --out artifacts [--docs docs] [--realtime]

Writes ``first-run.png``, ``first-run-devices.png``, ``first-run-check.png``,
``overlay-dark.png`` and ``overlay-light.png`` (taken the moment an answer has
its first talking points and is still streaming), ``settings.png``,
``privacy.png``, ``error.png``, ``practice.png`` (two answers, synthesised with
espeak-ng, measured by the real practice session over the sample profile),
``review.png`` (the Review window over a sample practice review with progress),
and ``screenshots.json``: each window's size, and
the event loop's lateness, sampled by a 10 ms timer while answers stream (a grab
blocks the loop by design, so the tick after a grab is not counted).
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
    parser.add_argument("--docs", type=Path, default=None, help="also copy every shot here")
    parser.add_argument("--realtime", action="store_true", help="play the demo at real speed")
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument(
        "--whole", action="store_true", help="play the whole demo, not just until both shots"
    )
    args = parser.parse_args(argv)

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    from cuecard import config as config_mod
    from cuecard.events import Event, SuggestionDelta
    from cuecard.ui.desktop.app import OverlayWindow, make_app
    from cuecard.ui.desktop.engine_thread import SessionSpec

    cfg = config_mod.load()
    app = make_app()
    args.out.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, list[int]] = {}
    files: dict[str, str] = {}
    report: dict[str, object] = {"platform": QGuiApplication.platformName()}

    def wait(done: object, timeout: float) -> bool:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            app.processEvents()
            if done():  # type: ignore[operator]
                return True
            time.sleep(0.02)
        return False

    def shoot(widget: QWidget, name: str) -> None:
        wait(lambda: False, 0.3)  # let layouts settle and paint
        frame = widget.frameGeometry()
        sizes[name] = [frame.width(), frame.height()]
        image = widget.grab()  # the widget as drawn, whatever covers it on the screen
        path = args.out / f"{name}.png"
        image.save(str(path))
        files[name] = str(path)

    # Made before the first session arms the egress guard, which allows no other program.
    practice_answers = make_practice_answers(args.out)
    window = OverlayWindow(cfg, default_spec=SessionSpec(kind="demo", realtime=args.realtime))
    window.resize(560, 720)
    window.move(20, 20)
    window.show()
    report["first_run"] = first_run(window, cfg, shoot, wait)  # over the window, as the app

    themes = ["dark", "light"]
    shots: dict[str, str] = {}
    lateness: list[float] = []
    skip_tick = False
    last = time.perf_counter()

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
        files[f"overlay-{theme}"] = str(path)
        frame = window.frameGeometry()
        sizes[f"overlay-{theme}"] = [frame.width(), frame.height()]
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
    timer.stop()
    watch.stop()
    answers, listening = window.state.counts.answered, window.state.listening
    window.set_theme("dark")
    dialog = window.settings_dialog("Answers")
    dialog.move(20, 20)
    dialog.show()
    shoot(dialog, "settings")
    dialog.reject()
    window.open_privacy("ledger")
    panel = window._privacy_panel
    assert panel is not None
    panel.move(20, 20)
    shoot(panel, "privacy")
    panel.close()
    error_state(window, shoot, wait)
    report["practice"] = practice_and_review(window, shoot, wait, practice_answers)
    ordered = sorted(lateness)
    report.update(
        shots=shots,
        samples=len(ordered),
        max_late_ms=round(ordered[-1], 2) if ordered else None,
        p99_late_ms=round(ordered[int(0.99 * (len(ordered) - 1))], 2) if ordered else None,
        answers=answers,
        listening=listening,
        realtime=args.realtime,
        failure=failure[0] if failure else None,
        privacy_green=window.privacy_light.green,
        connections=window.privacy_light.allowed,
        wall_s=round(time.perf_counter() - t0, 1),
        sizes=sizes,
        files=files,
    )
    from cuecard.privacy.ledger import process_ledger

    report["blocked"] = [
        {"host": e.host, "port": e.port, "layer": e.layer, "reason": e.reason}
        for e in process_ledger().entries()
        if e.outcome == "blocked"
    ]
    window.close()
    (args.out / "screenshots.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.docs is not None:
        args.docs.mkdir(parents=True, exist_ok=True)
        for name, path in files.items():
            shutil.copyfile(path, args.docs / f"{name}.png")
    print(json.dumps(report))
    practised = report.get("practice")
    ok = isinstance(practised, dict) and practised.get("answered") == 2
    return 0 if len(shots) == 2 and not failure and ok else 1


def first_run(window: object, cfg: object, shoot: object, wait: object) -> dict[str, object]:
    """The wizard: welcome, the device lists after a real test, the check's verdict."""
    from cuecard.ui.desktop.first_run import FirstRunDialog

    wizard = FirstRunDialog(cfg, window)  # type: ignore[arg-type]
    wizard.move(20, 20)
    wizard.show()
    shoot(wizard, "first-run")  # type: ignore[operator]
    wizard.next()
    picker = wizard.devices.picker
    call = next((i for i in range(picker.call.count())
                 if "call" in picker.call.itemText(i).lower()), -1)  # fmt: skip
    if call >= 0:
        picker.call.setCurrentIndex(call)
    if picker.test_button.isEnabled():
        picker.test()
        wait(picker.test_button.isEnabled, 15)  # type: ignore[operator]
    shoot(wizard, "first-run-devices")  # type: ignore[operator]
    while wizard.currentPage() is not wizard.selftest:
        wizard.next()
    check = wizard.selftest
    if check.run_button.isVisible():
        check.start()
        wait(lambda: check.passed is not None, 120)  # type: ignore[operator]
    shoot(wizard, "first-run-check")  # type: ignore[operator]
    wizard.reject()  # a screenshot run changes no settings
    return {"problem": picker.found.problem, "verdicts": picker.verdicts(),
            "check_passed": check.passed, "check": check.instruction.text()}  # fmt: skip


def error_state(window: object, shoot: object, wait: object) -> None:
    """What the overlay shows when answers cannot come from the chosen provider."""
    from cuecard.config import Config
    from cuecard.ui.desktop.engine_thread import SessionSpec

    win = window  # an OverlayWindow
    cfg = Config.model_validate({"assist": {"provider": "openai"}})
    win.cfg = cfg  # type: ignore[attr-defined]
    win.start_session(SessionSpec(kind="demo", realtime=False))  # type: ignore[attr-defined]
    state = win.state  # type: ignore[attr-defined]
    wait(lambda: bool(state.notice) and state.card is not None and state.card.done, 90)  # type: ignore[operator]
    win.bridge.set_paused(True)  # type: ignore[attr-defined]
    win.refresh_now()  # type: ignore[attr-defined]
    shoot(win, "error")  # type: ignore[operator]
    win.bridge.stop()  # type: ignore[attr-defined]


def make_practice_answers(out: Path) -> Path:
    """Two answers synthesised with espeak-ng (tests/practice/answers.py), one recording."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from practice.answers import ANSWERS, build

    chosen = tuple(a for a in ANSWERS if a.name in ("rate-limiter", "disk-full"))
    return build(out / "practice-answers", Path(), chosen).path


def practice_and_review(window: object, shoot: object, wait: object,
                        answers: Path) -> dict[str, object]:  # fmt: skip
    """The Practice window after two answers, and the Review window over a sample review."""
    from cuecard.config import Config
    from cuecard.ui.desktop.engine_thread import SessionSpec
    from cuecard.ui.desktop.practice_page import PracticeWindow
    from cuecard.ui.desktop.review_page import ReviewWindow
    from practice.samples import sample_review

    spec = SessionSpec(kind="file", path=answers, realtime=False)
    practice = PracticeWindow(Config(), window, spec=spec, sample_profile=True)  # type: ignore[arg-type]
    practice.move(20, 20)
    practice.count.setValue(2)
    practice.voice.setChecked(False)  # a screenshot run makes no sound
    practice.keep.setChecked(False)  # nor keeps anything
    practice.show()
    practice.start()
    wait(lambda: practice.status.text().startswith("Practice over"), 180)  # type: ignore[operator]
    shoot(practice, "practice")  # type: ignore[operator]
    answered = len(practice.feedback)
    practice.close()
    review = ReviewWindow(window, load=False)  # type: ignore[arg-type]
    sample, points = sample_review()
    review.show_reviews([sample], points)
    review.move(20, 20)
    review.show()
    shoot(review, "review")  # type: ignore[operator]
    review.close()
    return {"answered": answered}


if __name__ == "__main__":
    sys.exit(main())
