"""Wording shared by every front end, so the terminal, the desktop and the HTML report agree.

Times and review figures were formatted separately in six places and had started to
disagree (one clock clamped negatives, another did not); one module keeps them the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the terminal path must not import the vault just to format a clock
    from cuecard.practice.review import SessionReview


def clock(seconds: float) -> str:
    """A position in the session, ``mm:ss`` (never negative: clocks start at zero)."""
    m, s = divmod(int(max(0.0, seconds)), 60)
    return f"{m:02d}:{s:02d}"


def duration(seconds: float) -> str:
    """How long something lasted, ``m:ss``, rounded to the nearest second."""
    m, s = divmod(round(max(0.0, seconds)), 60)
    return f"{m}:{s:02d}"


def review_figures(review: SessionReview) -> list[tuple[str, str]]:
    """The headline figures of a review as (label, value), in reading order.

    Figures that do not apply (pace with nothing said, talk share in practice) are left
    out rather than shown as zero, which would read as a judgement.
    """
    figures = [("answers", str(len(review.answers))), ("spoken", duration(review.spoken_s))]
    if review.wpm is not None:
        figures.append(("pace", f"{review.wpm:.0f} words a minute"))
    if review.fillers_per_minute is not None:
        figures.append(("fillers", f"{review.fillers_per_minute:.1f} a minute"))
    figures.append(("STAR coverage", f"{review.star_score:.0%}"))
    if review.talk_ratio is not None:
        figures.append(("you talked", f"{review.talk_ratio:.0%} of the time"))
    return figures


def review_summary(review: SessionReview) -> str:
    """The figures as one line: ``answers 5 · spoken 3:12 · pace 141 words a minute · …``."""
    return " · ".join(f"{label} {value}" for label, value in review_figures(review))
