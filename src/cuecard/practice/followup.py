"""The mock interviewer's follow-up: at most one question, about what the answer lacked.

Rules, as a table that names the rule that fired (like ``dialogue/questions.py``):

- a story (behavioural or situational) with no result: "And what was the outcome?";
- a story whose action is missing or only "we": "What exactly did you do?";
- a technical answer with no trade-off or reason: "Why that approach?".

The first rule that fits wins; an answer too short to judge, or one that has it all, gets
none. With a model configured and the coach on, the model may word the same follow-up
for this answer (``Coach.follow_up``, through the same privacy wrapper); the rule still
chooses what is asked about.

Also here, what Interview Warmup shows per answer: the job description's terms the answer
used and missed, and the words it repeated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cuecard.profile.documents import Chunk

MIN_WORDS = 25
"""Shorter than this, the next step already says "say more"; no follow-up on top."""
REPEATED_AT = 3
"""A content word said this often in one answer is a repeat worth noticing."""
MAX_TERMS = 6


@dataclass(frozen=True, slots=True)
class FollowUp:
    rule: str
    """Which rule fired ("no-result", "vague-action", "no-tradeoff")."""
    question: str
    lacking: str
    """What the answer lacked, in words a model can be told."""


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    kinds: tuple[str, ...]
    question: str
    lacking: str


RULES: tuple[_Rule, ...] = (
    _Rule("no-result", ("behavioural", "situational"), "And what was the outcome?",
          "the result: how it ended, ideally with a number"),
    _Rule("vague-action", ("behavioural", "situational"), "What exactly did you do?",
          "the candidate's own actions, in the first person"),
    _Rule("no-tradeoff", ("technical",), "Why that approach?",
          "the reason for the approach, or a trade-off against another"),
)  # fmt: skip


def follow_up_for(
    kind: str,
    *,
    words: int,
    star: dict[str, bool],
    i_actions: int,
    we_actions: int,
    tradeoff: bool,
) -> FollowUp | None:
    """The one follow-up this answer calls for, or None."""
    if words < MIN_WORDS:
        return None
    lacks = {
        "no-result": not star.get("result", False),
        "vague-action": not star.get("action", False) or (we_actions > 0 and i_actions == 0),
        "no-tradeoff": not tradeoff,
    }
    for rule in RULES:
        if kind in rule.kinds and lacks[rule.name]:
            return FollowUp(rule.name, rule.question, rule.lacking)
    return None


def job_terms(chunks: Sequence[Chunk]) -> list[str]:
    """The job description's key terms (its named skills), in its order."""
    from cuecard.practice.questions import job_skills

    return job_skills(chunks, limit=MAX_TERMS * 2)


def terms_in(answer: str, terms: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(used, missed): which of ``terms`` the answer said (whole words, any case)."""
    low = answer.lower()
    used = [t for t in terms if re.search(rf"(?<![\w]){re.escape(t.lower())}(?![\w])", low)]
    missed = [t for t in terms if t not in used]
    return tuple(used), tuple(missed[:MAX_TERMS])


def repeated_words(answer: str) -> tuple[str, ...]:
    """Content words said ``REPEATED_AT`` times or more, most repeated first."""
    from cuecard.profile.retrieval import STOPWORDS

    words = [w.strip(".,!?;:'\"").lower() for w in answer.split()]
    counts = Counter(w for w in words if len(w) > 3 and w not in STOPWORDS and w.isalpha())
    return tuple(w for w, n in counts.most_common() if n >= REPEATED_AT)
