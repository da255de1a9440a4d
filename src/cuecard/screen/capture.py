"""Pictures of the screen, in memory only, and the one line that says why there are none.

Capture runs only when the candidate asks (a key press or a click); nothing here
starts a timer. A picture is a ``QImage`` for as long as it takes to turn it into
the grayscale bytes OCR reads (``prepare``), and both are dropped as soon as the
text is back (``read_region``): no file, no cache, no log line holds them.

X11, Windows and macOS: ``QScreen.grabWindow(0, …)`` (macOS asks once for the
Screen Recording permission). Wayland: compositors refuse that call (under XWayland it
sees only X11 windows), and the desktop portal's Screenshot interface hands the
picture over as a file on disk, which this feature promises never to write; so on
Wayland one line says so.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage

from cuecard.screen.ocr import Gray, OcrEngine

__all__ = ["CaptureError", "Region", "cannot_capture", "grab", "prepare", "read_image_file",
           "read_picture", "read_region"]  # fmt: skip

SCALE = 1.5
"""Pictures are read at 1.5× their size. On the tune screens (bench/screen.py, Tesseract
one thread): 1× dropped colons and spaces in 15 px editor text (``!= 0:`` read
``!= 0``) and scored 0.981/0.950/0.945; 1.5× 0.985/0.956/0.948; 2× 0.986/0.956/0.945
for 25 % more CPU (0.64 s against 0.51 s on a full 1280×800 editor)."""
MAX_SIDE = 3200
"""Longest side handed to OCR, in pixels; bounds latency for a whole 4K screen."""
MAX_FILE_BYTES = 40 * 1024 * 1024
"""``ask --image`` refuses bigger files: a screenshot is a few MB at most."""


class CaptureError(Exception):
    """No picture can be taken or read; the message is one line saying why."""


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle in the virtual desktop's coordinates (all screens together)."""

    x: int
    y: int
    width: int
    height: int

    @classmethod
    def of(cls, rect: QRect) -> Region:
        return cls(rect.x(), rect.y(), rect.width(), rect.height())

    def rect(self) -> QRect:
        return QRect(self.x, self.y, self.width, self.height)


WAYLAND = ("on Wayland cuecard cannot read the screen: the compositor gives screenshots only "
           "through the desktop portal, which saves them as files, and screen pictures must "
           "stay in memory; log in to an X11 session, or save a screenshot and use "
           "`cuecard ask --image FILE`")
"""Also under XWayland: there ``grabWindow`` sees only X11 windows (GNOME returns black)."""


def cannot_capture() -> str:
    """Why the screen cannot be read here, in one line; "" when it can."""
    if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return WAYLAND
    if QGuiApplication.instance() is None:
        return "reading the screen needs a display: run it from the desktop"
    platform = QGuiApplication.platformName()
    if platform == "wayland":
        return WAYLAND
    if platform in ("offscreen", "minimal") or not QGuiApplication.screens():
        return "there is no display to read (no DISPLAY or WAYLAND_DISPLAY): run it on a desktop"
    return ""


def grab(region: Region) -> QImage:
    """The pixels of ``region`` now, from whichever screen holds its centre."""
    problem = cannot_capture()
    if problem:
        raise CaptureError(problem)
    rect = region.rect()
    screen = QGuiApplication.screenAt(rect.center()) or QGuiApplication.primaryScreen()
    geometry = screen.geometry()
    local = rect.intersected(geometry).translated(-geometry.topLeft())
    if local.isEmpty():
        raise CaptureError("the region is off every screen: pick it again")
    image = screen.grabWindow(0, local.x(), local.y(), local.width(), local.height()).toImage()
    if image.isNull():
        if sys.platform == "darwin":
            raise CaptureError("macOS gave no picture: allow cuecard under System Settings › "
                               "Privacy & Security › Screen Recording")  # fmt: skip
        raise CaptureError("the window system gave no picture of the screen")
    return image


def prepare(image: QImage, scale: float | None = None) -> Gray:
    """The grayscale bytes OCR reads: dark themes turned light, small text enlarged."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    factor = min(SCALE if scale is None else scale, MAX_SIDE / max(gray.width(), gray.height()))
    if factor > 1.01:
        gray = gray.scaled(round(gray.width() * factor), round(gray.height() * factor),
                           Qt.AspectRatioMode.IgnoreAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)  # fmt: skip
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    raw = bytes(gray.constBits())
    data = (
        raw
        if stride == width
        else b"".join(raw[row * stride : row * stride + width] for row in range(height))
    )
    if _dark(data):
        data = data.translate(_INVERT)  # light text on dark: Tesseract reads dark on light best
    return Gray(width, height, data)


_INVERT = bytes(range(255, -1, -1))


def _dark(data: bytes) -> bool:
    """A dark theme: the mean of ~4096 evenly spread pixels is under mid-gray."""
    sample = data[:: max(1, len(data) // 4096)]
    return sum(sample) < 110 * len(sample)


def read_picture(image: QImage, engine: OcrEngine) -> str:
    """The text in ``image``; the grayscale copy is dropped before this returns."""
    gray = prepare(image)
    try:
        return engine.read(gray)
    finally:
        del gray


def read_region(region: Region, engine: OcrEngine) -> str:
    """Grab ``region`` now, read it, drop the picture; only the text comes back."""
    image = grab(region)
    try:
        return read_picture(image, engine)
    finally:
        del image


def read_image_file(path: str, engine: OcrEngine) -> str:
    """The text in a picture file the user chose (``cuecard ask --image``)."""
    try:
        size = os.path.getsize(path)
    except OSError as err:
        raise CaptureError(f"cannot read {path}: {err.strerror or err}") from err
    if size > MAX_FILE_BYTES:
        raise CaptureError(f"{path} is over {MAX_FILE_BYTES // 2**20} MB: crop it to the question")
    image = QImage(path)
    if image.isNull():
        raise CaptureError(f"{path} is not a picture cuecard can read (use PNG, JPEG or BMP)")
    try:
        return read_picture(image, engine)
    finally:
        del image
