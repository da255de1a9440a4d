"""What the fuzzers feed each parser, and what counts as a clean refusal.

Shared by the seeded slice in the suite (``tests/fuzz/test_parsers.py``) and
the long on-demand run (``bench/fuzz.py``): one list of targets, so the two
cannot drift. A target is a hypothesis strategy that draws raw input shaped
like what an attacker (or a broken export) hands cuecard, a function that runs
the real parser on it exactly as the CLI does, and the one error type that
parser is allowed to raise. Anything else escaping is a traceback the user
would see: a finding.

The strategies start from valid input and break it (deep nesting, duplicate
keys, lying header fields, zip entries of unknown versions) rather than from
uniform random bytes, which every parser rejects in its first byte.
"""

from __future__ import annotations

import contextlib
import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    run: Callable[[Any, Path], None]
    """Runs the real parser on one input; ``Path`` is a scratch folder it may write in."""
    allowed: tuple[type[BaseException], ...]
    """The errors that are a clean, one-line refusal."""


# -- config.toml: the loader and the comment-keeping writer ------------------------------

_KEYS = ["speech", "audio", "assist", "privacy", "ui", "a", "model", "provider", "fallback",
         "retention_days", "b.c", '"q"', "speech.model", "assist.openai"]
_VALUES = ['"x"', "1", "-1", "1e400", "nan", "inf", "true", "[]", "{}", '"tiny.en"',
           "1979-05-27T07:32:00Z", "0x7fffffffffffffffff", '"""a\nb"""', "'''c'''",
           '["openai", "offline"]', '{ a = 1, a = 2 }', "[1, 'a']", '"\\u0000"', '"\x1b]0;t\x07"']


@st.composite
def _toml(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        key = draw(st.sampled_from(_KEYS))
        if kind == 0:
            lines.append(f"[{key}]")
        elif kind == 1:
            lines.append(f"[[{key}]]")
        elif kind == 2:  # deep nesting: the RecursionError of the first pass
            depth = draw(st.integers(1, 3000))
            opener = draw(st.sampled_from(["[", "{a=", "[{b=", "{ c = ["]))
            lines.append(f"{key} = " + opener * depth)
        elif kind == 3:
            lines.append(f"{key} = {draw(st.sampled_from(_VALUES))}")
        elif kind == 4:
            lines.append(draw(st.text(max_size=40)))
        else:
            lines.append(f"{key} = {draw(st.sampled_from(_VALUES))}\n{key} = 2")
    return "\n".join(lines)


def _run_config(text: str, scratch: Path) -> None:
    from cuecard import config

    file = scratch / "config.toml"
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(config.ConfigError):  # a clean refusal; the writer gets its go
        config.load(file, create=False)
    # the writer reads the same file through tomlkit, a parser of its own
    config.update({"assist.provider": "offline"}, file=file)


CONFIG = Target("config", _toml(), _run_config, ())  # allowed filled below (lazy import)


# -- audio headers: WAV fields that lie ------------------------------------------------

@st.composite
def _wav(draw: st.DrawFn) -> bytes:
    tag = draw(st.sampled_from([0, 1, 2, 3, 6, 7, 17, 85, 99, 0xFFFE, 0xFFFF]))
    channels = draw(st.sampled_from([0, 1, 2, 3, 8, 255, 65535]))
    rate = draw(st.sampled_from([0, 1, 2, 100, 4000, 8000, 16000, 44100, 192000, 2**31, 2**32 - 1]))
    bits = draw(st.sampled_from([0, 1, 4, 8, 12, 16, 24, 32, 64, 65535]))
    align = draw(st.one_of(st.just(max(1, channels * bits // 8)), st.integers(0, 65535)))
    byte_rate = draw(st.one_of(st.just(rate * align % 2**32), st.integers(0, 2**32 - 1)))
    payload = draw(st.binary(max_size=4096))
    claimed = draw(st.one_of(st.just(len(payload)), st.integers(0, 2**32 - 1)))
    fmt = struct.pack("<HHIIHH", tag, channels, rate % 2**32, byte_rate, align % 65536, bits)
    if draw(st.booleans()):  # WAVE_FORMAT_EXTENSIBLE tail, sometimes truncated
        fmt += draw(st.binary(min_size=0, max_size=24))
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", claimed) + payload
    riff = draw(st.one_of(st.just(len(body)), st.integers(0, 2**32 - 1)))
    data = b"RIFF" + struct.pack("<I", riff) + body
    cut = draw(st.integers(12, len(data)))
    return data[:cut]


def _run_audio(data: bytes, scratch: Path) -> None:
    from cuecard.audio.files import open_recording

    file = scratch / "clip.wav"
    file.write_bytes(data)
    with open_recording(file) as rec:
        total = 0
        for block in rec.blocks(16_000):
            total += len(block)


AUDIO = Target("audio", _wav(), _run_audio, ())


# -- documents: Markdown/text and DOCX zips -----------------------------------------------

@st.composite
def _docx(draw: st.DrawFn) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        names = draw(st.lists(st.sampled_from([
            "[Content_Types].xml", "word/document.xml", "_rels/.rels", "word/styles.xml",
            "docProps/core.xml", "../evil.xml", "word/media/x.png"]), max_size=5, unique=True))
        for name in names:
            body = draw(st.one_of(
                st.just(b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
                        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hi</w:t>'
                        b"</w:r></w:p></w:body></w:document>"),
                st.binary(max_size=200),
            ))
            archive.writestr(name, body)
    data = bytearray(buf.getvalue())
    # flip a few bytes of the headers: versions, methods, flags, sizes
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return bytes(data)


def _run_document(item: tuple[str, bytes], scratch: Path) -> None:
    """The whole reader, as ``profile add`` runs it (DOCX through its sandboxed worker)."""
    from cuecard.profile.documents import load_chunks

    suffix, data = item
    file = scratch / f"doc{suffix}"
    file.write_bytes(data)
    load_chunks(file)


_PROSE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=2000
).map(lambda t: t.encode("utf-8"))
_MARKDOWN_BITS = st.lists(st.sampled_from([
    "# ", "## Story 1 – ", "### ", "**Situation:** ", "- ", "1. ", "```\n", "<!-- ", " -->",
    "Tags: a, b\n", "\n\n", "Pay-\nlane ", "\x1b]0;t\x07", "\u200b", "\ufeff", "| a | b |\n",
]), max_size=60).map(lambda parts: "".join(parts).encode("utf-8"))

DOCUMENTS = Target(
    "documents",
    st.tuples(st.sampled_from([".md", ".txt"]), st.one_of(st.binary(max_size=2000), _PROSE,
                                                          _MARKDOWN_BITS)),
    _run_document,
    (),
)
"""Markdown and text, in-process: the suite's DOCX case goes through the worker
(``DOCX_FULL``); the long run parses DOCX and PDF in-process (``DOCX``, ``PDF``)."""


def _run_docx_full(data: bytes, scratch: Path) -> None:
    _run_document((".docx", data), scratch)


DOCX_FULL = Target("docx-full", _docx(), _run_docx_full, ())


def _run_docx(data: bytes, scratch: Path) -> None:
    """The parent's zip check, then the worker's parser in this process (it must never raise)."""
    from cuecard.profile import extract
    from cuecard.profile.documents import ProfileError, docx_unzipped_size

    file = scratch / "doc.docx"
    file.write_bytes(data)
    try:
        docx_unzipped_size(file)
    except ProfileError:
        return
    extract.extract_docx(str(file))


DOCX = Target("docx", _docx(), _run_docx, ())

_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 72 712 Td (Paylane story) Tj ET\nendstream "
    b"endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R/Size 6>>\n%%EOF\n"
)


@st.composite
def _pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(_PDF)
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.integers(0, 2))
        if action == 0:
            data[at] = draw(st.integers(0, 255))
        elif action == 1:
            data[at:at] = draw(st.sampled_from(
                [b"999999999", b"-1", b"<<", b">>", b"[", b"R", b"/Length 99999999", b"\x00",
                 b"stream\n", b"1 0 R", b"/Encrypt 1 0 R", b"/Filter/FlateDecode"]))
        else:
            del data[at : at + draw(st.integers(1, 20))]
    return bytes(data)


def _run_pdf(data: bytes, scratch: Path) -> None:
    from cuecard.profile import extract

    file = scratch / "doc.pdf"
    file.write_bytes(data)
    extract.extract_pdf(str(file), 30, 200_000)


PDF = Target("pdf", _pdf(), _run_pdf, ())


def targets() -> list[Target]:
    """Every target with its allowed errors (imported lazily: the bench forks first)."""
    from cuecard.audio.errors import AudioError
    from cuecard.config import ConfigError
    from cuecard.profile.documents import ProfileError

    return [
        Target(CONFIG.name, CONFIG.strategy, CONFIG.run, (ConfigError,)),
        Target(AUDIO.name, AUDIO.strategy, AUDIO.run, (AudioError,)),
        Target(DOCUMENTS.name, DOCUMENTS.strategy, DOCUMENTS.run, (ProfileError,)),
        Target(DOCX_FULL.name, DOCX_FULL.strategy, DOCX_FULL.run, (ProfileError,)),
        Target(DOCX.name, DOCX.strategy, DOCX.run, ()),
        Target(PDF.name, PDF.strategy, PDF.run, ()),
    ]
