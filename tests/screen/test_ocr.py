"""OCR on this device: code keeps its indentation and symbols, pictures never show in text.

In-process (Qt's offscreen platform): the picture is drawn into a QImage with the
editor's own monospaced font and read by the real Tesseract; tests/screen/
test_on_display.py does the same through a real X server and the capture path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from cuecard.screen.capture import SCALE, cannot_capture, prepare, read_picture
from cuecard.screen.ocr import Gray, OcrError, TesseractOcr, default_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from screen_pages import char_accuracy

CODE = (  # CPython 3.11 Lib/bisect.py, bisect_right's loop (PSF-2.0), with a type hint added
    "def bisect_right(a: list[int], x: int, lo: int = 0, hi: int | None = None) -> int:\n"
    "    if lo < 0:\n"
    "        raise ValueError('lo must be non-negative')\n"
    "    if hi is None:\n"
    "        hi = len(a)\n"
    "    while lo < hi:\n"
    "        mid = (lo + hi) // 2\n"
    "        if x < a[mid] and mid != hi:\n"
    "            hi = mid\n"
    "        else:\n"
    "            lo = mid + 1\n"
    "    return {'index': lo}['index']"
)


@pytest.fixture(scope="module")
def app() -> QGuiApplication:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QGuiApplication.instance()
    return existing if isinstance(existing, QGuiApplication) else QGuiApplication([])


def drawn(text: str, *, dark: bool, px: int = 15) -> QImage:
    lines = text.split("\n")
    image = QImage(1000, 40 + round(px * 1.5) * len(lines), QImage.Format.Format_RGB32)
    image.fill(QColor("#1e1e1e" if dark else "#ffffff"))
    painter = QPainter(image)
    font = QFont("DejaVu Sans Mono")
    font.setPixelSize(px)
    painter.setFont(font)
    painter.setPen(QColor("#d4d4d4" if dark else "#1f2328"))
    for i, line in enumerate(lines):
        painter.drawText(20, 30 + round(px * 1.5) * i, line)
    painter.end()
    return image


@pytest.mark.parametrize("dark", [True, False], ids=["dark editor", "light pad"])
def test_code_keeps_its_indentation_and_symbols(app: QGuiApplication, dark: bool) -> None:
    text = read_picture(drawn(CODE, dark=dark), default_engine())
    assert char_accuracy(text, CODE, "code") >= 0.98, text
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines]
    assert indents == [0, 4, 8, 4, 8, 4, 8, 8, 12, 8, 12, 4], text
    for symbol in ("->", "!=", "[", "]", "{", "}", "_", "//", "|", ":"):
        assert symbol in text, symbol


def test_a_dark_theme_is_turned_light_and_small_text_enlarged(app: QGuiApplication) -> None:
    image = drawn("x = 1", dark=True)
    gray = prepare(image)
    assert (gray.width, gray.height) == (
        round(image.width() * SCALE),
        round(image.height() * SCALE),
    )
    assert SCALE > 1
    assert gray.data[0] > 200  # the editor's near-black background now reads near-white


def test_a_picture_never_shows_in_a_repr_or_an_error() -> None:
    gray = Gray(2, 2, b"\x01\x02\x03\x04")
    assert repr(gray) == "Gray(2×2)"
    assert gray.pgm() == b"P5\n2 2\n255\n\x01\x02\x03\x04"
    with pytest.raises(ValueError, match="2×2 picture with 3 bytes"):
        Gray(2, 2, b"\x01\x02\x03")


def test_missing_tesseract_is_one_line_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no tesseract on it
    with pytest.raises(OcrError) as info:
        TesseractOcr()
    assert "\n" not in str(info.value) and "apt install tesseract-ocr" in str(info.value)


def test_without_a_display_capture_says_why_in_one_line(app: QGuiApplication) -> None:
    problem = cannot_capture()
    assert "no display" in problem and "\n" not in problem


def test_on_wayland_one_line_says_why_nothing_is_read(
    app: QGuiApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    problem = cannot_capture()
    assert "on Wayland" in problem and "--image" in problem and "\n" not in problem
