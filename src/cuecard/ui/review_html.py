"""The review as one self-contained HTML file the candidate can keep.

Everything is inside the file: the charts are inline SVG, the styles one
``<style>`` block, no script at all, no font, image or stylesheet from
anywhere. A strict content-security policy in the page says so to the browser
too (``default-src 'none'``; the one style block is allowed by its hash), so
even a browser that follows links in a saved page fetches nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape

from cuecard.practice.review import ProgressPoint, SessionReview
from cuecard.ui import charts
from cuecard.ui.text import clock, duration, review_figures

STYLE = """
body { font-family: sans-serif; color: #1f2933; margin: 2rem auto; max-width: 920px;
       padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; font-size: 1.2rem; }
.meta { color: #52606d; } .figures { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.figure { background: #f5f7fa; border-radius: 6px; padding: 0.6rem 1rem; }
.figure b { display: block; font-size: 1.4rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.answer { border-top: 1px solid #d9e2ec; padding: 0.8rem 0; }
.q { font-weight: bold; } .said { margin: 0.4rem 0; }
.star span { display: inline-block; width: 1.6rem; text-align: center; margin-right: 0.2rem;
             border-radius: 3px; background: #e4e7eb; color: #9aa5b1; font-weight: bold; }
.star span.on { background: #27ae60; color: #ffffff; }
.next { color: #8d4a00; font-weight: bold; } .coach { color: #5b3c88; }
.suggestion { color: #334e68; white-space: pre-wrap; background: #f0f4f8; padding: 0.4rem; }
table.timeline { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
table.timeline td { border-top: 1px solid #e4e7eb; padding: 0.25rem 0.5rem; vertical-align: top; }
td.who { color: #52606d; white-space: nowrap; } .note { color: #52606d; font-size: 0.9rem; }
"""


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode()
    return (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
            "base-uri 'none'; form-action 'none'")  # fmt: skip


def _star(star: dict[str, bool]) -> str:
    cells = "".join(
        f'<span class="{"on" if star.get(p) else "off"}" title="{p}">{p[0].upper()}</span>'
        for p in ("situation", "task", "action", "result")
    )
    return f'<div class="star">{cells}</div>'


def charts_for(review: SessionReview) -> list[str]:
    """The session's charts as SVG strings (the desktop draws the same ones)."""
    out: list[str] = []
    labels = [f"Q{i}" for i in range(1, len(review.answers) + 1)]
    if review.answers:
        out.append(charts.bar_chart("Pace (words a minute; shaded: 140-160)", labels,
                                    [a.wpm for a in review.answers], band=(140, 160)))  # fmt: skip
        out.append(charts.bar_chart("Fillers per answer", labels,
                                    [float(a.filler_total) for a in review.answers],
                                    colours=[charts.WARN] * len(labels)))  # fmt: skip
        cov = review.star_coverage
        out.append(charts.bar_chart(
            "STAR coverage (% of answers stating each part)",
            ["Situation", "Task", "Action", "Result"], [100 * cov[p] for p in cov],
            unit="%", max_value=100, colours=[charts.GOOD] * 4,
        ))  # fmt: skip
    if review.talk_ratio is not None:
        out.append(charts.share_bar("Talk time", [
            ("you", review.talk_s.get("you", 0.0), charts.BAR),
            ("interviewer", review.talk_s.get("interviewer", 0.0), charts.MUTED),
        ]))  # fmt: skip
    return out


def session_label(started: str) -> str:
    """A session on a chart axis: its date and local time on two lines ("12-07\n14:05"), so
    two sessions of one day are told apart."""
    from datetime import datetime

    try:
        when = datetime.fromisoformat(started).astimezone()
    except ValueError:
        return started[5:16].replace("T", "\n")
    return when.strftime("%m-%d\n%H:%M")


CONFIDENCE = {
    "high": "checked against the audio: every filler counted has its own sound",
    "medium": "checked against the audio: some fillers the transcript had were not in it",
    "low": "not checked against the audio: the count may be off",
}


def progress_charts(points: Sequence[ProgressPoint]) -> list[str]:
    if len(points) < 2:
        return []
    labels = [session_label(p.started) for p in points]
    return [
        charts.line_chart(
            "Fillers per minute", labels, [p.fillers_per_minute for p in points], colour=charts.WARN
        ),
        charts.line_chart("Pace (words a minute)", labels, [p.wpm for p in points]),
        charts.line_chart(
            "STAR coverage (%)", labels, [100 * p.star_score for p in points], colour=charts.GOOD,
            max_value=100, unit="%",
        ),
    ]


def render(review: SessionReview, points: Sequence[ProgressPoint] = ()) -> str:
    """The whole page."""
    e = escape
    figures = review_figures(review)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>cuecard review · {e(review.started[:10])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{'Practice' if review.mode == 'practice' else 'Interview'} review</h1>",
        f'<p class="meta">{e(review.started.replace("T", " ")[:16])} UTC · session '
        f"{e(review.id)} · made by cuecard on this device; nothing in this file is loaded from "
        "anywhere.</p>",
        '<div class="figures">' + "".join(
            f'<div class="figure"><b>{e(v)}</b>{e(k)}</div>' for k, v in figures
        ) + "</div>",
    ]  # fmt: skip
    for note in review.notes:
        parts.append(f'<p class="note">Note: {e(note)}.</p>')
    session_charts = charts_for(review)
    if session_charts:
        parts.append('<h2>This session</h2><div class="charts">' + "".join(session_charts)
                     + "</div>")  # fmt: skip
    trend = progress_charts(points)
    if trend:
        parts.append(f"<h2>Progress over {len(points)} practice sessions</h2>"
                     '<div class="charts">' + "".join(trend) + "</div>")  # fmt: skip
    parts.append("<h2>Answers</h2>")
    for i, a in enumerate(review.answers, 1):
        fillers = ", ".join(f"{k} ×{n}" for k, n in a.fillers.items()) or "none"
        block = [
            f'<div class="answer"><div class="q">Q{i}. {e(a.question)}</div>',
            f'<div class="meta">{e(a.kind)} · {duration(a.duration_s)} · {a.words} words · '
            f"{a.wpm:.0f} words a minute · fillers: {e(fillers)} "
            f"({e(a.filler_confidence)} confidence)"
            f"{' · story: ' + e(a.story) if a.story else ''}</div>",
            f'<p class="note">Filler count: {e(CONFIDENCE.get(a.filler_confidence, ""))}.</p>',
            _star(a.star),
            f'<p class="said">{e(a.answer_text)}</p>',
            f'<p class="next">Next step: {e(a.next_step)}</p>',
        ]
        if a.follow_up:
            block.append(f'<p class="follow">Follow-up asked: {e(a.follow_up)}</p>')
        if a.coach:
            block.append(f'<p class="coach">Coach: {e(a.coach)}</p>')
        if a.suggestion:
            block.append(f'<div class="suggestion">Suggested: {e(a.suggestion)}</div>')
        parts.append("".join(block) + "</div>")
    parts.append('<h2>Timeline</h2><table class="timeline">')
    for m in review.timeline:
        parts.append(f'<tr><td class="who">{clock(m.t)} {e(m.who)}</td><td>{e(m.text)}</td></tr>')
    parts.append("</table></body></html>")
    return "\n".join(parts)
