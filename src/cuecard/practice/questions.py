"""Which questions a mock interview asks: from the candidate's profile first.

Three pools, mixed so one session rehearses what this interview will ask:

- **the story bank**: a behavioural question for each competency the candidate
  has a story for (they should practise telling those), and one for a common
  competency they have **no** story for (better found out now than live);
- **the job description**: a technical question about each skill it names
  ("PostgreSQL", "Kafka", "incident response");
- **a bundled bank** of common questions (``assets/practice/questions.jsonl``,
  written for cuecard; sources and licences in ``SOURCES.md`` beside it).

``kind`` keeps one kind of question; the order is shuffled by ``seed`` so two
sessions differ unless the candidate asks for the same seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

from cuecard.events import QuestionKind
from cuecard.profile import competencies
from cuecard.profile.bank import story_bank
from cuecard.profile.company import company_of
from cuecard.profile.documents import Chunk

KINDS: tuple[QuestionKind, ...] = (
    "behavioural", "technical", "situational", "about-you", "logistics",
)  # fmt: skip


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True, slots=True)
class PracticeQuestion:
    text: str
    kind: QuestionKind
    why: str
    """Where it came from, in words the candidate sees ("from your job description: Kafka")."""
    competency: str | None = None
    skill: str | None = None
    source: str = ""


@cache
def bundled() -> tuple[PracticeQuestion, ...]:
    """The bundled bank (read once)."""
    text = resources.files("cuecard").joinpath("assets", "practice", "questions.jsonl")
    out: list[PracticeQuestion] = []
    for line in text.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(PracticeQuestion(
                row["text"], cast(QuestionKind, row["kind"]), "a common interview question",
                row.get("competency"), None, row.get("source", ""),
            ))  # fmt: skip
    return tuple(out)


# -- the job description's skills ------------------------------------------------

_SKILL_PHRASES = (
    "incident response", "system design", "api design", "code review", "data modelling",
    "data modeling", "machine learning", "distributed systems", "observability", "monitoring",
    "on-call", "postmortems", "performance tuning", "security", "accessibility", "testing",
    "automation", "infrastructure as code", "ci/cd", "microservices", "stakeholder management",
    "product management", "user research", "a/b testing", "data analysis", "sql",
)  # fmt: skip
_TECH = re.compile(
    r"(?<![\w.])([A-Z][A-Za-z0-9+#.]*[A-Za-z0-9+#]|[A-Z]{2,}s?|[a-z]+[A-Z]\w*)(?![\w])"
)
_NOT_SKILLS = _wordset(
    "I We You Our Your The A An As At In On Of For And Or With To Be Is Are Senior Junior Lead "
    "Staff Principal Engineer Engineers Backend Frontend Developer Manager Team Role About What "
    "Who How Why Join Us This That It If By From Remote Hybrid Benefits Requirements "
    "Responsibilities Summary Overview Experience Description Salary Location Must Nice "
    "Plus Bonus Years Year Strong Excellent Good Great Ability English We're You'll"
)  # fmt: skip


def job_skills(chunks: Sequence[Chunk], limit: int = 8) -> list[str]:
    """The skills a job description names, in the order it names them (at most ``limit``).

    Capitalised technology names not at a sentence start ("Go", "PostgreSQL",
    "Kafka", "SLOs"), then common skill phrases ("incident response").
    """
    job = [c for c in chunks if c.kind == "job"]
    company = company_of(chunks) or ""
    company_words = set(company.split())
    found: list[str] = []

    def add(skill: str) -> None:
        if skill.lower() not in (f.lower() for f in found):
            found.append(skill)

    for chunk in job:
        for line in chunk.text.splitlines():
            body = line.strip().lstrip("-*• ").strip()
            for sentence in re.split(r"(?<=[.!?:;])\s+", body):
                for i, match in enumerate(_TECH.finditer(sentence)):
                    word = match.group(1).rstrip(".")
                    first = match.start() == 0
                    mixed = any(c.isupper() for c in word[1:]) or not word.isalpha()
                    if word in _NOT_SKILLS or word in company_words or len(word) < 2:
                        continue
                    if (first or (i == 0 and match.start() < 2)) and not mixed:
                        continue  # a sentence's first word is capitalised anyway
                    add(word)
    text = " ".join(c.text.lower() for c in job)
    for phrase in _SKILL_PHRASES:
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            add(phrase)
    return found[:limit]


_SKILL_TEMPLATES = (
    "Tell me about your experience with {skill}. What did you build with it?",
    "What is the hardest problem you have solved with {skill}?",
    "How have you used {skill} in production, and what went wrong?",
)


def _skill_question(skill: str, rng: random.Random) -> PracticeQuestion:
    # a practice ("incident response") reads well only in the first template
    template = rng.choice(_SKILL_TEMPLATES) if skill[:1].isupper() else _SKILL_TEMPLATES[0]
    return PracticeQuestion(template.format(skill=skill), "technical",
                            f"from your job description: {skill}", skill=skill)  # fmt: skip


def _competency_question(
    name: str, why: str, rng: random.Random, used: set[str]
) -> PracticeQuestion | None:
    options = [q for q in bundled() if q.competency == name and q.kind == "behavioural"
               and q.text not in used]  # fmt: skip
    if options:
        q = rng.choice(options)
        return PracticeQuestion(q.text, q.kind, why, name, None, q.source)
    comp = competencies.BY_NAME.get(name)
    if comp is None:
        return None
    return PracticeQuestion(f"Tell me about {comp.label}.", "behavioural", why, name)


def plan(
    chunks: Sequence[Chunk],
    *,
    kind: QuestionKind | None = None,
    count: int = 5,
    seed: int | None = None,
) -> list[PracticeQuestion]:
    """``count`` questions for this candidate (fewer only if the bank runs out)."""
    rng = random.Random(seed)  # noqa: S311 - shuffling questions, not secrets
    bank = story_bank(chunks)
    used: set[str] = set()
    covered: list[PracticeQuestion] = []
    seen_comp: set[str] = set()
    stories = list(bank.stories)
    rng.shuffle(stories)
    for story in stories:
        titled = [n for n in competencies.asked_for(story.title) if n in story.competencies]
        for name in [*titled, *story.labelled, *story.inferred]:
            if name in seen_comp:
                continue
            q = _competency_question(name, f"you have a story for this: {story.title}", rng, used)
            if q is not None:
                seen_comp.add(name)
                covered.append(q)
                used.add(q.text)
            break
    gap: list[PracticeQuestion] = []
    if bank.stories and bank.gaps:
        often = [g for g in bank.gaps if g.frequency == "often"] or list(bank.gaps)
        g = rng.choice(often)
        q = _competency_question(g.competency, f"no story for this yet: {g.label}", rng, used)
        if q is not None:
            gap.append(q)
            used.add(q.text)
    skills = job_skills(chunks)
    rng.shuffle(skills)
    technical = [_skill_question(s, rng) for s in skills]
    common = [q for q in bundled() if q.text not in used]
    rng.shuffle(common)

    def of(kind_: QuestionKind) -> list[PracticeQuestion]:
        return [q for q in common if q.kind == kind_]

    if kind is not None:
        pools: list[list[PracticeQuestion]] = {
            "behavioural": [covered[: max(1, count - 1)], gap, of("behavioural")],
            "technical": [technical, of("technical")],
        }.get(kind, [of(kind)])
        ordered = [q for pool in pools for q in pool]
    else:
        opener = [q for q in of("about-you") if "yourself" in q.text.lower()][:1]
        rest = _interleave(covered, technical, of("situational"), of("technical"))
        ordered = opener + rest[:2] + gap + rest[2:] + of("behavioural") + of("about-you")
    out: list[PracticeQuestion] = []
    for q in ordered:
        if q.text not in (o.text for o in out):
            out.append(q)
        if len(out) >= count:
            break
    return out


def _interleave(*pools: list[PracticeQuestion]) -> list[PracticeQuestion]:
    out: list[PracticeQuestion] = []
    longest = max((len(p) for p in pools), default=0)
    for i in range(longest):
        out += [p[i] for p in pools if i < len(p)]
    return out
