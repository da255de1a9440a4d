"""Find the few profile chunks that matter for a question, in about a millisecond.

Hybrid ranking, built once per session:

- **lexical**: BM25 (bm25s) over every chunk of the user's documents;
- **competency**: the behavioural competency a question asks for ("pushed back
  on your boss" → conflict) matched against what each story is about (its
  heading's labels, or inferred from its title and text), from the curated
  table in ``cuecard.profile.competencies``. This is what bridges the
  paraphrases BM25 cannot: "boss" for manager, "biggest achievement" for the
  story the user is proudest of, "get up to speed in a codebase" for learning.

The final score is the BM25 score scaled to the best match (so 1 is "the best
lexical match") plus ``COMPETENCY_WEIGHT`` times the competency match.
Interview questions are short and full of filler ("tell me about a time
you…"), so the tokenizer drops interview filler as well as English stopwords,
folds a handful of interview synonyms into one token (disagreement → conflict,
colleague → teammate, incident → outage) and strips common English suffixes
with a small stemmer of its own (PyStemmer is not a dependency).

Two questions carry almost no searchable words: "tell me about yourself" and
"why do you want to work here". Their intent is recognised by pattern and
answered from the résumé's opening section and the job description.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from cuecard.profile import competencies
from cuecard.profile.company import company_of
from cuecard.profile.documents import Chunk
from cuecard.profile.normalise import is_star_story

Intent = Literal["self", "why_us"]


def _group(words: str, canonical: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), canonical)


_FILLER = _group(
    """
    i me my mine myself you your yours yourself yourselves we us our ours he she him her his its
    they them what which who whom whose when where why how would could should can shall may might
    must do does did done doing have has had having been being am were tell describe give gave walk
    talk share want during example examples time times about like just also very so some any all
    more most other than too please okay ok well let lets thing things something anything kind sort
    really much many get got handle handled handling deal dealt dealing approach approached
    ve ll re through
    """,
    "",
)
STOPWORDS: frozenset[str] = frozenset(STOPWORDS_EN) | frozenset(_FILLER)

_SYNONYMS: dict[str, str] = {
    **_group(
        "conflict conflicts conflicting disagree disagreed disagreeing disagreement disagreements "
        "dispute disputes argument arguments argued clash clashed friction tension",
        "conflict",
    ),
    **_group("teammate teammates colleague colleagues coworker coworkers peer peers", "teammate"),
    **_group("outage outages incident incidents downtime", "outage"),
    **_group("prod production", "production"),
    **_group("mentor mentors mentored mentoring mentorship coach coached coaching", "mentor"),
    **_group("mistake mistakes failure failures failed fail", "failure"),
    **_group("limiter limiters limiting throttle throttling throttled", "limit"),
    **_group("led lead leads leading", "lead"),
    **_group("code codebase codebases", "code"),
    **_group(
        "study studied studying school college university degree degrees education bsc ba ma "
        "msc phd diploma",
        "education",
    ),
}

_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ations", "ate"),
    ("ation", "ate"),
    ("ments", ""),
    ("ment", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A small suffix stripper: "migrated" and "migration" must meet; linguistics need not."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for _ in range(2):  # engineering → engineer → engine
        for suffix, replacement in _SUFFIXES:
            if word.endswith(suffix) and not word.endswith("ss"):
                root = word[: -len(suffix)]
                if len(root) >= 3:
                    word = root + replacement
                    break
        else:
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # stopped → stopp → stop
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _fold(text: str) -> str:
    """Lower case without accents, so "Résumé" and "resume" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_WORD = re.compile(r"[^\W_]{2,}")
_WENT_DOWN = re.compile(r"\b(?:went|goes|go|going|gone|was|were|is|are|be|been|being) down\b")
"""A system that "went down" had an outage; "slow down" and "cut down" are not outages."""


def tokenize(text: str) -> list[str]:
    """Words → stopwords out → interview synonyms folded → stemmed."""
    out: list[str] = []
    text = _WENT_DOWN.sub(" outage ", _fold(text))
    for word in _WORD.findall(text):
        if word in STOPWORDS:
            continue
        out.append(stem(_SYNONYMS.get(word, word)))
    return out


_SELF = re.compile(
    r"\b(about yourself|introduce yourself|walk (me|us) through your|your background"
    r"|who are you|tell (me|us) about you\W*$|describe yourself|your (career|journey) so far)"
)
_WHY_US = re.compile(
    r"\bwhy (do|would|did) you want\b|\bwhy (are you )?(interested|applying)\b"
    r"|\bwhy (this|our|the) (role|job|company|team|position)\b|\bwhy (us|here)\b"
    r"|\bwhat (interests|excites|attracts|draws) you\b|\bwhy\b.*\b(work|join)\b"
    # "Why Harbor Health?": why and a name, not "why did…" nor "why Kafka over Kinesis?"
    r"|^\W*why (?!.*\b(?:over|vs|versus|instead|rather|better|worse)\b)"
    r"(?!(?:do|does|did|would|is|was|are|were|should|could|can|not|have|has|didn|don"
    r"|isn|aren|you|we|they|i|it|that|this|so)\b)[\w&.' -]{2,40}\W*$"
)
_INTENT_WORDS: dict[Intent, str] = {
    "self": "summary profile background experience currently",
    "why_us": "about company mission",
}
# The document kinds an about-the-candidate answer draws on, first one first: a pitch is
# the résumé's opening plus why this job, an answer to "why us" the other way round.
_INTENT_KINDS: dict[Intent, tuple[str, str]] = {
    "self": ("resume", "job"),
    "why_us": ("job", "resume"),
}


def intent(question: str) -> Intent | None:
    """Recognise the two questions that are about the candidate, not a topic."""
    q = _fold(question)
    if _WHY_US.search(q):
        return "why_us"
    if _SELF.search(q):
        return "self"
    return None


_KIND_PREFERENCE: dict[str, str] = {"behavioural": "stories", "situational": "stories"}

_ESTIMATION = re.compile(
    r"\b(?:estimate|estimation|ballpark|back[- ]of[- ](?:the[- ])?envelope|order of magnitude"
    r"|size the|market size|how many \w+(?: \w+)? (?:are|is|would|do|does|will|could)"
    r"|how much (?:storage|data|bandwidth|traffic|memory|disk|money|would it cost)"
    r"|(?:requests|queries|messages|events) per (?:second|minute|day)|capacity (?:plan|planning))",
    re.IGNORECASE,
)


def is_estimation(question: str) -> bool:
    """An estimation question ("how many…", "estimate the storage…"): it wants a structure
    and the numbers the candidate's documents give, not a story."""
    return bool(_ESTIMATION.search(question))


_NUMBER = re.compile(r"\d")
_ABOUT_THE_JOB = re.compile(
    r"\b(?:this|the) (?:role|job|position|posting|team|opening)\b|\bthey (?:require|expect|want"
    r"|need|ask)|\b(?:require|expect)(?:s|d)? (?:me|of me|for)\b|\bqualif"
)
"""A technical question about the job rather than about the candidate."""
_WHY_SECTIONS = re.compile(
    r"\b(?:about|mission|values?|who we are|our story|product|overview|role summary"
    r"|position summary|the role|the opportunity|why join|culture)\b",
    re.IGNORECASE,
)
"""Job-description sections that say why someone would want to work there."""
_LOGISTICS_SECTIONS = re.compile(
    r"\b(?:basic information|how to apply|salary|compensation|work schedule|travel"
    r"|location|benefits|eligibility|application)\b",
    re.IGNORECASE,
)


def _opening(chunk: Chunk, goal: Intent, why_sections: bool) -> bool:
    """The chunk a "why us" or "about you" answer starts from, whatever its position.

    "Why us": the job description's mission, product, values or role summary (its first
    chunk is often only the job title, or the salary and location), or its first chunk
    when it has no such section. "About you": the résumé's opening.
    """
    if goal == "why_us" and chunk.kind == "job" and why_sections:
        return bool(_WHY_SECTIONS.search(chunk.title))
    return chunk.position == 0


COMPETENCY_WEIGHT = 1.2
"""How much a competency match counts against a full lexical match (1.0)."""

_STORY_SEEKING = re.compile(
    r"\b(?:a|one|the) time\b|\b(?:an|one|some|another) (?:example|instance|occasion|situation"
    r"|story|experience)\b|\bhave you ever\b|\bdescribe (?:a|an|the|your)\b"
    r"|\b(?:tell|talk to) (?:me|us) about (?:a|an|the|your|how)\b"
    r"|\bwalk (?:me|us) through (?:a|an|the)\b"
    r"|\btalk about (?:a|an|the)\b|\bshare (?:a|an|one|some)\b"
    r"|\bwhat(?:'s| is| was| were) (?:the|your) (?:most|biggest|hardest|worst|best|toughest"
    r"|greatest|proudest)\b|\bhow (?:did|have) you\b|\bwhen (?:did|have) you\b"
    r"|\byou(?:'ve| have) (?:ever )?(?:done|built|made|led|handled|designed|shipped|tracked)\b"
)
"""A question that asks for something the candidate did: a story answers it better than a
line of the job description or of the résumé."""
_NOT_STORY_FACTOR: dict[str, float] = {"job": 0.3, "resume": 0.7, "notes": 0.8}


def is_story(chunk: Chunk) -> bool:
    """A chunk that tells one story (from a stories file, or written in STAR form)."""
    return (
        chunk.story or (chunk.kind == "stories" and bool(chunk.title)) or is_star_story(chunk.text)
    )


Semantic = Literal["off", "add", "only"]


def default_semantic() -> Semantic:
    """ "add" where the embedding model package is installed, else "off".

    Measured on the held-back halves of both labelled sets (bench/retrieval.py):
    hybrid + embedding 52/64 top-1 (others' set 38/48, MRR 0.87; own set 14/16, MRR 0.94)
    against hybrid alone 42/64 (29/48 and 13/16).
    """
    from cuecard.profile import embedding

    return "add" if embedding.available() else "off"


_FRAMING = re.compile(
    r"^\W*(?:(?:can|could|would) you\s+)?(?:please\s+)?"
    r"(?:tell (?:me|us) about|describe|give (?:me|us) an? (?:example|instance) (?:of|when|where)"
    r"|share an? (?:example|story|time)|talk (?:me |us )?(?:about|through)|walk (?:me|us) through)"
    r"\s+(?:a|an|one|the)?\s*(?:time|situation|occasion|instance|example|moment|case)?"
    r"\s*(?:when|where|in which|that)?\s*(?:you(?:'ve| have)?)?\s*",
    re.IGNORECASE,
)
"""The interviewer's framing ("Tell me about a time you…", "Describe a situation where…")."""


def strip_framing(question: str) -> str:
    """The question without its interviewer framing, for the sentence encoder.

    Every behavioural question starts the same way, and the encoder weighs those words
    as much as the topic: "Tell me about a time you…" pulls towards any story whose
    title is itself a question. BM25 drops the same words as stopwords already.
    """
    stripped = _FRAMING.sub("", question, count=1).strip()
    return stripped if len(stripped) >= 8 else question


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _sentences(text: str) -> list[str]:
    """A chunk's sentences (a line counts as one), fragments of 15 characters or less left out."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if len(p.strip()) > 15]
    return parts or [text]


SEMANTIC_SHARPNESS = 2.0
"""The scaled cosine is raised to this power: near-best chunks keep most of the bonus, the
rest little (cosines of unrelated text sit at 0.1–0.3, not 0)."""
SEMANTIC_ALONE = 0.4
"""Cosine above which a chunk no word of the question matched still counts: unrelated
questions ("what's your notice period?") stay under 0.3 against a profile, and the
right story for a tune-set question has a median cosine of 0.33 (bench/retrieval.py)."""
SEMANTIC_WEIGHT = 0.8
"""How much the embedding match (cosine scaled to the best chunk's) adds to the hybrid score.
0.8 with the sentence match and the framing stripped (0.5 before them): tune halves 97/106."""


class ProfileIndex:
    """Hybrid retrieval over the chunks of a profile; build once per session, search per question.

    ``hybrid=False`` ranks by BM25 alone (for ``bench/retrieval.py``'s comparison).
    ``semantic`` adds the sentence-embedding match ("add"), ranks by it alone ("only"),
    or leaves it out ("off", and whenever the model package is not installed).
    """

    def __init__(
        self, chunks: Sequence[Chunk], *, hybrid: bool = True, semantic: Semantic = "off"
    ) -> None:
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.hybrid = hybrid
        self._vectors: np.ndarray | None = None
        self._sentence_vectors: np.ndarray | None = None
        self._owner: np.ndarray = np.zeros(0, dtype=np.int64)
        """For each sentence vector, the index of its chunk."""
        self.semantic_problem: str | None = None
        """Why the embedding match is off though it was asked for (one line), else None."""
        if semantic != "off" and self.chunks:
            from cuecard.profile import embedding

            try:
                encoder = embedding.model()
                self._vectors = encoder.encode(
                    [f"{c.title}. {' '.join(c.labels)}\n{c.text}" for c in self.chunks]
                )
                # Each sentence of a story on its own too: a whole story's vector is an average
                # that blurs the one line ("I sat with her every week") a question is about.
                # Stories only: résumé and job lines are short already, and every sentence
                # encoded is paid for when the session starts.
                pieces = [_sentences(c.text) if is_story(c) else [] for c in self.chunks]
                self._sentence_vectors = encoder.encode([t for ps in pieces for t in ps])
                self._owner = np.repeat(np.arange(len(pieces)), [len(ps) for ps in pieces])
            except embedding.EmbeddingUnavailable as err:
                self.semantic_problem = str(err)
        self.semantic: Semantic = semantic if self._vectors is not None else "off"
        self._cosine = np.zeros(len(self.chunks), dtype=np.float64)
        self._retriever: bm25s.BM25 | None = None
        self._token_sets: tuple[frozenset[str], ...] = ()
        self._why_sections = any(
            c.kind == "job" and _WHY_SECTIONS.search(c.title) for c in self.chunks
        )
        self.company: str | None = company_of(self.chunks)
        """The company of the job description, for "why us" answers (None if unknown)."""
        self.story_competencies: tuple[competencies.StoryCompetencies | None, ...] = tuple(
            competencies.of_story(c.title, c.text, c.labels, c.group) if is_story(c) else None
            for c in self.chunks
        )
        if self.chunks:
            # A story's hints (its "Tags:" line, its heading's labels) count as its words.
            corpus = [tokenize(f"{c.title}\n{' '.join(c.labels)}\n{c.text}") for c in self.chunks]
            self._token_sets = tuple(frozenset(t) for t in corpus)
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
            self._retriever = retriever

    def __len__(self) -> int:
        return len(self.chunks)

    def _competency_scores(self, query: str) -> np.ndarray:
        scores = np.zeros(len(self.chunks), dtype=np.float64)
        asked = competencies.asked_for(query)
        if not asked:
            return scores
        for i, story in enumerate(self.story_competencies):
            if story is not None:
                scores[i] = min(1.0, sum(w * story.weight(name) for name, w in asked.items()))
        return scores

    def scored(
        self, query: str, k: int = 4, *, kind: str | None = None
    ) -> list[tuple[Chunk, float]]:
        """The best ``k`` chunks with their scores, best first; only chunks that match.

        ``kind`` is the question kind from the dialogue stage: behavioural and
        situational questions prefer stories over résumé lines when both match.
        """
        if self._retriever is None or k <= 0:
            return []
        goal = intent(query)
        text = f"{query} {_INTENT_WORDS[goal]}" if goal else query
        if goal == "why_us" and self.company and not self._why_sections:
            text = f"{text} {self.company} {self.company}"  # the company's own section first
        tokens = tokenize(text)
        scores = np.zeros(len(self.chunks), dtype=np.float64)
        meaning = self._meaning(query)
        if self.semantic == "only":
            order = np.argsort(-meaning, kind="stable")[:k]
            return [(self.chunks[i], float(meaning[i])) for i in order if meaning[i] > 0]
        if tokens:
            scores += self._retriever.get_scores(tokens)
        top = float(scores.max(initial=0.0)) or 1.0
        if self.hybrid:
            # BM25 scaled to the best match, times the share of the question's words the
            # chunk has: one common word matching must not outrank a story about the topic.
            asked = set(tokens)
            coverage = np.array(
                [len(asked & words) / len(asked) if asked else 0.0 for words in self._token_sets]
            )
            scores = scores / top * (np.sqrt(coverage) if goal is None else 1.0)
            top = 1.0
            if goal is None:
                scores += COMPETENCY_WEIGHT * self._competency_scores(query)
                if _STORY_SEEKING.search(_fold(query)):
                    for i, chunk in enumerate(self.chunks):
                        if self.story_competencies[i] is None:
                            scores[i] *= _NOT_STORY_FACTOR.get(chunk.kind, 1.0)
        if self.semantic == "add":
            # Meaning reorders what matched; on its own it lifts a chunk only when the match
            # is strong, so "what's your favourite colour?" still finds nothing.
            strong = self._cosine >= SEMANTIC_ALONE
            if kind in ("behavioural", "situational") or _STORY_SEEKING.search(_fold(query)):
                # A question that asks for a story gets the closest one by meaning, even
                # with no word in common ("taken someone under your wing?" → mentoring).
                stories = np.array([c is not None for c in self.story_competencies])
                if stories.any():
                    best = int(np.argmax(np.where(stories, self._cosine, -1.0)))
                    strong[best] = True
            scores += SEMANTIC_WEIGHT * meaning * ((scores > 0) | strong)
        if goal:
            # About the candidate: the opening of the résumé and of the job description
            # are the answer even when no word of the question matches them.
            primary, secondary = _INTENT_KINDS[goal]
            for i, chunk in enumerate(self.chunks):
                if chunk.kind == primary:
                    opening = _opening(chunk, goal, self._why_sections)
                    scores[i] = scores[i] * 1.5 + top * (0.5 if opening else 0.1)
                    if goal == "why_us" and _LOGISTICS_SECTIONS.search(chunk.title):
                        scores[i] *= 0.5  # pay and how to apply are not why anyone joins
                    elif goal == "why_us" and self._why_sections and not opening:
                        scores[i] *= 0.6  # the job title line names the company, says no why
                elif chunk.kind == secondary and chunk.position == 0:
                    scores[i] += top * 0.25
        elif is_estimation(query):
            # Estimation: a structure plus the documents' own numbers, so chunks that give
            # numbers (traffic, team size, data volume) come first among the matches.
            for i, chunk in enumerate(self.chunks):
                if _NUMBER.search(chunk.text):
                    scores[i] *= 1.3
        elif kind == "technical":
            # Technical and design questions: the candidate's own experience first, then what
            # the job asks for; a question about the job itself ("what does this role
            # require?") the other way round.
            about_job = bool(_ABOUT_THE_JOB.search(_fold(query)))
            for i, chunk in enumerate(self.chunks):
                if chunk.kind == "resume":
                    scores[i] *= 0.7 if about_job else 1.5
                elif chunk.kind == "job":
                    scores[i] *= 1.5 if about_job else 0.6
        elif (preferred := _KIND_PREFERENCE.get(kind or "")) is not None:
            for i, chunk in enumerate(self.chunks):
                if chunk.kind == preferred:
                    scores[i] *= 1.25
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunks[i], float(scores[i])) for i in order if scores[i] > 0]

    def _meaning(self, query: str) -> np.ndarray:
        """Cosine of the question to each chunk, scaled so the best chunk scores 1 (0 if off)."""
        if self._vectors is None:
            self._cosine = np.zeros(len(self.chunks), dtype=np.float64)
            return self._cosine
        from cuecard.profile import embedding

        asked = embedding.model().encode([strip_framing(query)])[0]
        cosine = self._vectors @ asked
        if self._sentence_vectors is not None and len(self._owner):
            # Half the whole chunk, half its closest sentence (bench/retrieval.py, tune halves:
            # the right story first among stories 57/82 against 48/82 for the whole alone).
            best = np.full(len(self.chunks), -np.inf, dtype=np.float64)
            np.maximum.at(best, self._owner, (self._sentence_vectors @ asked).astype(np.float64))
            cosine = np.where(np.isfinite(best), (cosine + best) / 2, cosine)
        cosine = np.clip(cosine.astype(np.float64), 0.0, None)
        self._cosine = cosine
        top = float(cosine.max(initial=0.0)) or 1.0
        return np.asarray((cosine / top) ** SEMANTIC_SHARPNESS)

    def search(self, query: str, k: int = 4, *, kind: str | None = None) -> list[Chunk]:
        """The best ``k`` chunks for ``query``, best first (fewer when fewer match)."""
        return [chunk for chunk, _ in self.scored(query, k, kind=kind)]
