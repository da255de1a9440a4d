"""Cleaning up a document's text: one light Markdown, and the writer's STAR labels read.

Every format is turned into ``#`` headings, paragraphs separated by blank lines
and ``- `` bullets; inline mark-up is cleaned for display. STAR parts are read
under the writer's own labels (Context, My part, What I did, Outcome, …) in
bold, italics or plain, and a story's metadata lines (Tags, Skills,
Competencies, Date) are recognised so the chunker can take them out of its text.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------
# Text normalisation

BULLET = re.compile(r"^\s*(?:[-*+•●▪◦‣–—]|\d{1,2}[.)])\s+")
ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
HR = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_SENTENCE_END = re.compile(r"[.!?:;)\"”']\s*$")
BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_\n]{2,120}?)(?:\*\*|__)\s*:?\s*$")
"""A line that is bold and nothing else: a heading written without heading syntax."""
_STORY_LINE = re.compile(
    r"^(?:star\s+)?(?:story|example)\s*#?\s*\d{0,2}\s*[:.)—–-]\s*\S", re.IGNORECASE
)
"""'Story: Missed deadline', 'Example 2 - The outage': a story title in plain text."""
YEAR = re.compile(r"\b(?:19|20)\d\d\b|\bpresent\b|\bcurrent\b|\bnow\b", re.IGNORECASE)
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
    if not 1 <= len(words) <= 6 or len(line) > 60 or BULLET.match(line):
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
    if BULLET.match(line) or len(line.split()) > 16 or line.endswith((".", ",", ";")):
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
        elif _looks_like_heading(line) and not star_heading(line):
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


def join_lines(lines: list[str]) -> str:
    """A paragraph's lines: wrapped lines joined, bullets and finished lines kept apart."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?", line):
            continue  # Markdown table separator row
        if line.startswith("|"):
            line = " | ".join(cell.strip() for cell in line.strip("|").split("|"))
        bullet = BULLET.match(line)
        if bullet:
            line = "- " + line[bullet.end() :] if not bullet.group(0).strip()[0].isdigit() else line
        line = clean_inline(line)
        if not line:
            continue
        starts_part = bool(STAR_LABEL_LINE.match(line)) or metadata(line) is not None
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
STAR_LABEL_LINE = re.compile(
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
    match = STAR_LABEL_LINE.match(line.strip())
    return _STAR_SYNONYMS[match.group(1).lower()] if match else None


def strip_star_label(line: str) -> str:
    """``line`` without the STAR label it starts with ("What I did: I ranked…" → "I ranked…")."""
    match = STAR_LABEL_LINE.match(line.strip())
    return line.strip()[match.end() :].strip() if match else line


def star_heading(title: str) -> str | None:
    """The STAR part a heading names ("### Action", "R: Result"), if it names one."""
    match = _STAR_HEADING.match(clean_inline(title).strip())
    return _STAR_SYNONYMS[match.group(1).lower()] if match else None


def is_star_story(text: str) -> bool:
    """Three or more of Situation/Task/Action/Result (or their synonyms) written as labels."""
    found = {label for line in text.splitlines() if (label := star_label(line))}
    return len(found) >= 3
