"""The story bank: the user's stories, what each is about, and what is missing.

Preparation help, not live help: before an interview a candidate wants to know
which common questions they have no story for ("no story about a failure:
interviewers ask for one often"), and whether the stories they have are told
whole (a Result at the end, a length they can say in two minutes).

``story_bank(chunks)`` works on any profile's chunks; ``load_story_bank()``
reads the user's saved profile. The CLI (``cuecard profile stories``) and the
desktop's profile page show the same ``StoryBank``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cuecard.profile import competencies
from cuecard.profile.documents import Chunk
from cuecard.profile.normalise import star_label
from cuecard.profile.retrieval import is_story

WORDS_PER_MINUTE = 150
"""A calm speaking pace; a story told in an interview should take about two minutes."""
LONG_STORY_WORDS = 2 * 2 * WORDS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class BankStory:
    """One story in the bank, with what it is about and how to make it easier to tell."""

    title: str
    source: str
    doc_id: str
    labelled: tuple[str, ...]
    """Competencies from the user's own labels (the heading's parenthesis)."""
    inferred: tuple[str, ...]
    """Competencies guessed from the story's title, group heading and words."""
    words: int
    star_parts: tuple[str, ...]
    """Which of situation, task, action, result are labelled in the text."""
    advice: tuple[str, ...]

    @property
    def competencies(self) -> tuple[str, ...]:
        return (*self.labelled, *self.inferred)


@dataclass(frozen=True, slots=True)
class Gap:
    """A common competency no story covers yet."""

    competency: str
    label: str
    frequency: competencies.Frequency
    message: str


@dataclass(frozen=True, slots=True)
class StoryBank:
    stories: tuple[BankStory, ...]
    gaps: tuple[Gap, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json`` and the desktop."""
        return {
            "stories": [{**asdict(s), "competencies": list(s.competencies)} for s in self.stories],
            "gaps": [asdict(g) for g in self.gaps],
        }


def _gap_message(comp: competencies.Competency) -> str:
    if comp.frequency == "often":
        return f"no story about {comp.label}: interviewers ask for one often"
    return f"no story about {comp.label} yet: some interviewers ask for one"


def _advice(chunk: Chunk, parts: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    if parts and "result" not in parts:
        out.append("no Result: end with what changed, ideally with a number")
    elif len(parts) >= 2 and "action" not in parts:
        out.append("no Action: say what you did yourself")
    if chunk.words > LONG_STORY_WORDS:
        minutes = round(chunk.words / WORDS_PER_MINUTE)
        out.append(f"{chunk.words} words (about {minutes} minutes told): cut it to two minutes")
    elif chunk.words < 40:
        out.append("very short: add what you did and how it ended")
    return tuple(out)


def story_bank(chunks: Sequence[Chunk]) -> StoryBank:
    """The stories among ``chunks`` with their competencies, and the common gaps."""
    stories: list[BankStory] = []
    covered: set[str] = set()
    for chunk in chunks:
        if not is_story(chunk):
            continue
        found = competencies.of_story(chunk.title, chunk.text, chunk.labels, chunk.group)
        labelled = tuple(sorted(found.labelled))
        inferred = tuple(sorted(found.inferred))
        covered.update(found.all)
        parts = star_parts_of(chunk.text)
        stories.append(
            BankStory(
                title=chunk.title or "(untitled story)",
                source=chunk.source,
                doc_id=chunk.doc_id,
                labelled=labelled,
                inferred=inferred,
                words=chunk.words,
                star_parts=parts,
                advice=_advice(chunk, parts),
            )
        )
    gaps = [
        Gap(comp.name, comp.label, comp.frequency, _gap_message(comp))
        for comp in competencies.COMPETENCIES
        if comp.name not in covered
    ]
    gaps.sort(key=lambda g: g.frequency != "often")  # the often-asked first, table order kept
    return StoryBank(tuple(stories), tuple(gaps))


def star_parts_of(text: str) -> tuple[str, ...]:
    """The STAR parts labelled in ``text``, each once, in the order they appear."""
    seen: list[str] = []
    for line in text.splitlines():
        part = star_label(line)
        if part and part not in seen:
            seen.append(part)
    return tuple(seen)


def load_story_bank(*, sample: bool = False) -> StoryBank:
    """The bank of the user's saved profile (or of the demo's sample profile).

    Raises ``ProfileError`` (one line) when the profile list cannot be read.
    """
    from cuecard.profile.store import profile_chunks

    return story_bank(profile_chunks(sample=sample))
