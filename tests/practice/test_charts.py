"""The review's charts tell the truth: sessions by date and time, shares on 0-100 %, no label
drawn on top of another, and the filler count's confidence stated."""

from __future__ import annotations

import re

from cuecard.ui import charts
from cuecard.ui.review_html import progress_charts, render, session_label
from practice.samples import sample_review


def _texts(svg: str) -> list[tuple[float, float, str]]:
    """(x, y, text) of every label (its first line)."""
    return [(x, y, text) for x, y, text, _anchor in _labels(svg)]


def _labels(svg: str) -> list[tuple[float, float, str, str]]:
    out = []
    for m in re.finditer(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*text-anchor="(\w+)">(.*?)</text>',
                         svg):  # fmt: skip
        first = re.split(r"<tspan", m.group(4))[0]
        out.append((float(m.group(1)), float(m.group(2)), first, m.group(3)))
    return out


def _overlaps(svg: str, size: int = 10) -> list[tuple[str, str]]:
    boxes = []
    for x, y, text, anchor in _labels(svg):
        w = len(text) * size * charts.CHAR_W
        lo = {"start": x, "end": x - w}.get(anchor, x - w / 2)
        boxes.append((lo, lo + w, y - size, y, text))
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]:
                bad.append((a[4], b[4]))
    return bad


def test_two_sessions_of_one_day_are_told_apart() -> None:
    _review, points = sample_review()
    labels = [session_label(p.started) for p in points]
    assert len(set(labels)) == len(labels)
    assert all("\n" in label and ":" in label for label in labels)
    star = progress_charts(points)[2]
    assert star.count("<tspan") >= len(points)  # date and time, on two lines


def test_shares_run_from_0_to_100_percent() -> None:
    _review, points = sample_review()
    star = progress_charts(points)[2]
    ticks = [t for _x, _y, t in _texts(star) if t.endswith("%")]
    assert ticks[0] == "0%" and ticks[-1] == "100%", ticks  # not 80 % for a 62 % top value


def test_no_label_overlaps_another() -> None:
    values = [float(v) for v in range(12)]
    labels = [f"12-{d:02d}\n14:05" for d in range(1, 13)]
    line = charts.line_chart("Fillers per minute", labels, values)
    assert not _overlaps(line), _overlaps(line)
    bars = charts.bar_chart("Pace", [f"Question {i}" for i in range(12)], values)
    assert not _overlaps(bars), _overlaps(bars)
    _review, points = sample_review()
    for svg in progress_charts(points):  # the first point's value clear of the tick labels
        assert not _overlaps(svg), _overlaps(svg)


def test_the_review_says_how_sure_the_filler_count_is() -> None:
    review, points = sample_review()
    html = render(review, points)
    assert "(high confidence)" in html and "(medium confidence)" in html
    assert "checked against the audio" in html
    assert "Follow-up asked: And what was the outcome?" in html
