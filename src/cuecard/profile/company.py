"""The name of the company a job description is for.

"Why do you want to work here?" deserves an answer about *that* company, and
the only place cuecard learns its name is the job description the user added.
No rule anywhere in cuecard names a company; this reads it from the text.

A job description names its company in a few habitual places, tried in order:
an "About <Company>" heading, a title such as "Senior Engineer — Company" or
"Engineer at Company", an opening such as "Company is a…" or "At Company,
we…", and "Join Company". A candidate must look like a name (capitalised
words) and must not be a generic phrase ("About the role", "About you").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from cuecard.profile.documents import Chunk

_NAME = r"((?:[A-Z0-9][\w'’&.+-]*)(?:[ \t]+(?:&|and|of|de|[A-Z0-9][\w'’&.+-]*)){0,4})"
"""One to five capitalised words ("Harbor & Pine", "Globex Analytics", "ACME")."""

_GENERIC = frozenset(
    {
        "the",
        "role",
        "team",
        "us",
        "you",
        "me",
        "our",
        "this",
        "job",
        "position",
        "company",
        "we",
        "opportunity",
        "benefits",
        "responsibilities",
        "requirements",
        "summary",
        "overview",
        "description",
        "who",
        "what",
        "why",
        "how",
        "your",
    }
)

_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^#+[ \t]*About[ \t]+{_NAME}[ \t]*$", re.MULTILINE), 5),
    (re.compile(rf"^#[ \t]*[^\n#]*?[ \t][—–|-][ \t]*{_NAME}[ \t]*$", re.MULTILINE), 4),
    (re.compile(rf"^#[ \t]*[^\n#]*?[ \t](?:at|@)[ \t]+{_NAME}[ \t]*$", re.MULTILINE), 4),
    (re.compile(rf"(?:^|[.!?][ \t]+|\n){_NAME}[ \t]+(?:is|are|builds|makes|helps)[ \t]+"), 2),
    (re.compile(rf"\bAt[ \t]+{_NAME},[ \t]+(?:we|our)\b"), 3),
    (re.compile(rf"\b(?:Join|join)[ \t]+{_NAME}\b"), 2),
)


def _clean(candidate: str) -> str | None:
    name = candidate.strip(" \t.,;:-—–|")
    words = name.split()
    if not words or len(name) > 60:
        return None
    if words[0].lower() in _GENERIC or all(w.lower() in _GENERIC for w in words):
        return None
    return name


def company_name(job_text: str) -> str | None:
    """The company a job description is for, or ``None`` when the text does not say."""
    votes: Counter[str] = Counter()
    for pattern, weight in _PATTERNS:
        for match in pattern.finditer(job_text):
            name = _clean(match.group(1))
            if name:
                votes[name] += weight
    if not votes:
        return None
    # A name the text repeats is more likely the company than a product it mentions once.
    for name in list(votes):
        votes[name] += min(3, job_text.count(name) - 1)
    return max(votes, key=lambda n: (votes[n], -len(n)))


def job_text(chunks: Iterable[Chunk]) -> str:
    """The job description's chunks as one Markdown text, headings restored."""
    parts: list[str] = []
    for chunk in chunks:
        if chunk.kind != "job":
            continue
        if chunk.title:
            parts.append(f"## {chunk.title}")
        parts.append(chunk.text)
    return "\n\n".join(parts)


def company_of(chunks: Iterable[Chunk]) -> str | None:
    """The company of the job description among a profile's chunks, if there is one."""
    return company_name(job_text(chunks))
