"""Reading a document the user gave as text, treated as untrusted input.

A résumé arrives as PDF, DOCX, Markdown or plain text; every format comes out as
one light Markdown-like text (``profile.normalise``), so one chunker
(``profile.documents``) serves them all and the text can be cached beside the
original file.

Size limits are checked before parsing, and PDF and DOCX text is extracted by
``cuecard.profile.extract`` in a subprocess with a time and memory limit
(``PARSE_TIMEOUT_S``, ``PARSE_MEMORY_BYTES``): a document over either is refused
with one line, never a traceback. On Linux the memory limit is the worker's
address space; on macOS only CPU time and the wall clock bound it; on Windows
the wall clock does.
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
from pathlib import Path

from cuecard.profile import extract as _extract
from cuecard.profile.normalise import plain_to_markdown

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
