"""The document reader's worker: PDF and DOCX text, in a process of its own with hard limits.

PDF and Word files are untrusted input parsed by large libraries (pypdf, lxml
under python-docx). A 119 KB DOCX can hold 40 MB of XML that python-docx chews
on for minutes, and a 291 KB one took 4.4 GB; one PDF page with a 10 MB
content stream keeps pypdf busy for most of a minute. A cooperative deadline
cannot stop that, so the parent (``reading._run_worker``) starts this module
as a real subprocess, ``python -m cuecard.profile.extract FORMAT PATH``, and:

- on POSIX this process caps itself before importing any parser: the address
  space (``RLIMIT_AS``, Linux and the BSDs; macOS does not enforce it) and the
  CPU seconds (``RLIMIT_CPU``, every POSIX system);
- on every OS the parent kills it at a wall-clock deadline (on Windows that
  deadline is the only bound).

It prints one JSON object on stdout, ``{"status": ..., "text": ...}``, and
never a traceback: a status says what went wrong, the parent turns it into one
line for the user.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, Literal

Status = Literal["ok", "encrypted", "damaged", "pages", "memory"]

MEMORY_EXIT = 3
"""Exit code when the parser ran out of the memory it was allowed."""


def limit_self(memory_bytes: int, cpu_s: int) -> None:
    """Cap this process's address space and CPU time where the OS allows it."""
    try:
        import resource
    except ImportError:  # Windows: the parent's wall-clock deadline is the bound
        return
    for name, value in (("RLIMIT_AS", memory_bytes), ("RLIMIT_CPU", cpu_s)):
        limit = getattr(resource, name, None)
        if limit is None or value <= 0:
            continue
        try:
            _, hard = resource.getrlimit(limit)
            capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (capped, capped if name == "RLIMIT_AS" else capped + 1))
        except (ValueError, OSError):  # a limit the kernel does not support (macOS RLIMIT_AS)
            pass


_LIMITS: dict[str, int] = {"memory": 0}


def _near_memory_limit() -> bool:
    """Whether this process came close to its memory cap (so a parse error meant "too big")."""
    if not _LIMITS["memory"]:
        return False
    try:
        import resource
    except ImportError:
        return False
    return _peak_bytes(resource) >= 0.6 * _LIMITS["memory"]


def _peak_bytes(resource: Any) -> int:
    """This process's own peak memory since it started.

    Not ``ru_maxrss`` alone on Linux: the kernel carries it across ``exec``, so a worker
    started by a big parent (a session with the speech model loaded) would look as big as
    its parent and every damaged document would read as "too big". ``VmHWM`` is the
    high-water mark of this program's own memory.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def extract_pdf(path: str, max_pages: int, max_chars: int) -> tuple[Status, str]:
    """Text of a PDF, page by page; a status instead of an exception."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # damaged files log many warnings
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
            except MemoryError:
                raise
            except Exception:
                if _near_memory_limit():
                    return ("memory", "")
                failed += 1
                continue
            parts.append(text)
            size += len(text)
            if size > max_chars:
                break
        if pages and failed == pages:
            return ("damaged", "")
        return ("ok", "\n\n".join(parts))
    except MemoryError:
        raise
    except pypdf.errors.FileNotDecryptedError:
        return ("encrypted", "")
    except Exception:
        return ("damaged", "")


def _bold(paragraph: Any) -> bool:
    """Every run with text is bold: how people mark a heading without heading styles."""
    runs = [r for r in paragraph.runs if r.text.strip()]
    if not runs:
        return False
    style_bold = bool(getattr(getattr(paragraph.style, "font", None), "bold", False))
    return all(r.bold or (r.bold is None and style_bold) for r in runs)


def extract_docx(path: str) -> tuple[Status, str]:
    """A Word document as light Markdown: headings, bullets, table cells as paragraphs."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(path)
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
            if len(text.split()) <= 14 and not text.endswith((".", ",", ";")) and _bold(par):
                return f"### {text.rstrip(':')}"
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
    except MemoryError:
        raise
    except Exception:  # lxml reports a failed allocation as "unknown error": look at usage
        return ("memory", "") if _near_memory_limit() else ("damaged", "")
    return ("ok", "\n".join(lines))


def main(argv: list[str]) -> int:
    fmt, path = argv[0], argv[1]
    max_pages, max_chars, memory_bytes, cpu_s = (int(a) for a in argv[2:6])
    _LIMITS["memory"] = memory_bytes
    limit_self(memory_bytes, cpu_s)
    from cuecard.privacy.tripwire import seal

    seal()  # before any parser is imported: no socket, lookup or program from here on
    try:
        result = extract_pdf(path, max_pages, max_chars) if fmt == "pdf" else extract_docx(path)
    except MemoryError:
        result = ("memory", "")
    status, text = result
    out = json.dumps({"status": status, "text": text}, ensure_ascii=True)
    sys.stdout.write(out)
    sys.stdout.flush()
    return MEMORY_EXIT if status == "memory" else 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except MemoryError:
        code = MEMORY_EXIT
    except BaseException:  # a bug here must not print a traceback with a path in it
        code = 1
    sys.stderr.flush()
    os._exit(code)  # skip interpreter teardown: the parent has what it needs
