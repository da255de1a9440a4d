"""The user's documents as text, cut into retrieval units.

A résumé arrives as PDF, DOCX, Markdown or plain text. Every format is turned
into one light Markdown-like text (``#`` headings, paragraphs separated by
blank lines, ``- `` bullets), so one chunker serves them all and the text can be
cached beside the original file.

Chunks follow the document's own structure: a heading's section is one chunk
when it is short (a job, a skills list, a STAR story), long sections are packed
paragraph by paragraph up to about ``MAX_WORDS``, and tiny sibling sections
(education, languages) are merged so BM25 does not favour fragments.

Documents are untrusted input. Limits are checked before parsing, and PDF text
is extracted in a separate process with a hard time limit: one page with a
10 MB content stream keeps pypdf busy for about 45 s on a laptop, so a
cooperative deadline between pages is not enough. (A ``spawn`` child re-imports
``__main__``; where it cannot, a daemon thread with the same deadline reads the
PDF instead and is abandoned, not stopped, if it overruns.)
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import sys
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal, get_args

DocKind = Literal["resume", "job", "stories", "notes"]
DOC_KINDS: tuple[DocKind, ...] = get_args(DocKind)

MAX_BYTES = 20 * 1024 * 1024
"""Largest document read (20 MB): a résumé is kilobytes, a scanned book is not."""
MAX_PDF_PAGES = 100
MAX_CHARS = 1_000_000
"""Most text kept from one document: about 170,000 words, far beyond any profile."""
MAX_DOCX_UNZIPPED = 200 * 1024 * 1024
"""A DOCX is a zip; refuse one that inflates past this (a zip bomb)."""
PDF_TIMEOUT_S = 20.0
"""Hard limit on PDF text extraction; 100 ordinary pages take well under a second."""

MIN_WORDS = 60
MAX_WORDS = 200
STORY_MAX_WORDS = 400
"""A STAR story stays one chunk up to this length, so its parts are retrieved together."""

SUPPORTED: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}

_log = logging.getLogger(__name__)


class ProfileError(Exception):
    """A document cuecard cannot use, with one line that says what to do instead."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrieval unit of the user's profile.

    ``source`` is the document's file name, ``title`` the heading path inside
    it (" › " between levels), ``position`` the order in the document, so a
    chunk can always be traced back to where the user wrote it.
    """

    text: str
    source: str
    title: str = ""
    kind: DocKind = "notes"
    doc_id: str = ""
    position: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())


# ---------------------------------------------------------------------------
# Reading


def describe_size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def check_file(path: Path) -> str:
    """The format of ``path`` if cuecard can read it; raise ``ProfileError`` otherwise."""
    name = path.name
    if not path.exists():
        raise ProfileError(f"{path} not found: check the path and try again")
    if path.is_dir():
        raise ProfileError(f"{path} is a folder: add one document at a time")
    suffix = path.suffix.lower()
    if suffix == ".doc":
        raise ProfileError(f"{name} is an old Word format: save it as .docx or PDF and add that")
    fmt = SUPPORTED.get(suffix)
    if fmt is None:
        raise ProfileError(
            f"{name} is not a supported format: use PDF, DOCX, Markdown (.md) or plain text (.txt)"
        )
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ProfileError(
            f"{name} is {describe_size(size)}; cuecard reads documents up to "
            f"{describe_size(MAX_BYTES)} — export just your résumé pages"
        )
    return fmt


def read_text(path: Path, *, pdf_timeout_s: float = PDF_TIMEOUT_S) -> str:
    """The document as light Markdown: headings, paragraphs, bullets.

    Raises ``ProfileError`` with one actionable line for anything unreadable.
    """
    fmt = check_file(path)
    if fmt == "pdf":
        raw = _read_pdf(path, timeout_s=pdf_timeout_s)
        text = plain_to_markdown(raw)
    elif fmt == "docx":
        text = _read_docx(path)
    elif fmt == "markdown":
        text = strip_comments(_decode(path))
    else:
        text = plain_to_markdown(_decode(path))
    text = text.strip()
    if len(text) > MAX_CHARS:
        raise ProfileError(
            f"{path.name} has {len(text):,} characters of text; cuecard reads up to "
            f"{MAX_CHARS:,} — keep just what you would want in an interview"
        )
    if not re.search(r"\w", text):
        if fmt == "pdf":
            raise ProfileError(
                f"{path.name} has no text layer (it may be a scanned image): export it as a PDF "
                "with text from your editor, or paste it as text"
            )
        raise ProfileError(f"{path.name} has no text in it: write something first")
    return text


def strip_comments(markdown: str) -> str:
    """HTML comments are invisible in rendered Markdown, so they are not profile text."""
    return re.sub(r"<!--.*?-->", "", markdown, flags=re.S)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:4096]:
        raise ProfileError(
            f"{path.name} does not look like text: save it as plain text (UTF-8) or Markdown"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


PdfResult = tuple[Literal["ok", "encrypted", "damaged", "pages"], str]


def extract_pdf(path: str, max_pages: int, max_chars: int) -> PdfResult:
    """Text of a PDF, page by page; runs in the worker process.

    Returns a status instead of raising, so nothing unpicklable crosses the pipe.
    """
    import pypdf  # only the worker process needs it

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files log many warnings
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                    return ("encrypted", "")
            except Exception:
                return ("encrypted", "")
        pages = len(reader.pages)
        if pages > max_pages:
            return ("pages", str(pages))
        parts: list[str] = []
        size = 0
        failed = 0
        for page in reader.pages:
            try:
                text = page.extract_text() or ""
            except Exception:
                failed += 1
                continue
            parts.append(text)
            size += len(text)
            if size > max_chars:
                break
        if pages and failed == pages:
            return ("damaged", "")
        return ("ok", "\n\n".join(parts))
    except pypdf.errors.FileNotDecryptedError:
        return ("encrypted", "")
    except Exception:
        return ("damaged", "")


def _pdf_worker(path: str, max_pages: int, max_chars: int, conn: Connection) -> None:
    try:
        conn.send(extract_pdf(path, max_pages, max_chars))
    finally:
        conn.close()


def _too_slow(path: Path, timeout_s: float) -> ProfileError:
    return ProfileError(
        f"{path.name} took over {timeout_s:.0f} s to read (it may be very complex): "
        "save a simpler PDF or paste it as text"
    )


def _worker_can_start() -> bool:
    """False when a spawned child could not re-import ``__main__`` (``python -``, an embed)."""
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None):
        return True
    file = getattr(main, "__file__", None)
    return file is None or os.path.exists(file)


def _extract_in_process(path: Path, timeout_s: float) -> PdfResult | None:
    """Extraction in a spawned process that is killed at the deadline.

    ``None`` when the process could not run at all, so the caller can fall back.
    """
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_pdf_worker,
        args=(str(path), MAX_PDF_PAGES, MAX_CHARS, sender),
        daemon=True,
        name="cuecard-pdf",
    )
    try:
        proc.start()
    except (OSError, RuntimeError):
        receiver.close()
        sender.close()
        return None
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise _too_slow(path, timeout_s)
        try:
            result: PdfResult = receiver.recv()
        except (EOFError, OSError):
            return None  # the child died before answering (it catches every exception)
        return result
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)


def _extract_in_thread(path: Path, timeout_s: float) -> PdfResult:
    """The fallback: a daemon thread, abandoned (not stopped) at the deadline."""
    box: list[PdfResult] = []
    worker = threading.Thread(
        target=lambda: box.append(extract_pdf(str(path), MAX_PDF_PAGES, MAX_CHARS)),
        daemon=True,
        name="cuecard-pdf",
    )
    worker.start()
    worker.join(timeout_s)
    if not box:
        raise _too_slow(path, timeout_s)
    return box[0]


def _read_pdf(path: Path, *, timeout_s: float) -> str:
    started = time.monotonic()
    result = _extract_in_process(path, timeout_s) if _worker_can_start() else None
    if result is None:
        _log.info("pdf: no worker process, reading in a thread")
        result = _extract_in_thread(path, max(1.0, timeout_s - (time.monotonic() - started)))
    status, payload = result
    _log.debug("pdf %s: %s", path.suffix, status)  # never the text
    if status == "encrypted":
        raise ProfileError(
            f"{path.name} is password-protected: save an unprotected copy or paste it as text"
        )
    if status == "pages":
        raise ProfileError(
            f"{path.name} has {payload} pages; cuecard reads PDFs up to {MAX_PDF_PAGES} pages "
            "— export just your résumé pages"
        )
    if status == "damaged":
        raise ProfileError(
            f"{path.name} could not be read as a PDF (it may be damaged): "
            "save it again or paste it as text"
        )
    return str(payload)


def _read_docx(path: Path) -> str:
    damaged = ProfileError(
        f"{path.name} could not be read as a Word document (it may be damaged): "
        "save it again as .docx or paste it as text"
    )
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise damaged from None
    if unzipped > MAX_DOCX_UNZIPPED:
        raise ProfileError(
            f"{path.name} unpacks to {describe_size(unzipped)}; cuecard reads Word documents up "
            f"to {describe_size(MAX_DOCX_UNZIPPED)} unpacked — save just your résumé pages"
        )
    import docx  # heavy, and only needed here
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
        lines: list[str] = []

        def paragraph_line(par: Paragraph) -> str:
            text = par.text.strip()
            if not text:
                return ""
            style = (par.style.name if par.style is not None else "") or ""
            if style == "Title":
                return f"# {text}"
            match = re.fullmatch(r"Heading (\d)", style)
            if match:
                return "#" * min(6, int(match.group(1)) + 1) + f" {text}"
            if style.startswith("List"):
                return f"- {text}"
            return text

        def table_lines(table: Table) -> Iterator[str]:
            seen: set[int] = set()
            for row in table.rows:
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    for par in cell.paragraphs:
                        yield paragraph_line(par)
                    yield ""

        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(paragraph_line(block))
            else:
                lines.extend(table_lines(block))
            lines.append("")
    except ProfileError:
        raise
    except Exception:
        raise damaged from None
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Text normalisation

_BULLET = re.compile(r"^\s*(?:[-*+•●▪◦‣–—]|\d{1,2}[.)])\s+")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HR = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_SENTENCE_END = re.compile(r"[.!?:;)\"”']\s*$")


def _looks_like_heading(line: str) -> bool:
    """A short title-like line in text without markup ("EXPERIENCE", "Paylane — Backend")."""
    words = line.split()
    if not 1 <= len(words) <= 6 or len(line) > 60 or _BULLET.match(line):
        return False
    if re.search(r"[.,;!?:]$", line) or not re.search(r"[A-Za-z]", line):
        return False
    if line.isupper():
        return True
    significant = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return bool(significant) and all(w[0].isupper() for w in significant)


def plain_to_markdown(text: str) -> str:
    """Mark heading-like lines of PDF or plain text as ``##`` headings."""
    out: list[str] = []
    first = True
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            out.append("")
            continue
        if _looks_like_heading(line):
            out += ["", ("# " if first else "## ") + line, ""]
        else:
            out.append(line)
        first = False
    return "\n".join(out)


def clean_inline(text: str) -> str:
    """Markdown emphasis, links and code marks removed: chunks are plain text."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"</?(?:br|p|div|span|b|i|em|strong|u|sup|sub)\b[^>]*>", " ", text, flags=re.I)
    return re.sub(r"[ \t]+", " ", text).strip()


def _join_lines(lines: list[str]) -> str:
    """A paragraph's lines: wrapped lines joined, bullets and finished lines kept apart."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?", line):
            continue  # Markdown table separator row
        if line.startswith("|"):
            line = " | ".join(cell.strip() for cell in line.strip("|").split("|"))
        bullet = _BULLET.match(line)
        if bullet:
            line = "- " + line[bullet.end() :] if not bullet.group(0).strip()[0].isdigit() else line
        line = clean_inline(line)
        if not line:
            continue
        if out and not bullet and not _SENTENCE_END.search(out[-1]) and not line.startswith("- "):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


@dataclass(slots=True)
class _Section:
    path: tuple[str, ...]
    paragraphs: list[str]


def _sections(text: str) -> list[_Section]:
    sections = [_Section((), [])]
    stack: list[tuple[int, str]] = []
    para: list[str] = []
    fenced = False

    def flush() -> None:
        if para:
            joined = "\n".join(line.rstrip() for line in para) if fenced else _join_lines(para)
            if joined.strip():
                sections[-1].paragraphs.append(joined)
            para.clear()

    def open_heading(level: int, title: str) -> None:
        flush()
        while stack and stack[-1][0] >= level:
            stack.pop()
        title = clean_inline(title)
        if title:
            stack.append((level, title))
        sections.append(_Section(tuple(t for _, t in stack), []))

    for line in text.splitlines():
        if _FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        if fenced:
            para.append(line)
            continue
        atx = _ATX.match(line)
        if atx:
            open_heading(len(atx.group(1)), atx.group(2))
        elif re.fullmatch(r"\s*(=+|-+)\s*", line) and len(para) == 1:
            title = para.pop()
            open_heading(1 if "=" in line else 2, title)
        elif not line.strip() or _HR.match(line):
            flush()
        else:
            para.append(line)
    flush()
    return [s for s in sections if s.paragraphs]


# ---------------------------------------------------------------------------
# Chunking

STAR_LABELS = ("situation", "task", "action", "result")


def is_star_story(text: str) -> bool:
    """Three or more of Situation/Task/Action/Result written as labels."""
    found = {
        m.group(1).lower()
        for m in re.finditer(r"(?im)^(?:- )?(situation|task|actions?|results?)\b\s*[:—–-]", text)
    }
    return len({f.rstrip("s") if f != "results" else "result" for f in found}) >= 3


_SENTENCE_STOP = re.compile(r"[.!?][\"”')\]]*(?=\s+[\"“(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Sentences and bullet lines of a chunk, each an exact substring of it.

    Together they hold every non-space character of ``text``, in order.
    """
    out: list[str] = []
    for line in text.splitlines():
        start = 0
        for m in _SENTENCE_STOP.finditer(line):
            piece = line[start : m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out


def _words(text: str) -> int:
    return len(text.split())


def _pack(pieces: Iterable[str], limit: int, sep: str) -> list[str]:
    packs: list[str] = []
    current: list[str] = []
    count = 0
    for piece in pieces:
        n = _words(piece)
        if current and count + n > limit:
            packs.append(sep.join(current))
            current, count = [], 0
        current.append(piece)
        count += n
    if current:
        packs.append(sep.join(current))
    return packs


def _split_section(paragraphs: list[str]) -> list[str]:
    body = "\n".join(paragraphs)
    if _words(body) <= MAX_WORDS or (is_star_story(body) and _words(body) <= STORY_MAX_WORDS):
        return [body]
    pieces: list[str] = []
    for para in paragraphs:
        if _words(para) <= MAX_WORDS:
            pieces.append(para)
        else:
            pieces += _pack(sentences(para), MAX_WORDS, " ")
    return _pack(pieces, MAX_WORDS, "\n")


def chunk_text(text: str, source: str, *, kind: DocKind = "notes", doc_id: str = "") -> list[Chunk]:
    """Cut light Markdown into chunks of about MIN_WORDS..MAX_WORDS words."""
    sections = _sections(text)
    raw: list[tuple[tuple[str, ...], str]] = []
    for section in sections:
        raw += [(section.path, body) for body in _split_section(section.paragraphs)]

    # A document with one top heading (the name on a résumé) does not repeat it in every title.
    tops = {path[0] for path, _ in raw if path}
    strip_top = len(tops) == 1 and all(path for path, _ in raw[1:])

    merged: list[tuple[tuple[str, ...], list[str], str]] = []  # path, titles, body
    for path, body in raw:
        title = " › ".join(path[1:] if strip_top else path)
        if merged:
            prev_path, prev_titles, prev_body = merged[-1]
            small = _words(prev_body) < MIN_WORDS
            related = prev_path[:-1] == path[:-1] or path[: len(prev_path)] == prev_path
            if small and related and _words(prev_body) + _words(body) <= MAX_WORDS:
                titles = prev_titles
                if title and title not in titles:
                    titles = [*titles, title]
                merged[-1] = (path, titles, f"{prev_body}\n{body}")
                continue
        merged.append((path, [title] if title else [], body))

    return [
        Chunk(
            text=body,
            source=source,
            title=" / ".join(titles),
            kind=kind,
            doc_id=doc_id,
            position=i,
        )
        for i, (_, titles, body) in enumerate(merged)
    ]


def guess_kind(name: str, text: str) -> DocKind:
    """resume / job / stories / notes, from the file name first, then the content."""
    stem = " " + re.sub(r"[\W_]+", " ", Path(name).stem.lower()) + " "
    if re.search(r"r[eé]sum[eé]|\bcv\b|curriculum", stem):
        return "resume"
    if re.search(r"\bjobs?\b|posting|\bjd\b|description|vacanc|opening|\broles?\b", stem):
        return "job"
    if re.search(r"stor(y|ies)|\bstar\b|examples", stem):
        return "stories"
    lower = text.lower()
    if is_star_story(text):
        return "stories"
    if re.search(r"responsibilit|requirements|what you.ll do|we.re looking|about the role", lower):
        return "job"
    if "experience" in lower and ("education" in lower or "skills" in lower):
        return "resume"
    return "notes"


def load_chunks(
    path: Path, *, kind: DocKind | None = None, doc_id: str = ""
) -> tuple[DocKind, str, list[Chunk]]:
    """Read, classify and chunk one document: ``(kind, text, chunks)``."""
    text = read_text(path)
    doc_kind = kind or guess_kind(path.name, text)
    return doc_kind, text, chunk_text(text, path.name, kind=doc_kind, doc_id=doc_id)
