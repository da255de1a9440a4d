"""The shared wording: every front end shows the same clock and the same review figures."""

from __future__ import annotations

from dataclasses import replace

from tests.practice.samples import sample_review

from cuecard.ui.text import clock, duration, review_figures, review_summary


def test_clock_is_a_position_and_never_negative() -> None:
    assert clock(0) == "00:00"
    assert clock(61.9) == "01:01"
    assert clock(-0.2) == "00:00"  # a timestamp a hair before the session clock started


def test_duration_rounds_to_the_nearest_second() -> None:
    assert duration(59.6) == "1:00"
    assert duration(125.2) == "2:05"
    assert duration(-3) == "0:00"


def test_review_figures_leave_out_what_does_not_apply() -> None:
    review, _ = sample_review()
    figures = dict(review_figures(review))
    assert figures["answers"] == "3"
    assert figures["spoken"] == "2:03"  # 48 + 35 + 40 s of answers
    assert figures["pace"] == f"{review.wpm:.0f} words a minute"
    assert "you talked" not in figures  # practice: cuecard read the questions, no share to show
    interview = replace(review, mode="interview", talk_s={"you": 30.0, "interviewer": 90.0})
    assert dict(review_figures(interview))["you talked"] == "25% of the time"
    silent = replace(review, answers=[])
    assert [label for label, _ in review_figures(silent)] == ["answers", "spoken", "STAR coverage"]


def test_summary_is_one_line_in_reading_order() -> None:
    review, _ = sample_review()
    line = review_summary(review)
    assert "\n" not in line
    assert line.startswith("answers 3 · spoken 2:03 · pace ")
