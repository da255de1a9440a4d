"""The offline engine: talking points from the user's own notes, with no key and no network.

It is the last provider in every chain, so an interview never goes blank when a
key is missing, a provider is down or the user chose to send nothing. It does
not pretend to be a model: it says it is offline, picks the profile chunk that
matches the question best and lays its sentences out in the frame that fits the
question's kind:

- behavioural: the story in STAR order (Situation, Task, Action, Result);
- technical: requirements → design → trade-offs, from the user's relevant work;
- situational: what you would do first → who you would tell → how you would
  follow up, from the closest story;
- about you: a short pitch, present → past → why this role, from the résumé and
  the job description ("why us" puts the job first, under the company's name as
  the job description gives it);
- coding: the order interviewers expect (clarify → brute force and its cost →
  the better approach and its complexity → tests). Offline there is no model to
  solve the problem, so these four are fixed lines: the structure, not the content.

Every line is a sentence of the user's own text (or a clause cut at its own
punctuation, or its first words and "…"), so it can never invent an employer, a
number or a date.

The notes are read at a glance mid-call: the story's title first, at most four
bullets of at most 12 words each, and the result last. A bullet is content only:
no frame label ("Action:"), none of the writer's labels ("What I did:") and no
markup, because a label costs words the glance needs and says nothing the
order does not (issue 23: 8 of 18 answers showed "- Action: What I did: …").
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import dataclass

from cuecard.assist.base import Prompt, StreamEnd, StreamItem, TextDelta, Usage
from cuecard.assist.prompting import estimate_tokens, parse_context_source
from cuecard.profile.company import company_name
from cuecard.profile.documents import DocKind, sentences
from cuecard.profile.normalise import (
    clean_inline,
    is_star_story,
    metadata,
    star_label,
    strip_star_label,
)
from cuecard.profile.retrieval import intent, is_estimation, tokenize

HEADER = "Offline notes — from your profile:"
NOTHING = "Nothing in your notes matches this question."
NOTHING_HINT = "Answer from experience, and add a story about this to your profile later."
FRAMES: dict[str, str] = {
    "technical": "Frame: requirements → design → trade-offs.",
    "situational": "Frame: what you'd do first → who you'd tell → how you'd follow up.",
    "self": "Frame: present → past → why this role.",
    "why_us": "Frame: what draws you to them → what you bring.",
}
"""The frames the labels follow; kept for providers' guidance, no longer printed (the labels say
it, and every line costs the overlay space)."""
CODING_HEADER = "Offline notes — a coding problem:"
CODING_STEPS: tuple[str, ...] = (
    "- Clarify: input sizes, empty input, duplicates, negatives, limits.",
    "- Brute force: the simplest correct way first; say its cost.",
    "- Better: what to sort, hash or reuse; its time and space.",
    "- Tests: the examples given, then edge cases, then a large input.",
)
"""What interviewers expect of a coding answer, in their order; a model fills in the content."""
ESTIMATE = "Count → assume → multiply → sanity-check; your numbers:"
"""The one fixed line of an estimation answer: the structure; the bullets under it are the
numbers from the user's own documents."""
FIXED_LINES: frozenset[str] = frozenset(
    {HEADER, NOTHING, NOTHING_HINT, ESTIMATE, CODING_HEADER, *CODING_STEPS, *FRAMES.values()}
)
"""Lines with no profile text in them; every other line quotes the profile."""
LABELS: tuple[str, ...] = (  # no longer printed; kept for callers that strip old answers
    "Story", "From", "Closest story", "Company", "Situation", "Task", "Action", "Result",
    "Requirements", "Design", "Trade-offs", "First", "Tell", "Follow up",
    "Now", "Background", "Before", "Why this role", "The company", "What you bring", "Note",
    "Clarify", "Brute force", "Better", "Tests",
)  # fmt: skip
"""Frame labels that start a line ("- Action: …", "Story: …")."""

WORDS_PER_PIECE = 4
MAX_BULLET_WORDS = 12
"""A bullet is read in a glance during a call: at most 12 words."""
MAX_BULLETS = 4
"""Four bullets fit the overlay's answer area at its default size (tests/ui)."""
ELLIPSIS = "…"


# ---------------------------------------------------------------------------
# The notes, as the engine sees them


@dataclass(frozen=True, slots=True)
class Note:
    kind: DocKind
    title: str
    text: str
    rank: int

    @property
    def star(self) -> bool:
        return is_star_story(self.text)


_STAR_LABEL = re.compile(
    r"^(?:- )?(?:[STAR]\s*[:.)—–-]\s*)?(situation|context|background|task|problem|challenge|goal"
    r"|actions?|approach|results?|outcomes?|impact|lessons?|learnings)\s*[:—–-]\s*",
    re.IGNORECASE,
)


def _content(sentence: str) -> str:
    """A sentence without its bullet mark, labels, markup or wrapping quotes.

    Labels go however many there are ("Action: What I did: I ranked…"); a metadata
    line ("Tags: …") or a bare label is no content at all.
    """
    sentence = sentence[2:] if sentence.startswith("- ") else sentence
    if metadata(sentence) is not None:
        return ""
    for _ in range(3):
        stripped = strip_star_label(_STAR_LABEL.sub("", sentence)).strip()
        if stripped == sentence:
            break
        sentence = stripped
    sentence = clean_inline(sentence).strip().strip('"“”').strip()
    if sentence.endswith(":") and len(sentence.split()) <= 5:
        return ""  # "Travel requirement:": a label whose content is on the next line
    return sentence if re.search(r"\w", sentence) else ""


_CUT = re.compile(
    r"[,;:—–(](?=\s)|\s(?=(?:and|but|which|so|because|while|after|before|then|so that|until"
    r"|instead of|rather than)\s)"
)


def glance(sentence: str, limit: int) -> str:
    """``sentence`` in at most ``limit`` words, still the user's own words.

    The whole sentence if it fits; else its longest opening clause that fits,
    cut at its own punctuation or before a joining word ("and", "because", …);
    else its first words and an ellipsis.
    """
    sentence = sentence.strip().rstrip(".")
    words = sentence.split()
    if len(words) <= limit:
        return sentence
    cuts = [m.start() for m in _CUT.finditer(sentence)]
    fitting = [c for c in cuts if 3 <= len(sentence[:c].split()) <= limit]
    if fitting:
        return sentence[: fitting[-1]].rstrip(" ,;:—–(")
    return " ".join(words[:limit]).rstrip(",;:") + ELLIPSIS


def star_parts(text: str) -> dict[str, list[str]]:
    """Sentences of a STAR story by part; unlabelled lines join the part above them."""
    parts: dict[str, list[str]] = {"situation": [], "task": [], "action": [], "result": []}
    current = "situation"
    for line in text.splitlines():
        label = star_label(line)
        if label is not None:
            current = label
        parts[current] += [_content(s) for s in sentences(line) if _content(s)]
    return parts


def _sentences(note: Note) -> list[str]:
    return [c for c in (_content(s) for s in sentences(note.text)) if c]


def _pick(
    pool: Sequence[str], used: set[str], test: Callable[[str], bool], limit: int
) -> list[str]:
    picked = [s for s in pool if s not in used and test(s)][:limit]
    used.update(picked)
    return picked


def _matches(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda s: bool(regex.search(s))


def _any(_: str) -> bool:
    return True


_HAS_NUMBER = _matches(r"\d")


def _outcome(pool: Sequence[str], used: set[str]) -> list[str]:
    """The result sentence to end on: one whose glance keeps a number, if there is one."""
    for sentence in pool:
        if sentence not in used and _HAS_NUMBER(glance(sentence, MAX_BULLET_WORDS - 1)):
            used.add(sentence)
            return [sentence]
    return _pick(pool, used, _any, 1)


# ---------------------------------------------------------------------------
# Frames


def _bullets(part: str, items: Iterable[str]) -> list[str]:
    """``items`` as bullets. ``part`` names the frame slot they fill; it is not shown."""
    del part  # the order of the bullets carries the frame
    return [f"- {glance(item, MAX_BULLET_WORDS)}" for item in items]


def _plain_bullets(items: Iterable[str]) -> list[str]:
    return [f"- {glance(item, MAX_BULLET_WORDS)}" for item in items]


def _behavioural(note: Note) -> list[str]:
    lines = [note.title] if note.title else []
    if note.star:
        parts = star_parts(note.text)
        used: set[str] = set()
        lines += _bullets("Situation", _pick(parts["situation"], used, _any, 1))
        lines += _bullets("Task", _pick(parts["task"], used, _any, 1))
        lines += _bullets("Action", _pick(parts["action"], used, _any, 1))
        lines += _bullets("Result", _outcome(parts["result"], used))
        return lines
    pool = _sentences(note)
    return lines + _plain_bullets(pool[:MAX_BULLETS])


_REQUIREMENT = _matches(r"requir|need(?:ed|s)? to|\bmust\b|\bgoal|constraint|\bhad to\b|asked to")
_TRADE_OFF = _matches(
    r"trade-?off|instead of|rather than|\bbut\b|however|because|\bcost|worse|better than"
    r"|fails? open|fall ?back|consider"
)
_DESIGN = _matches(
    r"\b(chose|choose|built|build|designed|design|used|use|implement|stored|added|split|moved"
    r"|updated|get|returns?)\b"
)


def _technical(note: Note) -> list[str]:
    lines = [note.title] if note.title else []
    used: set[str] = set()
    if note.star:
        parts = star_parts(note.text)
        early = parts["situation"] + parts["task"]
        action, result = parts["action"], parts["result"]
        requirements = _pick(action + early, used, _REQUIREMENT, 1) or _pick(early, used, _any, 1)
        design = _pick(action, used, lambda s: not _TRADE_OFF(s), 1)
        trade_offs = _pick(action + result, used, _TRADE_OFF, 1)
        outcome = _outcome(result, used)
    else:
        pool = _sentences(note)
        requirements = _pick(pool, used, _REQUIREMENT, 1)
        trade_offs = _pick(pool, used, _TRADE_OFF, 1)
        design = _pick(pool, used, _DESIGN, 1) or _pick(pool, used, _any, 1)
        outcome = _pick(pool, used, _HAS_NUMBER, 1)
    lines += _bullets("Requirements", requirements)
    lines += _bullets("Design", design)
    lines += _bullets("Trade-offs", trade_offs)
    lines += _bullets("Result", outcome)
    return lines


_TELL = _matches(
    r"\b(told|tell|inform\w*|updates?|status|posted|paged|page|escalat\w*|called|notif\w*"
    r"|communicat\w*|stakeholders?|managers?|support)\b"
)
_FOLLOW_UP = _matches(
    r"post-?mortem|retro\w*|afterwards|after that|next (day|week)|follow(ed|ing)?[ -]up"
    r"|prevent\w*|lessons?"
    r"|review|checklist|\bsince\b|added .{0,40}(alert|check|test)"
)


def _situational(note: Note) -> list[str]:
    lines = [note.title] if note.title else []
    used: set[str] = set()
    if note.star:
        parts = star_parts(note.text)
        action, result = parts["action"], parts["result"]
    else:
        action = result = _sentences(note)
    first = _pick(action, used, lambda s: not _TELL(s) and not _FOLLOW_UP(s), 1)
    first = first or _pick(action, used, _any, 1)
    tell = _pick(action + result, used, _TELL, 1)
    follow = _pick(result + action, used, _FOLLOW_UP, 1)
    outcome = _outcome(result, used) if note.star else []
    lines += _bullets("First", first)
    lines += _bullets("Tell", tell)
    lines += _bullets("Follow up", follow)
    lines += _bullets("Result", outcome)
    return lines


_NOW = _matches(r"\b(currently|now|present|today|current)\b")
_BEFORE = _matches(r"\b(previously|before|earlier|prior|startup|former|first job)\b")
_YEARS = _matches(r"\byears?\b")


def _overlap_first(pool: Sequence[str], reference: str) -> list[str]:
    """``pool`` ordered by how many words it shares with ``reference``, ties in order."""
    ref = set(tokenize(reference))
    return sorted(pool, key=lambda s: -len(ref & set(tokenize(s))))


def _job_text(notes: Sequence[Note]) -> str:
    return "\n\n".join(f"## {n.title}\n{n.text}" if n.title else n.text for n in notes)


def _pitch(notes: Sequence[Note], why_us: bool) -> list[str]:
    resume = [n for n in notes if n.kind == "resume"]
    job = sorted((n for n in notes if n.kind == "job"), key=lambda n: n.rank)
    resume_pool = [s for n in resume for s in _sentences(n)]
    job_pool = [s for n in job[:1] for s in _sentences(n)]
    used: set[str] = set()
    now = _pick(resume_pool, used, _NOW, 1)
    background = _pick(resume_pool, used, _YEARS, 1)
    if not now and not background:
        background = _pick(resume_pool, used, _any, 1)
    before = _pick(resume_pool, used, _BEFORE, 1)
    them = _pick(job_pool, used, _any, 1)
    them += _pick(_overlap_first(job_pool, " ".join(resume_pool)), used, _any, 1)
    if why_us:
        company = company_name(_job_text(job))
        lines = [company] if company else []
        lines += _bullets("The company", them)
        lines += _bullets("What you bring", [*now, *background][: MAX_BULLETS - len(them)])
        return lines
    lines = _bullets("Now", now)
    lines += _bullets("Background", background)
    lines += _bullets("Before", before)
    lines += _bullets("Why this role", them[:1])
    return lines


def _estimation(notes: Sequence[Note]) -> list[str]:
    """A structure to estimate with, then the numbers the user's documents give."""
    used: set[str] = set()
    pool = [s for n in sorted(notes, key=lambda n: n.rank) for s in _sentences(n)]
    numbers = _pick(pool, used, _HAS_NUMBER, MAX_BULLETS - 1)
    return [ESTIMATE, *_plain_bullets(numbers)]


def _generic(note: Note, question: str) -> list[str]:
    lines = [note.title] if note.title else []
    pool = _sentences(note)
    best = set(_overlap_first(pool, question)[:3])
    return lines + _plain_bullets(s for s in pool if s in best)


# ---------------------------------------------------------------------------
# Choosing the note


def _notes(prompt: Prompt) -> list[Note]:
    out = []
    for rank, (label, text) in enumerate(prompt.context):
        source = parse_context_source(label)
        out.append(Note(source.kind, source.title, text, rank))
    return out


_PREFERRED: dict[str, DocKind] = {
    "behavioural": "stories",
    "situational": "stories",
    "technical": "stories",
}


def best_note(notes: Sequence[Note], question: str, kind: str) -> Note | None:
    """The note to answer from: retrieval's first, or a story it ranked second.

    Retrieval already matched the question's paraphrases and competencies to
    the notes, so this does not re-rank them by shared words (that would undo
    it); it only prefers a story over a résumé line for behavioural,
    situational and technical questions when retrieval ranked the story
    second. ``question`` is kept for callers; the choice no longer needs it.
    """
    if not notes:
        return None
    ranked = sorted(notes, key=lambda n: n.rank)
    if _PREFERRED.get(kind):
        for note in ranked[:2]:
            if note.kind == _PREFERRED[kind] or note.star:
                return note
    return ranked[0]


def compose(prompt: Prompt) -> str:
    """The offline answer for ``prompt``, from ``prompt.context`` only."""
    if prompt.kind == "coding":
        return "\n".join([CODING_HEADER, *CODING_STEPS])
    notes = _notes(prompt)
    goal = intent(prompt.question)
    body: list[str] = []
    if goal is not None or (prompt.kind == "about-you" and any(n.kind == "resume" for n in notes)):
        if any(n.kind in ("resume", "job") for n in notes):
            body = _pitch(notes, why_us=goal == "why_us")
    else:
        note = best_note(notes, prompt.question, prompt.kind)
        if note is not None:
            if prompt.kind == "behavioural":
                body = _behavioural(note)
            elif is_estimation(prompt.question):
                body = _estimation(notes)
            elif prompt.kind == "technical":
                body = _technical(note)
            elif prompt.kind == "situational":
                body = _situational(note)
            else:
                body = _generic(note, prompt.question)
    if not any(line.startswith("- ") for line in body):
        body = [NOTHING, NOTHING_HINT]
    return "\n".join([HEADER, *body])


def _fit(text: str, max_tokens: int) -> str:
    """Whole lines while the estimate fits ``max_tokens`` (header and first line always)."""
    lines = text.split("\n")
    kept = lines[:2]
    for line in lines[2:]:
        if estimate_tokens("\n".join([*kept, line])) > max_tokens:
            break
        kept.append(line)
    return "\n".join(kept)


def pieces(text: str, words: int = WORDS_PER_PIECE) -> list[str]:
    """The answer in groups of a few words, whitespace kept, for a live-looking stream."""
    tokens = re.findall(r"\S+\s*", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


class OfflineProvider:
    """The ``offline`` provider: answers from the prompt's profile chunks, on this device."""

    name = "offline"
    model = "notes"
    needs_network = False
    destination = "this device"

    async def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        text = _fit(compose(prompt), max_tokens)
        for piece in pieces(text):
            yield TextDelta(piece)
            await asyncio.sleep(0)  # a cancellation point between pieces, not a delay
        yield StreamEnd(Usage())

    def warm(self) -> bool:
        return False  # plain Python, nothing to load ahead

    async def check(self) -> float:
        """Seconds to the first piece of a small answer (no network, so near zero)."""
        started = time.perf_counter()
        probe = Prompt(system="", messages=(), question="Tell me about yourself", kind="about-you")
        async for _ in self.stream(probe, max_tokens=64):
            break
        return time.perf_counter() - started

    async def list_models(self) -> list[str]:
        return [self.model]

    async def aclose(self) -> None:
        return None
