"""Feedback on one spoken answer, computed on the device from its final utterances.

Duration, words and pace; fillers by kind; pauses long enough to notice; which
STAR parts were stated; which of the candidate's stories it told; numbers said;
and **one** concrete next step, the most useful first: an answer with no result
hears about the result (with the number from their own story when there is
one) before it hears about its pace.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cuecard.events import Feedback, QuestionKind, Utterance
from cuecard.practice.fillers import VOCAL, CheckedFillers, count_fillers, spoken_words
from cuecard.practice.followup import follow_up_for, repeated_words, terms_in
from cuecard.practice.star import numbers_in, star_of
from cuecard.profile.documents import Chunk
from cuecard.profile.retrieval import ProfileIndex, is_story, tokenize

_TRADEOFF = re.compile(
    r"\b(?:trade-?offs?|instead of|rather than|because|the downside|the cost|at the expense|"
    r"on the other hand|versus|vs\.?|but)\b",
    re.IGNORECASE,
)
LONG_PAUSE_S = 1.5
"""A pause inside an answer that a listener notices (a breath is well under a second)."""
FAST_WPM = 175
SLOW_WPM = 105
LONG_ANSWER_S = 150.0
SHORT_WORDS = 25
FILLERS_PER_MINUTE = 4.0
STORY_MATCH = 0.3
"""Share of the answer's content words (weighted by rarity) that must come from one story."""
STORY_OWN_WORDS = 5
"""…of which this many words only that story uses ("bucket", "Redis", "checkout"): a
story is recognised by its particulars, not by words every story has ("team", "weeks")."""


@dataclass(frozen=True, slots=True)
class Story:
    title: str
    text: str
    result_numbers: tuple[str, ...]


def stories_of(chunks: Sequence[Chunk]) -> list[Story]:
    from cuecard.assist.offline import star_parts

    out: list[Story] = []
    for chunk in chunks:
        if not is_story(chunk):
            continue
        result = " ".join(star_parts(chunk.text)["result"])
        out.append(Story(chunk.title or "(untitled story)", chunk.text,
                         numbers_in(result) or numbers_in(chunk.text)))  # fmt: skip
    return out


class StoryMatcher:
    """Which of the candidate's stories an answer told, if any (rare shared words decide)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.stories = stories_of(chunks)
        self._tokens = [set(tokenize(f"{s.title} {s.text}")) for s in self.stories]
        self._own = [
            toks - set().union(*(t for j, t in enumerate(self._tokens) if j != i))
            for i, toks in enumerate(self._tokens)
        ]
        docs = [set(tokenize(f"{c.title} {c.text}")) for c in chunks] or [set()]
        n = len(docs)
        df: dict[str, int] = {}
        for doc in docs:
            for tok in doc:
                df[tok] = df.get(tok, 0) + 1
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._default_idf = math.log(1 + n)
        self._index = ProfileIndex(chunks) if chunks else None

    def match(self, answer: str) -> Story | None:
        words = set(tokenize(answer))
        if not words or not self.stories:
            return None
        total = sum(self._idf.get(t, self._default_idf) for t in words)
        scores = [
            sum(self._idf.get(t, self._default_idf) for t in words & toks) / total
            for toks in self._tokens
        ]
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        best = ranked[0]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        own = len(words & self._own[best])
        if scores[best] >= STORY_MATCH and scores[best] >= 1.3 * second and own >= STORY_OWN_WORDS:
            return self.stories[best]
        return None

    def for_question(self, question: str, kind: str) -> Story | None:
        """The story that fits a question best, to suggest when the answer told none."""
        if self._index is None:
            return None
        for chunk in self._index.search(question, 3, kind=kind):
            if is_story(chunk):
                title = chunk.title or "(untitled story)"
                return next((s for s in self.stories if s.title == title), None)
        return None


def _clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def long_pauses(utterances: Sequence[Utterance]) -> tuple[float, ...]:
    gaps = [b.start_s - a.end_s for a, b in itertools.pairwise(utterances)]
    return tuple(round(g, 1) for g in gaps if g >= LONG_PAUSE_S)


def feedback_for(
    question_id: int,
    question: str,
    kind: QuestionKind,
    utterances: Sequence[Utterance],
    *,
    matcher: StoryMatcher | None,
    emitted_s: float,
    checked: CheckedFillers | None = None,
    terms: Sequence[str] = (),
) -> Feedback:
    """The feedback event for one answer (its final utterances, in order).

    ``checked`` is the whole answer decoded once more and its fillers checked against
    the audio (``cuecard.practice.fillers.verify``): its text and counts are the
    answer's. Without it (no audio kept) the streaming text is used, and the filler
    count says it is unchecked ("low" confidence). ``terms`` are the job description's
    key terms, to say which the answer used and missed.
    """
    streamed = " ".join(u.text.strip() for u in utterances if u.text.strip())
    text = checked.text if checked is not None and checked.text.strip() else streamed
    start = utterances[0].start_s if utterances else 0.0
    end = utterances[-1].end_s if utterances else 0.0
    duration = max(0.0, end - start)
    words = spoken_words(text)
    wpm = round(words / (duration / 60), 1) if duration > 0 else 0.0
    fillers = checked.counts if checked is not None and checked.text.strip() else (
        count_fillers(text))  # fmt: skip
    star = star_of(text)
    story = matcher.match(text) if matcher is not None and text else None
    numbers = numbers_in(text)
    pauses = long_pauses(utterances)
    tradeoff = bool(_TRADEOFF.search(text))
    follow = follow_up_for(kind, words=words, star=star.parts, i_actions=star.i_actions,
                           we_actions=star.we_actions, tradeoff=tradeoff)  # fmt: skip
    used, missed = terms_in(text, terms)
    step = next_step(
        kind, words=words, duration_s=duration, wpm=wpm, fillers=fillers, star=star.parts,
        i_actions=star.i_actions, we_actions=star.we_actions, numbers=numbers, story=story,
        pauses=pauses, tradeoff=tradeoff,
        suggested=(matcher.for_question(question, kind) if matcher is not None and story is None
                   and kind == "behavioural" else None),
    )  # fmt: skip
    return Feedback(
        question_id, question, kind, text, round(start, 3), round(end, 3), round(duration, 2),
        words, wpm, fillers, sum(fillers.values()), star.parts,
        story.title if story is not None else None, numbers, pauses, step, emitted_s,
        checked.confidence if checked is not None and checked.text.strip() else "low",
        follow.question if follow is not None else None, used, missed, repeated_words(text),
    )  # fmt: skip


def next_step(
    kind: str,
    *,
    words: int,
    duration_s: float,
    wpm: float,
    fillers: dict[str, int],
    star: dict[str, bool],
    i_actions: int,
    we_actions: int,
    numbers: tuple[str, ...],
    story: Story | None,
    pauses: tuple[float, ...],
    suggested: Story | None = None,
    tradeoff: bool = True,
) -> str:
    """One concrete thing to do next time, the most useful first."""
    story_kind = kind in ("behavioural", "situational")
    if words == 0:
        return "no answer was heard: check your microphone, then try this question again"
    if words < SHORT_WORDS:
        if story_kind:
            return "say more: one sentence of context, what you did, and how it ended"
        return "say more: walk through your reasoning step by step, out loud"
    if kind == "behavioural":
        number = story.result_numbers[0] if story is not None and story.result_numbers else None
        if not star["result"]:
            if number:
                return f"say the result: your story has '{number}'"
            return "end with the result: what changed because of what you did, with a number"
        if not star["action"]:
            if we_actions and not i_actions:
                return "say what you did yourself: 'I …', not only 'we …'"
            return "say what you did: two or three steps, in the first person"
    total = sum(fillers.values())
    minutes = duration_s / 60
    if total >= 3 and minutes > 0 and total / minutes >= FILLERS_PER_MINUTE:
        kind_, n = max(fillers.items(), key=lambda kv: kv[1])
        said = f'"{kind_}" ×{n}' if kind_ not in VOCAL else f"{kind_} ×{n}"
        return (f"fewer fillers: {total} in {_clock(duration_s)} ({said}); pause silently "
                "instead")  # fmt: skip
    if wpm > FAST_WPM:
        return f"slow down: {wpm:.0f} words a minute; about 140-160 is easy to follow"
    if 0 < wpm < SLOW_WPM:
        return (f"pick up the pace a little: {wpm:.0f} words a minute; about 140-160 is easy "
                "to follow")  # fmt: skip
    if duration_s > LONG_ANSWER_S:
        return f"shorten it: {_clock(duration_s)}; aim for about two minutes"
    if kind == "behavioural":
        if not star["situation"]:
            return "open with one sentence of context: where you were and what was at stake"
        number = story.result_numbers[0] if story is not None and story.result_numbers else None
        if not numbers and number:
            return f"put a number on the result: your story has '{number}'"
        if suggested is not None:
            return f"this question fits your story '{suggested.title}': try telling it"
    if len(pauses) >= 2:
        return (f"{len(pauses)} long pauses: take a breath before the answer, not in it; "
                "a short outline first helps")  # fmt: skip
    if kind == "technical" and not tradeoff:
        return "next time name one trade-off you would make, and why"
    return (f"good: {'all four STAR parts, ' if all(star.values()) else ''}"
            f"{wpm:.0f} words a minute, {total} filler{'s' if total != 1 else ''}. Next: tell it "
            "once more without notes")  # fmt: skip
