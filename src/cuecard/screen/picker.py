"""Drag a rectangle over the screen: the one way a region is chosen.

The picker first takes one picture of every screen through ``capture.grab`` and
shows it, dimmed, in a frameless full-screen window; the candidate drags a
rectangle (Esc or a right click cancels). The rectangle's pixels come from that
same picture, so what is read is exactly what was framed, even on an X server
with no compositor, where a see-through window would show black. The picture is
dropped when the picker closes.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QWidget

from cuecard.screen.capture import Region, grab

__all__ = ["MIN_SIDE", "RegionPicker"]

MIN_SIDE = 8
"""A drag smaller than this (pixels) is a stray click, not a region."""


class RegionPicker(QWidget):
    """A full-screen frozen picture of the desktop to drag a rectangle on.

    ``picked(Region, QImage)`` carries the region and its pixels; ``cancelled``
    says nothing was chosen. Raises ``CaptureError`` when nothing can capture.
    """

    picked = Signal(object, object)
    cancelled = Signal()

    def __init__(self) -> None:
        flags = Qt.WindowType
        super().__init__(None, flags.FramelessWindowHint | flags.WindowStaysOnTopHint | flags.Tool)
        self.setObjectName("regionPicker")
        self.setWindowTitle("cuecard: pick a region")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        screens = QGuiApplication.screens()
        area = QRect()
        for screen in screens:
            area = area.united(screen.geometry())
        self.area = area
        self.frozen = QImage(area.size(), QImage.Format.Format_RGB32)
        self.frozen.fill(QColor("black"))
        with _Painter(self.frozen) as painter:
            for screen in screens:
                geometry = screen.geometry()
                picture = grab(Region.of(geometry))
                painter.drawImage(geometry.topLeft() - area.topLeft(), picture)
        self.start: QPoint | None = None
        self.end: QPoint | None = None
        self.setGeometry(area)
        self._done = False

    def selection(self) -> QRect:
        if self.start is None or self.end is None:
            return QRect()
        return QRect(self.start, self.end).normalized()

    def paintEvent(self, event: QPaintEvent) -> None:
        with _Painter(self) as painter:
            painter.drawImage(0, 0, self.frozen)
            painter.fillRect(self.rect(), QColor(0, 0, 0, 110))
            chosen = self.selection()
            if not chosen.isEmpty():
                painter.drawImage(chosen.topLeft(), self.frozen.copy(chosen))
                painter.setPen(QPen(QColor("#4aa3ff"), 2))
                painter.drawRect(chosen.adjusted(0, 0, -1, -1))
            else:
                painter.setPen(QColor("white"))
                painter.drawText(self.rect().adjusted(0, 40, 0, 0),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                                 "Drag over the question to read it · Esc cancels")  # fmt: skip

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            self.cancel()
            return
        self.start = self.end = event.position().toPoint()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.start is not None:
            self.end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.start is None:
            return
        self.end = event.position().toPoint()
        self.finish(self.selection())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()

    def finish(self, local: QRect) -> None:
        """Hand over ``local`` (in this window's coordinates) and close."""
        if self._done:
            return
        if local.width() < MIN_SIDE or local.height() < MIN_SIDE:
            self.start = self.end = None
            self.update()
            return
        self._done = True
        pixels = self.frozen.copy(local)
        region = Region.of(local.translated(self.area.topLeft()))
        self._drop()
        self.picked.emit(region, pixels)

    def cancel(self) -> None:
        if not self._done:
            self._done = True
            self._drop()
            self.cancelled.emit()

    def _drop(self) -> None:
        self.frozen = QImage()
        self.close()


class _Painter(QPainter):
    def __enter__(self) -> QPainter:
        return self

    def __exit__(self, *_: object) -> None:
        self.end()


def pick_once() -> QImage | None:
    """Show the picker and wait: the chosen pixels, or None when cancelled.

    For the command line (``cuecard ask --screen``); needs a ``QApplication`` and
    a display (``capture.cannot_capture`` says why not, in one line).
    """
    from PySide6.QtCore import QEventLoop

    chosen: list[QImage] = []
    loop = QEventLoop()
    picker = RegionPicker()

    def picked(_region: Region, pixels: QImage) -> None:
        chosen.append(pixels)
        loop.quit()

    picker.picked.connect(picked)
    picker.cancelled.connect(loop.quit)
    picker.show()
    picker.raise_()
    picker.activateWindow()
    picker.grabKeyboard()
    loop.exec()
    return chosen[0] if chosen else None
