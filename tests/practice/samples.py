"""A practice review as it comes out of the vault, for the HTML export test and screenshots."""

from __future__ import annotations

from typing import Any


def sample_review() -> tuple[Any, list[Any]]:
    """A practice review as it comes out of the vault, and three sessions of progress."""
    from cuecard.practice.review import AnswerReview, Moment, ProgressPoint, SessionReview

    answers = [
        AnswerReview(1, "Tell me about a time you disagreed with a teammate.", "behavioural",
                     "At my last job, um, a teammate wanted a weekend cutover. I asked her to "
                     "walk me through it and I proposed a rehearsal. We migrated with forty "
                     "seconds of read-only time.", 3.0, 48.0, 118, 147.5, {"um": 2, "like": 1},
                     3, {"situation": True, "task": False, "action": True, "result": True},
                     "Conflict with a teammate over a database migration plan",
                     "open with what was at stake: one sentence of context",
                     filler_confidence="high"),
        AnswerReview(2, "How would you design a rate limiter for a public API?", "technical",
                     "I would use a token bucket per client in Redis, uh, because it allows "
                     "short bursts.", 60.0, 35.0, 101, 173.1, {"uh": 1}, 1,
                     dict.fromkeys(("situation", "task", "action", "result"), False), None,
                     "slow down: 173 words a minute; about 140-160 is easy to follow",
                     filler_confidence="medium", follow_up="Why that approach?"),
        AnswerReview(3, "Tell me about a mistake you made.", "behavioural",
                     "Last year I shipped a config change that, um, you know, broke payments. I "
                     "rolled it back and I wrote the postmortem.", 110.0, 40.0, 95, 142.5,
                     {"um": 1, "you know": 1}, 2,
                     {"situation": True, "task": False, "action": True, "result": False}, None,
                     "end with the result: what changed because of what you did",
                     filler_confidence="high", follow_up="And what was the outcome?"),
    ]  # fmt: skip
    timeline = [Moment(0.0, "question", answers[0].question),
                Moment(3.0, "you", answers[0].answer_text),
                Moment(51.0, "feedback", answers[0].next_step)]  # fmt: skip
    review = SessionReview("20250301-101500-abc123", "2025-03-01T10:15:00+00:00", "practice",
                           160.0, answers, timeline, {"you": 123.0, "interviewer": 0.0})
    # two sessions on one day: the axis must tell them apart
    points = [ProgressPoint("a", "2025-02-20T10:00:00+00:00", 6.1, 181.0, 0.375),
              ProgressPoint("b", "2025-03-01T08:05:00+00:00", 4.2, 166.0, 0.5),
              ProgressPoint("c", "2025-03-01T10:15:00+00:00", 2.3, 154.0, 0.625)]  # fmt: skip
    return review, points
