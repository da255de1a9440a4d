"""The user's documents cut into retrieval units (STAR stories, roles, sections).

Reading a file safely is ``profile.reading``; turning its text into one light
Markdown and reading STAR labels is ``profile.normalise``; this module cuts that
text into chunks.

Chunks follow the document's own structure: a heading's section is one chunk
when it is short (a job, a skills list, a STAR story), long sections are packed
paragraph by paragraph up to about ``MAX_WORDS``, and tiny sibling sections
(education, languages) are merged so BM25 does not favour fragments.

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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from cuecard.profile.normalise import (
    ATX,
    BOLD_LINE,
    BULLET,
    FENCE,
    HR,
    STAR_LABEL_LINE,
    YEAR,
    clean_inline,
    is_star_story,
    join_lines,
    metadata,
    star_heading,
    star_label,
)
from cuecard.profile.reading import read_text

DocKind = Literal["resume", "job", "stories", "notes"]
DOC_KINDS: tuple[DocKind, ...] = get_args(DocKind)

MIN_WORDS = 60
MAX_WORDS = 200
STORY_MAX_WORDS = 400
"""A résumé role stays one chunk up to this length."""
STORY_HARD_MAX_WORDS = 1500
"""A story is one chunk up to this length (a told story is 200–400 words); past it, it is
cut into parts that keep its title, and never share a chunk with another story."""


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
        atx = ATX.match(line)
        if atx:
            level = len(atx.group(1))
            out.append(line)
            continue
        if _WRAPPER.match(line):
            continue
        lead = _LEAD_IN.match(line)
        if lead and not line.startswith((" ", "\t")):
            following = lines[i + 1 : i + 8]
            if any(star_label(clean_inline(BULLET.sub("", f).strip())) for f in following):
                out += ["", "#" * min(6, level + 1) + " " + lead.group(1).strip(), ""]
                continue
        role = _BOLD_ROLE.match(line)
        if role and YEAR.search(role.group(2)) and not star_label(role.group(1) + ":"):
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
            joined = "\n".join(line.rstrip() for line in para) if fenced else join_lines(para)
            if joined.strip():
                if part_prefix:
                    joined = f"{part_prefix}: {joined}"
                    part_prefix = ""
                sections[-1].paragraphs.append(joined)
            para.clear()

    def open_heading(level: int, raw_title: str) -> None:
        nonlocal part_prefix
        flush()
        part = star_heading(raw_title)
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
        if FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        if fenced:
            para.append(line)
            continue
        atx = ATX.match(line)
        bold = BOLD_LINE.match(line) if not para else None
        if atx:
            marked_level = len(atx.group(1))
            open_heading(marked_level, atx.group(2))
        elif bold and len(bold.group(1).split()) <= 14 and not star_label(bold.group(1) + ":"):
            open_heading(marked_level + 1, bold.group(1))  # one below the last real heading
        elif re.fullmatch(r"\s*(=+|-+)\s*", line) and len(para) == 1:
            title = para.pop()
            open_heading(1 if "=" in line else 2, title)
        elif not line.strip() or HR.match(line):
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
        text = STAR_LABEL_LINE.sub("", line).strip(" -:")
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
        role = kind == "resume" and bool(YEAR.search(heading)) and section.level > 1
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
