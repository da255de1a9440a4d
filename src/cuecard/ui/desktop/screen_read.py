"""Read a question from the screen in the overlay: pick a region, OCR it off the GUI thread.

Only a key press (the system-wide Ctrl+Alt+S, rebindable) or a click on the
overlay's Screen button starts it; nothing here runs on a timer. The picture goes
from the picker to a worker thread and is dropped there once read; the text comes
back to the GUI thread through a signal, for the typed-question box.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from cuecard.screen.capture import CaptureError, Region, cannot_capture, grab, read_picture
from cuecard.screen.ocr import OcrEngine, OcrError, default_engine
from cuecard.screen.picker import RegionPicker


class ScreenReader(QObject):
    """One read at a time: ``read(text)`` or ``failed(one line)`` when it is done."""

    read = Signal(str)
    failed = Signal(str)

    STEP_ASIDE_MS = 150
    """How long the X server gets to repaint what the overlay covered before the grab."""

    def __init__(self, parent: QObject | None = None, *, overlay: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overlay = overlay
        """cuecard's own window: it steps aside while the screen is grabbed, or the
        question under it (the overlay is 520x640 and stays on top) would be read cut."""
        self._stepped_aside = False
        self.last_region: Region | None = None
        self.last_read_at: float | None = None
        """Wall-clock time of the last read (the privacy panel shows it); never the picture."""
        self.picker: RegionPicker | None = None
        self.busy = False
        self._engine: OcrEngine | None = None

    def _ready(self) -> str:
        """Why nothing can be read now, or ""."""
        if self.busy or self.picker is not None:
            return "already reading the screen"
        problem = cannot_capture()
        if problem:
            return problem
        if self._engine is None:
            try:
                self._engine = default_engine()
            except OcrError as err:
                return str(err)
        return ""

    def _step_aside(self, then: Callable[[], None]) -> None:
        """Hide the overlay, let what it covered repaint, then run ``then``."""
        if self.overlay is not None and self.overlay.isVisible():
            self.overlay.hide()
            self._stepped_aside = True
            QTimer.singleShot(self.STEP_ASIDE_MS, then)
        else:
            then()

    def _come_back(self) -> None:
        if self._stepped_aside and self.overlay is not None:
            self._stepped_aside = False
            self.overlay.show()  # shown without activation: focus stays where the user is

    def pick(self) -> None:
        """Show the region picker (the Screen button, Ctrl+Alt+S)."""
        problem = self._ready()
        if problem:
            self.failed.emit(problem)
            return
        self.busy = True  # until the picker is up: a second key press is "already reading"
        self._step_aside(self._open_picker)

    def _open_picker(self) -> None:
        self.busy = False
        try:
            picker = RegionPicker()
        except CaptureError as err:
            self._come_back()
            self.failed.emit(str(err))
            return
        self.picker = picker
        picker.picked.connect(self._picked)
        picker.cancelled.connect(self._cancelled)
        picker.show()
        picker.raise_()
        picker.activateWindow()

    def again(self) -> None:
        """Read the last region again, as it is now (the second shortcut)."""
        if self.last_region is None:
            self.failed.emit("pick a region first: use the Screen button or its shortcut")
            return
        problem = self._ready()
        if problem:
            self.failed.emit(problem)
            return
        self.busy = True
        self._step_aside(self._grab_again)

    def _grab_again(self) -> None:
        self.busy = False
        assert self.last_region is not None
        try:
            image = grab(self.last_region)
        except CaptureError as err:
            self.failed.emit(str(err))
            return
        finally:
            self._come_back()
        self._start(image)

    def _picked(self, region: Region, pixels: QImage) -> None:
        self.picker = None
        self._come_back()
        self.last_region = region
        self._start(pixels)

    def _cancelled(self) -> None:
        self.picker = None
        self._come_back()

    def _start(self, image: QImage) -> None:
        engine = self._engine
        assert engine is not None
        self.busy = True
        self.last_read_at = time.time()
        holder = [image]
        del image

        def work() -> None:
            try:
                text = read_picture(holder.pop(), engine)  # the thread holds the only reference
            except (OcrError, CaptureError) as err:
                self.busy = False
                self.failed.emit(str(err))
                return
            self.busy = False
            if text.strip():
                self.read.emit(text)
            else:
                self.failed.emit("no text was found there: drag over the question itself")

        threading.Thread(target=work, name="cuecard-ocr", daemon=True).start()
