"""Looking back at a kept session: what was asked, what you said, how it went; and progress.

A kept session is read from the vault (decrypted in memory only, never written
out again). A practice session carries the feedback computed when it ran; a
kept interview has no feedback records, so each answer (what you said between
one question and the next) is measured here the same way. Whisper leaves
"um" and "uh" out of a live transcript (the disfluent prompt is for practice
only), so an interview's vocal fillers are not counted, and the review says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from cuecard.events import QuestionKind, Utterance
from cuecard.practice.feedback import StoryMatcher, feedback_for
from cuecard.practice.star import PARTS

if TYPE_CHECKING:
    from cuecard.privacy.vault import SessionData

INTERVIEW_FILLER_NOTE = (
    "a live transcript leaves out 'um' and 'uh', so only word fillers (like, you know…) are "
    "counted in an interview; practice counts both"
)


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of the timeline."""

    t: float
    who: str
    """``interviewer``, ``you``, ``question``, ``suggestion``, ``coach`` or ``feedback``."""
    text: str


@dataclass
class AnswerReview:
    question_id: int
    question: str
    kind: str
    answer_text: str
    start_s: float
    duration_s: float
    words: int
    wpm: float
    fillers: dict[str, int]
    filler_total: int
    star: dict[str, bool]
    story: str | None
    next_step: str
    suggestion: str = ""
    """What cuecard suggested for the question (interviews)."""
    coach: str = ""
    filler_confidence: str = "low"
    """How sure the filler count is (``Feedback.filler_confidence``; "low": not checked
    against the audio, as in sessions kept before the check existed)."""
    follow_up: str = ""
    """The follow-up question the interviewer asked about this answer, if any."""


@dataclass
class SessionReview:
    id: str
    started: str
    mode: str
    """``practice`` or ``interview``."""
    duration_s: float
    answers: list[AnswerReview]
    timeline: list[Moment]
    talk_s: dict[str, float]
    notes: list[str] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)
    """Every question asked in the session, once each, in order: (text, kind)."""

    @property
    def talk_ratio(self) -> float | None:
        """Your share of the talking (interviews; practice questions are read by cuecard)."""
        total = self.talk_s.get("you", 0.0) + self.talk_s.get("interviewer", 0.0)
        if self.mode != "interview" or total <= 0:
            return None
        return self.talk_s.get("you", 0.0) / total

    @property
    def spoken_s(self) -> float:
        return sum(a.duration_s for a in self.answers)

    @property
    def fillers_per_minute(self) -> float | None:
        minutes = self.spoken_s / 60
        return sum(a.filler_total for a in self.answers) / minutes if minutes > 0 else None

    @property
    def wpm(self) -> float | None:
        minutes = self.spoken_s / 60
        return sum(a.words for a in self.answers) / minutes if minutes > 0 else None

    @property
    def star_coverage(self) -> dict[str, float]:
        """Share of behavioural answers (all answers if none were) that stated each part."""
        pool = [a for a in self.answers if a.kind == "behavioural"] or self.answers
        if not pool:
            return dict.fromkeys(PARTS, 0.0)
        return {p: sum(1 for a in pool if a.star.get(p)) / len(pool) for p in PARTS}

    @property
    def star_score(self) -> float:
        cov = self.star_coverage
        return sum(cov.values()) / len(cov)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            talk_ratio=_round(self.talk_ratio), fillers_per_minute=_round(self.fillers_per_minute),
            wpm=_round(self.wpm, 1), star_coverage={k: round(v, 3) for k, v in
                                                     self.star_coverage.items()},
        )  # fmt: skip
        return data


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat("T", "seconds")


def is_practice(data: SessionData) -> bool:
    for record in data.records:
        if record.kind == "session":
            return "practice" in record.data.get("stages", [])
    return any(r.kind == "feedback" for r in data.records)


def review_session(data: SessionData, *, matcher: StoryMatcher | None = None) -> SessionReview:
    """The review of one kept session (its records, in order)."""
    practice = is_practice(data)
    timeline: list[Moment] = []
    questions: list[dict[str, Any]] = []
    utterances: list[Utterance] = []
    feedback: dict[int, dict[str, Any]] = {}
    suggestions: dict[int, str] = {}
    coach: dict[int, str] = {}
    talk = {"you": 0.0, "interviewer": 0.0}
    for record in data.records:
        d = record.data
        if record.kind == "utterance":
            u = Utterance(int(d.get("id", 0)), d["speaker"], d["text"], True,
                          float(d["start_s"]), float(d["end_s"]), 0.0, d["text"])  # fmt: skip
            utterances.append(u)
            talk[u.speaker] = talk.get(u.speaker, 0.0) + max(0.0, u.end_s - u.start_s)
            timeline.append(Moment(u.start_s, u.speaker, u.text))
        elif record.kind == "question":
            questions.append(d)
            timeline.append(Moment(float(d.get("end_s", 0.0)), "question", d["text"]))
        elif record.kind == "feedback":
            feedback[int(d["question_id"])] = d
            timeline.append(Moment(float(d.get("end_s", 0.0)), "feedback", d["next_step"]))
        elif record.kind == "answer":
            suggestions[int(d["question_id"])] = d["text"]
            at = _question_time(questions, int(d["question_id"]))
            timeline.append(Moment(at, "suggestion", d["text"]))
        elif record.kind == "coach":
            coach[int(d["question_id"])] = d["text"]
    timeline.sort(key=lambda m: m.t)
    answers: list[AnswerReview] = []
    seen: set[int] = set()
    for i, q in enumerate(questions):
        qid = int(q["id"])
        if qid in seen:  # a revised question keeps its id
            continue
        seen.add(qid)
        fb = feedback.get(qid)
        if fb is None and practice:
            continue  # asked, never answered
        if fb is None:
            start = float(q.get("end_s", 0.0))
            later = [float(x.get("end_s", 0.0)) for x in questions[i + 1 :]
                     if int(x["id"]) != qid]  # fmt: skip
            end = min(later) if later else float("inf")
            said = [u for u in utterances if u.speaker == "you" and start <= u.start_s < end]
            if not said:
                continue
            made = feedback_for(qid, q["text"], cast(QuestionKind, q.get("kind", "technical")),
                                said, matcher=matcher, emitted_s=0.0)  # fmt: skip
            fb = {k: getattr(made, k) for k in (
                "answer_text", "start_s", "duration_s", "words", "wpm", "fillers",
                "filler_total", "star", "story", "next_step")}  # fmt: skip
        answers.append(AnswerReview(
            qid, q["text"], str(q.get("kind", "")), fb["answer_text"], float(fb["start_s"]),
            float(fb["duration_s"]), int(fb["words"]), float(fb["wpm"]), dict(fb["fillers"]),
            int(fb["filler_total"]), dict(fb["star"]), fb.get("story"), fb["next_step"],
            suggestions.get(qid, ""), coach.get(qid, ""),
            str(fb.get("filler_confidence") or "low"), str(fb.get("follow_up") or ""),
        ))  # fmt: skip
    ends = [u.end_s for u in utterances] + [m.t for m in timeline]
    info = data.info
    notes = [] if practice or not answers else [INTERVIEW_FILLER_NOTE]
    asked: list[tuple[str, str]] = []
    for q in questions:
        text = " ".join(str(q.get("text", "")).split())
        if text and text.lower() not in (t.lower() for t, _ in asked):
            asked.append((text, str(q.get("kind") or "technical")))
    return SessionReview(
        info.id, _iso(info.started), "practice" if practice else "interview",
        round(max(ends, default=0.0), 2), answers, timeline,
        {k: round(v, 2) for k, v in talk.items()}, notes, asked,
    )  # fmt: skip


def _question_time(questions: Sequence[dict[str, Any]], qid: int) -> float:
    for q in reversed(questions):
        if int(q["id"]) == qid:
            return float(q.get("end_s", 0.0)) + 0.01
    return 0.0


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    id: str
    started: str
    fillers_per_minute: float | None
    wpm: float | None
    star_score: float


def progress(reviews: Sequence[SessionReview]) -> list[ProgressPoint]:
    """One point per kept practice session with answers, oldest first (a trend needs two)."""
    return [
        ProgressPoint(r.id, r.started, _round(r.fillers_per_minute, 2), _round(r.wpm, 1),
                      round(r.star_score, 3))
        for r in sorted(reviews, key=lambda r: r.started)
        if r.mode == "practice" and r.answers
    ]


class ReviewError(Exception):
    """One line: why no review can be shown (nothing kept, the vault is locked, …)."""


@dataclass(frozen=True, slots=True)
class KeptSession:
    id: str
    started: str
    mode: str
    answers: int


def load_reviews(session: str | None = None) -> tuple[SessionReview, list[SessionReview]]:
    """The review of one kept session (the last one by default) and of every kept practice.

    Decrypted in memory only; nothing is written. Raises ``ReviewError``.
    """
    target, practices, _ = _read_vault(session)
    assert target is not None
    return target, practices


def kept_sessions() -> list[KeptSession]:
    """Every kept session, newest first, for a list to choose from (decrypts each)."""
    _, _, listing = _read_vault(None, need_target=False)
    return listing


def _read_vault(
    session: str | None, *, need_target: bool = True
) -> tuple[SessionReview | None, list[SessionReview], list[KeptSession]]:
    from cuecard import config as config_mod
    from cuecard.privacy.secrets import SecretsError
    from cuecard.privacy.vault import Vault, vault_path
    from cuecard.privacy.vault_keys import VaultError
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import profile_chunks

    if not vault_path().exists():
        if not need_target:
            return None, [], []
        raise ReviewError("no session has been kept yet: practise with `cuecard practice "
                          "--keep` (or tick Keep), or turn on privacy.keep_sessions")  # fmt: skip
    try:
        cfg = config_mod.load(create=False)
    except config_mod.ConfigError as err:
        raise ReviewError(str(err)) from None
    try:
        chunks = profile_chunks()
    except ProfileError:
        chunks = []
    matcher = StoryMatcher(chunks) if chunks else None
    target: SessionReview | None = None
    practices: list[SessionReview] = []
    listing: list[KeptSession] = []
    try:
        with Vault.open(retention_days=cfg.privacy.retention_days) as vault:
            infos = [i for i in vault.list_sessions() if i.readable]
            if not infos and need_target:
                raise ReviewError("no kept session left (retention may have erased older ones)")
            wanted = session or (infos[-1].id if infos else None)
            for info in infos:
                data = vault.read_session(info.id)
                try:
                    review = review_session(data, matcher=matcher)
                except (KeyError, TypeError, ValueError, AttributeError):
                    # a record without a field this version reads (an older cuecard's, or
                    # one edited by hand): that session cannot be reviewed, the others can
                    if info.id == wanted:
                        raise ReviewError(
                            f"session {info.id} has a record this cuecard cannot read (from an "
                            "older version?): `cuecard data export` still gives its contents"
                        ) from None
                    continue
                listing.append(KeptSession(info.id, review.started, review.mode,
                                           len(review.answers)))  # fmt: skip
                if info.id == wanted:
                    target = review
                if review.mode == "practice":
                    practices.append(review)
    except (VaultError, SecretsError) as err:
        raise ReviewError(str(err)) from None
    if target is None and need_target:
        raise ReviewError(f"no kept session {wanted!r}: `cuecard data where` lists them")
    return target, practices, listing[::-1]
