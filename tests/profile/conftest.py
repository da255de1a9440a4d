"""Real documents for the profile tests, written byte by byte.

reportlab is not a dependency, so ``write_pdf`` writes the smallest valid PDF
with real text objects (Helvetica, one ``'`` operator per line) and a correct
cross-reference table: pypdf reads it the way it reads a résumé exported from
a word processor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF whose page ``i`` shows the lines ``pages[i]`` as real text."""
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        shown = " ".join(f"{_pdf_string(line)} '" for line in lines)
        content = f"BT /F1 11 Tf 14 TL 72 760 Td {shown} ET".encode("latin-1")
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
            ).encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


WritePdf = Callable[[str, Sequence[Sequence[str]]], Path]
PdfBytes = Callable[[Sequence[Sequence[str]]], bytes]


@pytest.fixture
def make_pdf() -> PdfBytes:
    """``pdf_bytes`` as a fixture: test modules cannot import a conftest by name."""
    return pdf_bytes


@pytest.fixture
def write_pdf(tmp_path: Path) -> WritePdf:
    def write(name: str, pages: Sequence[Sequence[str]]) -> Path:
        path = tmp_path / name
        path.write_bytes(pdf_bytes(pages))
        return path

    return write
