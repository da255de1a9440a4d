"""The user's documents as text, cut into retrieval units.

A résumé arrives as PDF, DOCX, Markdown or plain text. Every format is turned
into one light Markdown-like text (``#`` headings, paragraphs separated by
blank lines, ``- `` bullets), so one chunker serves them all and the text can be
cached beside the original file.

Chunks follow the document's own structure: a heading's section is one chunk
when it is short (a job, a skills list, a STAR story), long sections are packed
paragraph by paragraph up to about ``MAX_WORDS``, and tiny sibling sections
(education, languages) are merged so BM25 does not favour fragments.

Documents are untrusted input. Size limits are checked before parsing, and
PDF and DOCX text is extracted by ``cuecard.profile.extract`` in a subprocess
with a time and memory limit (``PARSE_TIMEOUT_S``, ``PARSE_MEMORY_BYTES``):
a document over either is refused with one line, never a traceback. On Linux
the memory limit is the worker's address space; on macOS only CPU time and
the wall clock bound it; on Windows the wall clock does.

Stories are the unit of retrieval: in a stories document every heading, at
any level and with or without a "Story:" / "Story 3 –" prefix, starts one story,
and so does a list item that is only bold text followed by STAR parts (a story
told as a nested list); a story is never split into or merged with another
(STAR sub-headings such as "### Action" stay inside their story). STAR parts are
read under the writer's own labels (Context, My part, What I did, Outcome, …) in
bold, italics or plain. A story's metadata lines (Tags, Skills, Competencies,
Date) leave its text and become hints for retrieval (``Chunk.labels``), never
shown. Résumés are cut by role (a heading, a "Title, 2019 – 2022" line or a bold
"**Title** | Company | dates" line), job descriptions by section, plain-text ones
by their usual section names ("About us", "What you'll do", "Requirements", …).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from cuecard.profile import extract as _extract

DocKind = Literal["resume", "job", "stories", "notes"]
DOC_KINDS: tuple[DocKind, ...] = get_args(DocKind)

MAX_BYTES = 20 * 1024 * 1024
"""Largest document read (20 MB): a résumé is kilobytes, a scanned book is not."""
MAX_PDF_PAGES = 100
MAX_CHARS = 1_000_000
"""Most text kept from one document: about 170,000 words, far beyond any profile."""
MAX_DOCX_UNZIPPED = 200 * 1024 * 1024
"""A DOCX is a zip; refuse one that inflates past this (a zip bomb)."""
PARSE_TIMEOUT_S = 10.0
"""Wall-clock (and CPU) limit on reading one PDF or DOCX; a real résumé takes under a second."""
PARSE_MEMORY_BYTES = 512 * 1024 * 1024
"""Address-space limit of the reader process (Linux): a résumé needs well under 150 MB."""

MIN_WORDS = 60
MAX_WORDS = 200
STORY_MAX_WORDS = 400
"""A résumé role stays one chunk up to this length."""
STORY_HARD_MAX_WORDS = 1500
"""A story is one chunk up to this length (a told story is 200–400 words); past it, it is
cut into parts that keep its title, and never share a chunk with another story."""

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
    story: bool = False
    labels: tuple[str, ...] = ()
    """Labels as the user wrote them: ``## Title (conflict, leadership)`` and a story's
    ``Tags:`` / ``Skills:`` / ``Competencies:`` lines. Retrieval reads them; nothing shows them."""
    group: str = ""
    """The heading a story sits under when the user grouped stories ("## Leadership")."""

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


def read_text(
    path: Path,
    *,
    pdf_timeout_s: float = PARSE_TIMEOUT_S,
    memory_bytes: int = PARSE_MEMORY_BYTES,
) -> str:
    """The document as light Markdown: headings, paragraphs, bullets.

    Raises ``ProfileError`` with one actionable line for anything unreadable.
    ``pdf_timeout_s`` bounds PDF and DOCX parsing alike.
    """
    fmt = check_file(path)
    if fmt == "pdf":
        raw = _read_pdf(path, timeout_s=pdf_timeout_s, memory_bytes=memory_bytes)
        text = plain_to_markdown(raw)
    elif fmt == "docx":
        text = _read_docx(path, timeout_s=pdf_timeout_s, memory_bytes=memory_bytes)
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


def _worker_env() -> dict[str, str]:
    """The environment for the reader: this cuecard importable, nothing else added."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding cuecard/
    paths_now = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = package_root + (os.pathsep + paths_now if paths_now else "")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _too_slow(path: Path, timeout_s: float) -> ProfileError:
    return ProfileError(
        f"{path.name} took over {timeout_s:.0f} s to read (it may be very complex): "
        "save a simpler copy (PDF or DOCX) or paste it as text"
    )


def _too_big(path: Path, memory_bytes: int) -> ProfileError:
    return ProfileError(
        f"{path.name} needs more than {describe_size(memory_bytes)} of memory to read (it may "
        "hide a very large or broken part): save a simpler copy or paste it as text"
    )


def _run_worker(path: Path, fmt: str, *, timeout_s: float, memory_bytes: int) -> tuple[str, str]:
    """``(status, text)`` from ``cuecard.profile.extract`` run as a bounded subprocess.

    The child caps its own memory and CPU time on POSIX (see that module); here
    the wall-clock deadline holds on every OS, Windows included.
    """
    cpu_s = max(1, math.ceil(timeout_s))
    command = [
        sys.executable,
        "-m",
        "cuecard.profile.extract",
        fmt,
        str(path.resolve()),
        str(MAX_PDF_PAGES),
        str(MAX_CHARS),
        str(memory_bytes),
        str(cpu_s),
    ]
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window flashing on Windows
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_worker_env(),
            creationflags=flags,
        )
    except OSError as err:  # includes a privacy policy that blocks starting programs
        raise ProfileError(
            f"could not start cuecard's document reader for {path.name} ({err.strerror or err}): "
            "paste the text into a .md or .txt file and add that"
        ) from None
    try:
        stdout, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise _too_slow(path, timeout_s) from None
    code = proc.returncode
    if code == _extract.MEMORY_EXIT:
        raise _too_big(path, memory_bytes)
    if code != 0 or not stdout:
        if os.name == "posix" and code in (-signal.SIGXCPU, -signal.SIGKILL):
            raise _too_slow(path, timeout_s)
        if code is not None and code < 0:  # killed by the OS: out of memory, most likely
            raise _too_big(path, memory_bytes)
        return ("damaged", "")
    try:
        result = json.loads(stdout.decode("utf-8"))
        return str(result["status"]), str(result["text"])
    except (ValueError, KeyError, TypeError):
        return ("damaged", "")


def _read_pdf(path: Path, *, timeout_s: float, memory_bytes: int) -> str:
    status, payload = _run_worker(path, "pdf", timeout_s=timeout_s, memory_bytes=memory_bytes)
    _log.debug("pdf: %s", status)  # never the text
    if status == "encrypted":
        raise ProfileError(
            f"{path.name} is password-protected: save an unprotected copy or paste it as text"
        )
    if status == "pages":
        raise ProfileError(
            f"{path.name} has {payload} pages; cuecard reads PDFs up to {MAX_PDF_PAGES} pages "
            "— export just your résumé pages"
        )
    if status == "memory":
        raise _too_big(path, memory_bytes)
    if status != "ok":
        raise ProfileError(
            f"{path.name} could not be read as a PDF (it may be damaged): "
            "save it again or paste it as text"
        )
    return payload


def _docx_damaged(path: Path) -> ProfileError:
    return ProfileError(
        f"{path.name} could not be read as a Word document (it may be damaged): "
        "save it again as .docx or paste it as text"
    )


def docx_unzipped_size(path: Path) -> int:
    """What a DOCX unpacks to, checked in this process before any worker parses it."""
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # NotImplementedError: an entry that claims a zip version or method Python lacks
        raise _docx_damaged(path) from None
    if unzipped > MAX_DOCX_UNZIPPED:
        raise ProfileError(
            f"{path.name} unpacks to {describe_size(unzipped)}; cuecard reads Word documents up "
            f"to {describe_size(MAX_DOCX_UNZIPPED)} unpacked — save just your résumé pages"
        )
    return unzipped


def _read_docx(path: Path, *, timeout_s: float, memory_bytes: int) -> str:
    docx_unzipped_size(path)
    status, text = _run_worker(path, "docx", timeout_s=timeout_s, memory_bytes=memory_bytes)
    _log.debug("docx: %s", status)
    if status == "memory":
        raise _too_big(path, memory_bytes)
    if status != "ok":
        raise _docx_damaged(path)
    return text


# ---------------------------------------------------------------------------
# Text normalisation

_BULLET = re.compile(r"^\s*(?:[-*+•●▪◦‣–—]|\d{1,2}[.)])\s+")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HR = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_SENTENCE_END = re.compile(r"[.!?:;)\"”']\s*$")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_\n]{2,120}?)(?:\*\*|__)\s*:?\s*$")
"""A line that is bold and nothing else: a heading written without heading syntax."""
_STORY_LINE = re.compile(
    r"^(?:star\s+)?(?:story|example)\s*#?\s*\d{0,2}\s*[:.)—–-]\s*\S", re.IGNORECASE
)
"""'Story: Missed deadline', 'Example 2 - The outage': a story title in plain text."""
_YEAR = re.compile(r"\b(?:19|20)\d\d\b|\bpresent\b|\bcurrent\b|\bnow\b", re.IGNORECASE)
_ROLE_LINE = re.compile(
    r"^\S.{2,80}\b(?:19|20)\d\d\s*(?:[-–—]|to)\s*(?:(?:19|20)\d\d|present|current|now)\b",
    re.IGNORECASE,
)
"""'Globex — Senior Engineer, 2021 – present': a role line in a résumé without markup."""


_SECTION_NAME = re.compile(
    r"^(?:about (?:us|the (?:role|team|company|job|position))|who we are"
    r"|our (?:mission|values|story|team|product|culture)|mission|values"
    r"|the role|role summary|position summary|summary"
    r"|overview|the opportunity|what you(?:'|’)?ll do|what you will do|responsibilities"
    r"|key responsibilities|duties|key objectives|requirements|qualifications"
    r"|minimum qualifications|preferred qualifications|nice to have|bonus points|who you are"
    r"|what we(?:'|’)?re looking for"
    r"|what you(?:'|’)?ll bring|skills|benefits|perks|compensation|how to apply|basic information"
    r"|experience|work experience|professional experience|education|projects)\s*:?$",
    re.IGNORECASE,
)
"""The usual section names of a job posting or résumé, in whatever case the writer used."""


def _looks_like_heading(line: str) -> bool:
    """A short title-like line in text without markup ("EXPERIENCE", "Globex — Backend")."""
    words = line.split()
    if not 1 <= len(words) <= 6 or len(line) > 60 or _BULLET.match(line):
        return False
    if _SECTION_NAME.match(line) or (line.isupper() and line.endswith(":") and len(words) <= 6):
        return True
    if re.search(r"\w:\s+\S", line):
        return False  # "Location: Anywhere (remote)": a field and its value, not a title
    if re.search(r"[.,;!?:]$", line) or not re.search(r"[A-Za-z]", line):
        return False
    if line.isupper():
        return True
    significant = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return bool(significant) and all(w[0].isupper() for w in significant)


def _looks_like_story_or_role(line: str) -> bool:
    """A story title or a résumé role line: longer than a heading, still a heading."""
    if _BULLET.match(line) or len(line.split()) > 16 or line.endswith((".", ",", ";")):
        return False
    return bool(_STORY_LINE.match(line) or _ROLE_LINE.search(line))


def plain_to_markdown(text: str) -> str:
    """Mark heading-like lines of PDF or plain text as Markdown headings."""
    out: list[str] = []
    first = True
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            out.append("")
            continue
        if _looks_like_story_or_role(line):
            out += ["", "### " + line, ""]
        elif _looks_like_heading(line) and not _star_heading(line):
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
        starts_part = bool(_STAR_LABEL_LINE.match(line)) or metadata(line) is not None
        if (
            out
            and metadata(out[-1]) is None
            and not bullet
            and not starts_part
            and not _SENTENCE_END.search(out[-1])
            and not line.startswith("- ")
        ):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------
# STAR parts

STAR_LABELS = ("situation", "task", "action", "result")
_STAR_SYNONYMS: dict[str, str] = {
    "situation": "situation",
    "context": "situation",
    "background": "situation",
    "setting": "situation",
    "task": "task",
    "problem": "task",
    "challenge": "task",
    "goal": "task",
    "objective": "task",
    "action": "action",
    "actions": "action",
    "approach": "action",
    "what i did": "action",
    "what we did": "action",
    "my actions": "action",
    "steps": "action",
    "my part": "task",
    "my role": "task",
    "the ask": "task",
    "the result": "result",
    "learning": "result",
    "result": "result",
    "results": "result",
    "outcome": "result",
    "outcomes": "result",
    "impact": "result",
    "lesson": "result",
    "lessons": "result",
    "learnings": "result",
    "what i learned": "result",
    "what i learnt": "result",
    "reflection": "result",
}
_STAR_WORDS = "|".join(sorted((re.escape(k) for k in _STAR_SYNONYMS), key=len, reverse=True))
_STAR_LABEL_LINE = re.compile(
    rf"^(?:- )?(?:[STAR]\s*[:.)—–-]\s*)?({_STAR_WORDS})\b\s*(?:\([^)]*\)\s*)?[:—–-]",
    re.IGNORECASE,
)
_STAR_HEADING = re.compile(
    rf"^(?:[STAR]\s*[:.)—–-]\s*|\d[.)]\s*)?({_STAR_WORDS})\s*(?:\([^)]*\))?\s*:?$", re.IGNORECASE
)


_META_LINE = re.compile(
    r"^\s*(?:[-*•]\s+)?(?:\*\*|__|\*|_)?(tags?|skills?|competenc(?:y|ies)|keywords|themes?"
    r"|dates?|when|year)(?:\*\*|__|\*|_)?\s*:\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE,
)
"""A metadata line the writer keeps for themselves ("Tags: conflict, stakeholder", "Date: 2023"):
a hint for retrieval, never text to show."""


def metadata(line: str) -> tuple[str, str] | None:
    """``(field, value)`` of a metadata line, lower-cased field; None for any other line."""
    match = _META_LINE.match(line)
    if match is None or len(match.group(2).split()) > 20:
        return None
    return match.group(1).lower(), clean_inline(match.group(2)).strip()


def star_label(line: str) -> str | None:
    """The STAR part ("situation", "task", "action", "result") a line is labelled with."""
    match = _STAR_LABEL_LINE.match(line.strip())
    return _STAR_SYNONYMS[match.group(1).lower()] if match else None


def strip_star_label(line: str) -> str:
    """``line`` without the STAR label it starts with ("What I did: I ranked…" → "I ranked…")."""
    match = _STAR_LABEL_LINE.match(line.strip())
    return line.strip()[match.end() :].strip() if match else line


def _star_heading(title: str) -> str | None:
    """The STAR part a heading names ("### Action", "R: Result"), if it names one."""
    match = _STAR_HEADING.match(clean_inline(title).strip())
    return _STAR_SYNONYMS[match.group(1).lower()] if match else None


def is_star_story(text: str) -> bool:
    """Three or more of Situation/Task/Action/Result (or their synonyms) written as labels."""
    found = {label for line in text.splitlines() if (label := star_label(line))}
    return len(found) >= 3


# ---------------------------------------------------------------------------
# Sections


@dataclass(slots=True)
class _Section:
    path: tuple[str, ...]
    paragraphs: list[str]
    level: int = 0


_LEAD_IN = re.compile(
    r"^(?:[-*+]|\d{1,2}[.)])\s+(?:\*\*|__)\s*[\"“]?(.{6,160}?)[\"”]?\s*(?:\*\*|__)\s*:?\s*$"
)
"""'- **"Tell me about a time you led a team"**' or '1. **The outage**': a list item that is
the title of what follows it."""
_WRAPPER = re.compile(
    r"^\s*[-*+]\s+(?:\*\*|__)?\s*(?:star|car|soar|par)(?:\s+(?:framework|response|answer|method|story))?\s*:?\s*(?:\*\*|__)?\s*:?\s*$",
    re.IGNORECASE,
)
"""'- **STAR Framework:**': a wrapper item with nothing of the story in it."""
_BOLD_ROLE = re.compile(
    r"^\s*(?:\*\*|__)([^*_\n]{2,100}?)(?:\*\*|__)\s*(?:[|;,—–-]|\s)\s*(.{0,100}?\b(?:19|20)\d\d\b.{0,60})$"
)
"""'**Senior Engineer** | Globex | 2019 – 2022', '**SRE**; 8/2014-Present': a résumé role line."""


def _lift_headings(text: str) -> str:
    """Lead-in list items and bold role lines become headings one level below the last one.

    A list item that is only bold text and is followed by STAR parts (a story told as a
    nested list) or by sub-items is a story title; a wrapper item ("STAR Framework:") goes.
    """
    lines = text.splitlines()
    out: list[str] = []
    level = 1
    for i, line in enumerate(lines):
        atx = _ATX.match(line)
        if atx:
            level = len(atx.group(1))
            out.append(line)
            continue
        if _WRAPPER.match(line):
            continue
        lead = _LEAD_IN.match(line)
        if lead and not line.startswith((" ", "\t")):
            following = lines[i + 1 : i + 8]
            if any(star_label(clean_inline(_BULLET.sub("", f).strip())) for f in following):
                out += ["", "#" * min(6, level + 1) + " " + lead.group(1).strip(), ""]
                continue
        role = _BOLD_ROLE.match(line)
        if role and _YEAR.search(role.group(2)) and not star_label(role.group(1) + ":"):
            title = f"{clean_inline(role.group(1))} | {clean_inline(role.group(2)).strip(' |;')}"
            out += ["", "#" * min(6, level + 1) + " " + title, ""]
            continue
        out.append(line)
    return "\n".join(out)


def _sections(text: str) -> list[_Section]:
    text = _lift_headings(text)
    sections = [_Section((), [])]
    stack: list[tuple[int, str]] = []
    para: list[str] = []
    fenced = False
    part_prefix = ""  # a STAR sub-heading ("### Action") waiting for its first paragraph
    marked_level = 1  # level of the last "#" heading; bold-line headings sit one below it

    def flush() -> None:
        nonlocal part_prefix
        if para:
            joined = "\n".join(line.rstrip() for line in para) if fenced else _join_lines(para)
            if joined.strip():
                if part_prefix:
                    joined = f"{part_prefix}: {joined}"
                    part_prefix = ""
                sections[-1].paragraphs.append(joined)
            para.clear()

    def open_heading(level: int, raw_title: str) -> None:
        nonlocal part_prefix
        flush()
        part = _star_heading(raw_title)
        if part is not None and stack and len(sections) > 1:
            # "### Situation" under a story: a part of that story, not a new section.
            if part_prefix:
                sections[-1].paragraphs.append(f"{part_prefix}:")
            part_prefix = part.capitalize()
            return
        if part_prefix:
            sections[-1].paragraphs.append(f"{part_prefix}:")
            part_prefix = ""
        while stack and stack[-1][0] >= level:
            stack.pop()
        title = clean_inline(raw_title).rstrip(":").strip()
        if title:
            stack.append((level, title))
        sections.append(_Section(tuple(t for _, t in stack), [], level))

    for line in text.splitlines():
        if _FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        if fenced:
            para.append(line)
            continue
        atx = _ATX.match(line)
        bold = _BOLD_LINE.match(line) if not para else None
        if atx:
            marked_level = len(atx.group(1))
            open_heading(marked_level, atx.group(2))
        elif bold and len(bold.group(1).split()) <= 14 and not star_label(bold.group(1) + ":"):
            open_heading(marked_level + 1, bold.group(1))  # one below the last real heading
        elif re.fullmatch(r"\s*(=+|-+)\s*", line) and len(para) == 1:
            title = para.pop()
            open_heading(1 if "=" in line else 2, title)
        elif not line.strip() or _HR.match(line):
            flush()
        else:
            para.append(line)
    flush()
    if part_prefix:
        sections[-1].paragraphs.append(f"{part_prefix}:")
    return [s for s in sections if s.paragraphs]


# ---------------------------------------------------------------------------
# Chunking

_TITLE_PREFIX = re.compile(
    r"^(?:(?:star\s+)?(?:story|example)\s*#?\s*\d{0,2}|\d{1,2})\s*[:.)—–-]\s*(?=\S)",
    re.IGNORECASE,
)
_TRAILING_LABELS = re.compile(r"\s*[(\[]([^()\[\]]{2,80})[)\]]\s*$")


def story_title(heading: str) -> tuple[str, tuple[str, ...]]:
    """A story heading without its "Story:" prefix, and the labels in its parenthesis.

    "Story: Story 2: Pushing back on scope (conflict, persuasion)" →
    ("Pushing back on scope", ("conflict", "persuasion")). A parenthesis with a
    year in it ("(2021 – present)") is part of the title, not a label.
    """
    title = heading.strip()
    while True:
        stripped = _TITLE_PREFIX.sub("", title, count=1).strip()
        if stripped == title or not stripped:
            break
        title = stripped
    labels: tuple[str, ...] = ()
    match = _TRAILING_LABELS.search(title)
    if match and not re.search(r"\d", match.group(1)) and match.start() > 0:
        labels = tuple(
            part.strip().lower()
            for part in re.split(r"[,;/&|]|\band\b", match.group(1))
            if part.strip()
        )
        title = title[: match.start()].rstrip(" —–-:")
    return title, labels


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


def _split_section(paragraphs: list[str], limit: int = MAX_WORDS) -> list[str]:
    body = "\n".join(paragraphs)
    if _words(body) <= limit:
        return [body]
    pieces: list[str] = []
    for para in paragraphs:
        if _words(para) <= limit:
            pieces.append(para)
        else:
            pieces += _pack(sentences(para), limit, " ")
    return _pack(pieces, limit, "\n")


def _split_stories(paragraphs: list[str]) -> list[list[str]]:
    """Paragraphs of one section cut where a second STAR sequence starts.

    A stories file without headings ("Situation: … Result: … Situation: …")
    still holds several stories; each new "Situation" after an Action or a
    Result starts the next one, so two stories are never one chunk.
    """
    stories: list[list[str]] = [[]]
    seen: set[str] = set()
    for para in paragraphs:
        first = para.splitlines()[0] if para else ""
        label = star_label(first)
        if label in ("situation", "task") and seen & {"action", "result"}:
            stories.append([])
            seen = set()
        stories[-1].append(para)
        for line in para.splitlines():
            if (part := star_label(line)) is not None:
                seen.add(part)
    return [s for s in stories if s]


def _untitled_story_title(body: str) -> str:
    for line in body.splitlines():
        text = _STAR_LABEL_LINE.sub("", line).strip(" -:")
        if text:
            words = text.split()
            return " ".join(words[:8]) + ("…" if len(words) > 8 else "")
    return "Untitled story"


def _without_metadata(paragraphs: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """A story's paragraphs without its metadata lines, and the hints those lines gave.

    Tags, skills and competencies become lower-case hints (retrieval reads them; nothing
    shows them); a date line is dropped.
    """
    kept: list[str] = []
    hints: list[str] = []
    for para in paragraphs:
        lines = []
        for line in para.splitlines():
            found = metadata(line)
            if found is None:
                lines.append(line)
            elif not found[0].startswith(("date", "when", "year")):
                hints += [h.strip().lower() for h in re.split(r"[,;/|#]", found[1]) if h.strip()]
        if lines:
            kept.append("\n".join(lines))
    return kept, tuple(hints)


@dataclass(slots=True)
class _Unit:
    path: tuple[str, ...]
    body: str
    story: bool = False
    role: bool = False
    title: str = ""
    labels: tuple[str, ...] = ()
    group: str = ""


def _units(text: str, kind: DocKind) -> list[_Unit]:
    units: list[_Unit] = []
    # One "# Heading" in a stories file is the file's title; several are stories.
    single_h1 = sum(1 for line in text.splitlines() if re.match(r"#\s", line)) == 1
    for section in _sections(text):
        body = "\n".join(section.paragraphs)
        star = is_star_story(body)
        heading = section.path[-1] if section.path else ""
        file_title = section.level == 1 and single_h1
        titled_story = kind == "stories" and bool(heading) and not file_title
        if star or titled_story:
            paragraphs, hints = _without_metadata(section.paragraphs)
            groups = _split_stories(paragraphs) if star else [paragraphs]
            for n, group in enumerate(groups):
                story_body = "\n".join(group)
                if heading and (n == 0 or len(groups) == 1):
                    title, labels = story_title(heading)
                else:
                    title, labels = _untitled_story_title(story_body), ()
                labels = tuple(dict.fromkeys((*labels, *hints)))
                parent = section.path[-2] if len(section.path) >= 2 else ""
                grouped = not (single_h1 and len(section.path) == 2)  # not the file's title
                grouping = parent if parent and grouped and len(parent.split()) <= 3 else ""
                parts = _split_section(group, STORY_HARD_MAX_WORDS)
                for i, part in enumerate(parts):
                    shown = title if len(parts) == 1 else f"{title} (part {i + 1})"
                    units.append(_Unit(section.path, part, True, False, shown, labels, grouping))
            continue
        role = kind == "resume" and bool(_YEAR.search(heading)) and section.level > 1
        limit = STORY_MAX_WORDS if role else MAX_WORDS
        units += [
            _Unit(section.path, part, False, role)
            for part in _split_section(section.paragraphs, limit)
        ]
    return units


def chunk_text(text: str, source: str, *, kind: DocKind = "notes", doc_id: str = "") -> list[Chunk]:
    """Cut light Markdown into retrieval units: whole stories, roles, sections.

    A story is one chunk (never split below ``STORY_HARD_MAX_WORDS``, never
    merged), a résumé role is one chunk, a job description keeps its sections;
    other long sections are packed paragraph by paragraph up to ``MAX_WORDS``
    and tiny plain siblings (education, languages) are merged.
    """
    units = _units(text, kind)

    # A document with one top heading (the name on a résumé) does not repeat it in every title.
    tops = {u.path[0] for u in units if u.path}
    strip_top = len(tops) == 1 and all(u.path for u in units[1:])

    merged: list[tuple[_Unit, list[str]]] = []  # unit, titles
    for unit in units:
        if unit.story:
            merged.append((unit, [unit.title]))
            continue
        title = " › ".join(unit.path[1:] if strip_top else unit.path)
        if merged and kind != "job":
            prev, prev_titles = merged[-1]
            small = _words(prev.body) < MIN_WORDS
            related = prev.path[:-1] == unit.path[:-1] or unit.path[: len(prev.path)] == prev.path
            plain = not (prev.story or prev.role or unit.role)
            if small and related and plain and _words(prev.body) + _words(unit.body) <= MAX_WORDS:
                titles = prev_titles
                if title and title not in titles:
                    titles = [*titles, title]
                merged[-1] = (_Unit(unit.path, f"{prev.body}\n{unit.body}"), titles)
                continue
        merged.append((unit, [title] if title else []))

    return [
        Chunk(
            text=unit.body,
            source=source,
            title=" / ".join(titles),
            kind=kind,
            doc_id=doc_id,
            position=i,
            story=unit.story,
            labels=unit.labels,
            group=unit.group,
        )
        for i, (unit, titles) in enumerate(merged)
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
