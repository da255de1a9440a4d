"""Your vocabulary: the names and terms of your profile, for the recogniser to expect.

tiny.en heard "Harbor Health" as "Harvard" and "HL7 messages" as "a kill seven
messages" (issue 22): the words an interview is most about are the ones a small
model has least often seen. This picks them out of the résumé, job description
and stories, on the device and by rule, and ranks them:

- acronyms and codes ("HL7", "AWS", "SLOs" → "SLO"), and words with capitals
  inside ("PostgreSQL", "OpenTelemetry"): almost never ordinary English;
- runs of capitalised words that do not start a sentence ("Harbor Health",
  "Lumen Claims", "Northwind Analytics"): companies, products, people;
- single capitalised words inside a sentence ("Kafka", "Redis", "Looker").

A term counts once per chunk it appears in; the kind weighs in (an acronym over a
capitalised word), and the job description's company and terms the job and the
résumé share come first: those are what the interviewer will say. The user's own
list (``speech.vocabulary``) goes before everything, and ``speech.vocabulary_exclude``
removes what they do not want (``cuecard profile vocabulary`` shows and edits both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cuecard.profile.company import company_of
from cuecard.profile.documents import Chunk

__all__ = ["MAX_TERMS", "Term", "as_prompt", "profile_terms", "vocabulary"]

TermKind = Literal["yours", "company", "acronym", "name", "word"]

MAX_TERMS = 30
"""How many terms bias the recogniser: about 90 tokens of Whisper's 223-token prompt,
which cost no measurable lag with tiny.en (bench/latency.py --vocabulary)."""

_WEIGHT: dict[TermKind, float] = {"company": 4.0, "acronym": 3.0, "name": 2.5, "word": 1.0}

_ACRONYM_RE = re.compile(r"(?<![\w.])(?:[A-Z][A-Z0-9&]*[A-Z0-9]|[A-Z]+\d+[A-Z0-9]*)s?(?![\w.])")
_INNER_CAPS_RE = re.compile(r"(?<![\w.])[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*(?![\w])")
_CAPITALISED = r"[A-Z][a-z][\w'’&-]*"
_NAME_RE = re.compile(rf"{_CAPITALISED}(?:\s+(?:&\s+)?{_CAPITALISED})+")
_WORD_RE = re.compile(rf"(?<![\w.]){_CAPITALISED}(?![\w])")
_SENTENCE_RE = re.compile(r"(?<=[.!?:;(])\s*|\n+|^\s*[-*•]\s+|\s[—–›]\s", re.MULTILINE)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FUNCTION = _wordset(
    """
    a an the i i'm i've i'd we our my you your he she it they this that these those and or but
    so if then when while as at by for from in into of on to with about after before during
    over under up down out off than very more most also all any each every some no not one
    two three four five six seven eight nine ten first second last next new
    """
)
"""Words that never begin or end a name ("About Northwind Analytics" → "Northwind Analytics")."""
_STOP = _FUNCTION | _wordset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    summary experience education skills situation task action result results role team
    senior junior lead staff principal engineer engineering analyst manager director head
    backend frontend software data developer intern internship university college school
    present currently about what why how who which where there here
    english spanish german french italian portuguese
    """
)
"""Capitalised only because they start a bullet or a heading, or too common to need help."""
_ROLES = _wordset(
    "engineer engineers analyst manager director lead developer designer scientist architect "
    "consultant intern specialist administrator officer head associate assistant coordinator"
)
_VERB_FORM = re.compile(r"(?:ing|ed)$")
_ACRONYM_STOP = frozenset({"I", "A", "OK", "CV", "TODO", "PS", "AM", "PM", "US", "UK"})


@dataclass(frozen=True, slots=True)
class Term:
    """One term of the vocabulary, and why it is there."""

    text: str
    kind: TermKind
    score: float
    sources: tuple[str, ...] = field(default=())
    """The profile documents it appears in (file names), for the user to check."""


def _candidates(text: str, *, heading: bool = False) -> Iterable[tuple[str, TermKind]]:
    """Terms in ``text``; in a ``heading`` ("Tallyroute — Software Engineer") the first
    word counts too: headings name things, they do not start sentences."""
    for match in _ACRONYM_RE.finditer(text):
        word = match.group()
        if word.endswith("s") and word[:-1].isupper() and len(word) > 2:
            word = word[:-1]  # "SLOs" → "SLO"
        if word not in _ACRONYM_STOP and len(word) >= 2:
            yield word, "acronym"
    for match in _INNER_CAPS_RE.finditer(text):
        yield match.group(), "acronym"
    for piece in _SENTENCE_RE.split(text):
        sentence = piece.strip()
        if not sentence:
            continue
        first = sentence.split()[0]
        taken: list[tuple[int, int]] = []
        for match in _NAME_RE.finditer(sentence):
            words = match.group().split()
            while words and words[0].casefold() in _FUNCTION:
                words = words[1:]  # "About Northwind Analytics", "At Corner Market Group"
            while words and (words[-1].casefold() in _FUNCTION or words[-1] == "&"):
                words = words[:-1]
            taken.append(match.span())
            if words and (
                words[-1].casefold() in _ROLES
                or all(w.casefold() in _STOP for w in words if w != "&")
            ):
                continue  # "Integration Engineer": a role, not a name
            if len([w for w in words if w != "&"]) >= 2:
                yield " ".join(words), "name"
            elif words and words[0] != "&":
                yield words[0], "word"
        for match in _WORD_RE.finditer(sentence):
            if any(a <= match.start() < b for a, b in taken):
                continue
            word = match.group()
            if match.start() == 0 and word == first and (not heading or _VERB_FORM.search(word)):
                continue  # capitalised because it starts the sentence (or a story's title)
            if word.casefold() not in _STOP:
                yield word, "word"


def profile_terms(chunks: Sequence[Chunk], *, limit: int = MAX_TERMS) -> list[Term]:
    """The profile's terms, best first (see the module doc for the ranking)."""
    scores: dict[str, float] = {}
    kinds: dict[str, TermKind] = {}
    spelled: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    in_job: set[str] = set()
    in_resume: set[str] = set()
    for chunk in chunks:
        seen: set[str] = set()
        found = [*_candidates(chunk.text), *_candidates(chunk.title, heading=True)]
        for text, kind in found:
            key = text.casefold()
            if key in seen:
                continue
            seen.add(key)
            if _WEIGHT[kind] > _WEIGHT.get(kinds.get(key, "word"), 0) or key not in kinds:
                kinds[key] = kind
            spelled.setdefault(key, text)
            scores[key] = scores.get(key, 0.0) + 1.0
            if chunk.source not in sources.setdefault(key, []):
                sources[key].append(chunk.source)
            (in_job if chunk.kind == "job" else in_resume).add(key)
    company = company_of(chunks)
    if company:
        key = company.casefold()
        kinds[key] = "company"
        spelled[key] = company
        scores[key] = scores.get(key, 0.0) + 1.0
        sources.setdefault(key, [])
    # Words inside a longer name ("Harbor" in "Harbor Health") add nothing on their own,
    # and a capitalised word the profile also writes in lower case ("Design" at the start
    # of a bullet, "design" elsewhere) is ordinary English.
    names = [k for k, kind in kinds.items() if " " in k]
    lower = {w for chunk in chunks for w in re.findall(r"(?<![\w'])[a-z][\w'-]*", chunk.text)}
    terms = []
    for key, count in scores.items():
        if kinds[key] == "word" and (key in lower or any(key in n.split() for n in names)):
            continue
        shared = 1.5 if key in in_job and key in in_resume else 1.0
        terms.append(
            Term(spelled[key], kinds[key], round(count * _WEIGHT[kinds[key]] * shared, 2),
                 tuple(sources[key]))
        )  # fmt: skip
    terms.sort(key=lambda t: (-t.score, t.text.casefold()))
    return terms[:limit]


def vocabulary(
    chunks: Sequence[Chunk],
    *,
    yours: Sequence[str] = (),
    exclude: Sequence[str] = (),
    from_profile: bool = True,
    limit: int = MAX_TERMS,
) -> list[Term]:
    """The list that biases the recogniser: the user's terms, then the profile's."""
    dropped = {e.strip().casefold() for e in exclude}
    out: list[Term] = []
    seen: set[str] = set()
    for text in yours:
        key = text.strip().casefold()
        if key and key not in seen and key not in dropped:
            seen.add(key)
            out.append(Term(text.strip(), "yours", 0.0))
    if from_profile:
        for term in profile_terms(chunks, limit=limit + len(dropped)):
            key = term.text.casefold()
            if key not in seen and key not in dropped:
                seen.add(key)
                out.append(term)
    return out[:limit]


def as_prompt(terms: Sequence[Term]) -> str:
    """The terms as the text Whisper reads before the audio ("Harbor Health, HL7, …")."""
    return ", ".join(t.text for t in terms)
