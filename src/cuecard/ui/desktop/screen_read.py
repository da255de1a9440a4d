"""Read a question from the screen in the overlay: pick a region, OCR it off the GUI thread.

Only a key press (the system-wide Ctrl+Alt+S, rebindable) or a click on the
overlay's Screen button starts it; nothing here runs on a timer. The picture goes
from the picker to a worker thread and is dropped there once read; the text comes
back to the GUI thread through a signal, for the typed-question box.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from cuecard.screen.capture import CaptureError, Region, cannot_capture, grab, read_picture
from cuecard.screen.ocr import OcrEngine, OcrError, default_engine
from cuecard.screen.picker import RegionPicker


class ScreenReader(QObject):
    """One read at a time: ``read(text)`` or ``failed(one line)`` when it is done."""

    read = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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

    def pick(self) -> None:
        """Show the region picker (the Screen button, Ctrl+Alt+S)."""
        problem = self._ready()
        if problem:
            self.failed.emit(problem)
            return
        try:
            picker = RegionPicker()
        except CaptureError as err:
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
        try:
            image = grab(self.last_region)
        except CaptureError as err:
            self.failed.emit(str(err))
            return
        self._start(image)

    def _picked(self, region: Region, pixels: QImage) -> None:
        self.picker = None
        self.last_region = region
        self._start(pixels)

    def _cancelled(self) -> None:
        self.picker = None

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
