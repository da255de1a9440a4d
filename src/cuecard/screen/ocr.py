"""Text from a picture of the screen, read on this device.

The engine is Tesseract (Apache-2.0), run as the ``tesseract`` program from the
OS's own package (Debian/Ubuntu ``tesseract-ocr``): its English model comes in
that package, so nothing is downloaded at run time, and it adds no Python
dependency. It was chosen over ``rapidocr-onnxruntime`` by measurement on
rendered screens (``bench/screen.py``; figures in the README's "Questions on
screen" section): on the 26 screens Tesseract read code at 97.7 % and prose at
99.6 % (RapidOCR: 87 % and 78 %; its PP-OCRv4 recogniser, a Chinese+English model,
drops the spaces code needs: ``seen ={}``, ``return[]``), with 0.5 s of CPU per
1280×800 region; RapidOCR added 1.2 GB of resident memory to the process (Tesseract,
a child process, peaks at 99 MB and exits) and pulls ``opencv-python`` (~290 MB
installed, with a Qt of its own beside PySide6's). On macOS and Windows the same
program is found on PATH (Homebrew, the UB Mannheim installer).

The picture reaches Tesseract through a pipe (its standard input), never a
file; what comes back is TSV (every word with its box), from which the lines
are rebuilt with their indentation, because code keeps its meaning only with
it. Tesseract itself drops leading whitespace.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

__all__ = ["Gray", "OcrEngine", "OcrError", "TesseractOcr", "default_engine", "lines_from_tsv"]


class OcrError(Exception):
    """OCR cannot run here, or failed; the message is one line saying what to do."""


@dataclass(frozen=True, slots=True, repr=False)
class Gray:
    """An 8-bit grayscale picture, rows packed, in memory only.

    ``repr`` is the size alone, so a picture can never reach a log by accident.
    """

    width: int
    height: int
    data: bytes

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or len(self.data) != self.width * self.height:
            raise ValueError(f"{self.width}×{self.height} picture with {len(self.data)} bytes")

    def __repr__(self) -> str:
        return f"Gray({self.width}×{self.height})"

    def pgm(self) -> bytes:
        """The picture as binary PGM: the simplest format Tesseract reads from a pipe."""
        return b"P5\n%d %d\n255\n" % (self.width, self.height) + self.data


class OcrEngine(Protocol):
    """Reads the text in a picture. Implementations keep nothing after ``read`` returns."""

    name: str

    def read(self, image: Gray) -> str: ...


TESSERACT_TIMEOUT_S = 60.0
"""A 1280×800 region reads in about a second on 2 idle cores (bench/screen.py); a minute
means it is stuck, or the machine is swamped."""


@dataclass(frozen=True, slots=True)
class _Word:
    block: int
    par: int
    line: int
    left: int
    top: int
    width: int
    height: int
    text: str


def _words(tsv: str) -> list[_Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        words.append(_Word(int(cols[2]), int(cols[3]), int(cols[4]), int(cols[6]), int(cols[7]),
                           int(cols[8]), int(cols[9]), cols[11]))  # fmt: skip
    return words


_ALIGNED_GAP = 2.0
"""A gap of two characters or more is kept (aligned comments); anything less is one space.

Word boxes hug the ink, so a single space measures 1.2-1.6 characters."""


_TOUCHING = 0.6
"""Under 0.6 of a character apart, two "words" touched on screen: Tesseract splits a
colon or a dot from the word before it (``median(data) :``, ``Counter('a') .most_common``)
though no space was drawn; a drawn space measures over one character."""
_CLOSERS = frozenset(":.,;)]}")
_OPENERS = frozenset("([{.")


def _advance(rows: list[list[_Word]]) -> float:
    """The width of one character, from where words start.

    Between two words of a line separated by one space, the second starts
    ``len(first) + 1`` characters after the first: exact in a monospaced
    editor, the mean letter width in prose. Box widths alone come out short,
    since a box hugs the ink and leaves out the letters' side bearings.
    """
    steps = [(b.left - a.left) / (len(a.text) + 1) for ws in rows for a, b in pairwise(ws)]
    if steps:
        return max(1.0, statistics.median(steps))
    return max(1.0, statistics.median(w.width / len(w.text) for ws in rows for w in ws))


def lines_from_tsv(tsv: str) -> str:
    """The text of Tesseract's TSV, one line per line, indentation rebuilt from the boxes.

    The width of one character comes from where words start (``_advance``:
    exact for a monospaced editor, close enough for prose, where lines start
    flush anyway); a line's indent is its distance from the leftmost line
    in those widths. Lines are ordered top to bottom, so two columns Tesseract
    split into blocks still read in screen order.
    """
    words = _words(tsv)
    if not words:
        return ""
    groups: dict[tuple[int, int, int], list[_Word]] = {}
    for w in words:
        groups.setdefault((w.block, w.par, w.line), []).append(w)
    rows = sorted(groups.values(), key=lambda ws: (min(w.top for w in ws), ws[0].left))
    for ws in rows:
        ws.sort(key=lambda w: w.left)
    adv = _advance(rows)
    margin = min(ws[0].left for ws in rows)
    out = []
    for ws in rows:
        indent = max(0, round((ws[0].left - margin) / adv))
        parts = [ws[0].text]
        for prev, w in pairwise(ws):
            gap = (w.left - (prev.left + prev.width)) / adv
            if gap < _TOUCHING and (w.text[0] in _CLOSERS or prev.text[-1] in _OPENERS):
                parts.append(w.text)  # "data) :" was "data):" with no space between
            else:
                parts.append(" " * (1 if gap < _ALIGNED_GAP else min(round(gap), 8)) + w.text)
        out.append(" " * indent + "".join(parts))
    return "\n".join(out).translate(_STRAIGHT)


_STRAIGHT = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
)
"""Tesseract's English model often reads a straight quote as a curly one (``‘red'``);
code needs the straight ones, and a prompt loses nothing by them."""


class TesseractOcr:
    """Tesseract through its command line, the picture on stdin, the words on stdout."""

    name = "tesseract"

    def __init__(self, program: str | None = None, *, threads: int = 1) -> None:
        """``threads``: Tesseract's OpenMP threads. One: on the shared 2-core machine, two
        threads spent 8.2 s of CPU (p50) on a 1280×800 editor at 2× that one thread reads
        with 0.64 s (bench/screen.py): OpenMP's waiting threads spin."""
        found = program or shutil.which("tesseract")
        if found is None:
            raise OcrError(
                "reading the screen needs Tesseract OCR: install it with "
                "`sudo apt install tesseract-ocr` (Fedora: tesseract, Arch: tesseract-data-eng)"
            )
        self.program = found
        self.threads = threads

    def read(self, image: Gray) -> str:
        env = {
            k: v
            for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "TESSDATA_PREFIX")
        }
        env["OMP_THREAD_LIMIT"] = str(self.threads)
        try:
            done = subprocess.run(
                [self.program, "stdin", "stdout", "-l", "eng", "--psm", "6",
                 "-c", "preserve_interword_spaces=1", "tsv"],
                input=image.pgm(), capture_output=True, timeout=TESSERACT_TIMEOUT_S,
                env=env, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as err:
            raise OcrError(
                f"OCR took over {TESSERACT_TIMEOUT_S:.0f} s; try a smaller region"
            ) from err
        except OSError as err:
            raise OcrError(
                f"cannot run Tesseract ({err.strerror}); reinstall tesseract-ocr"
            ) from err
        if done.returncode != 0:
            last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [
                "no message"
            ]
            raise OcrError(f"Tesseract failed: {last[0][:200]}")
        return lines_from_tsv(done.stdout.decode("utf-8", "replace"))


def default_engine() -> OcrEngine:
    """The engine for this machine; ``OcrError`` (one line) when there is none."""
    return TesseractOcr()
