"""Small SVG charts for the review: plain strings, no library, nothing loaded from anywhere.

Shared by the HTML export (inline in the page) and the desktop's Review page
(rendered to images by Qt). Colours are presentation attributes, never
``style=``: the export's content-security policy allows no inline style on elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#d9e2ec"
BAR = "#2f80ed"
GOOD = "#27ae60"
WARN = "#e67e22"
BAND = "#e3f2e6"
FONT = "font-family=\"sans-serif\""


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start",
          fill: str = INK) -> str:  # fmt: skip
    """One label; a newline in ``text`` starts a second line under the first."""
    lines = text.split("\n")
    inner = escape(lines[0]) + "".join(
        f'<tspan x="{x:.1f}" dy="{size + 1}">{escape(line)}</tspan>' for line in lines[1:]
    )
    return (f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}">{inner}</text>')  # fmt: skip


CHAR_W = 0.6
"""Width of a sans-serif character in units of the font size (for spacing labels)."""


def label_every(labels: Sequence[str], slot: float, size: int = 10) -> int:
    """Show every n-th label so that none overlaps the next (the others are left blank)."""
    widest = max((len(line) for label in labels for line in label.split("\n")), default=0)
    need = widest * size * CHAR_W + 6
    return max(1, -(-int(need) // max(1, int(slot))))


def nice_top(value: float) -> float:
    """A round upper bound with four round ticks under it (190 → 200, 2.6 → 3, 7 → 8)."""
    import math

    if value <= 0:
        return 1.0
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step: float = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return float(step * 4)


def _tick(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.1f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    unit: str = "",
    band: tuple[float, float] | None = None,
    max_value: float | None = None,
    width: int = 440,
    height: int = 220,
    colours: Sequence[str] | None = None,
) -> str:
    """Vertical bars, one per label; ``band`` shades a target range (pace 140-160)."""
    left, right, top, bottom = 44, 12, 36, 34  # room for a value label over a full bar
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max_value if max_value is not None else nice_top(
        max([*values, *(band or ()), 1.0]) * 1.08
    )
    body = [_text(left, 16, title, size=13)]

    def y(v: float) -> float:
        return top + plot_h - (v / top_value) * plot_h if top_value else top + plot_h

    if band is not None:
        y0, y1 = y(band[1]), y(band[0])
        body.append(f'<rect x="{left}" y="{y0:.1f}" width="{plot_w}" height="{y1 - y0:.1f}" '
                    f'fill="{BAND}"/>')  # fmt: skip
    for k in range(5):
        v = top_value * k / 4
        yy = y(v)
        body.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')  # fmt: skip
        body.append(_text(left - 6, yy + 4, f"{_tick(v)}{unit}", size=10, anchor="end",
                          fill=MUTED))  # fmt: skip
    n = max(1, len(values))
    slot = plot_w / n
    bar_w = min(48.0, slot * 0.7)
    every = label_every(labels, slot)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + slot * i + (slot - bar_w) / 2
        colour = colours[i] if colours else BAR
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y(value):.1f}" width="{bar_w:.1f}" '
                    f'height="{top + plot_h - y(value):.1f}" fill="{colour}"/>')  # fmt: skip
        body.append(_text(x + bar_w / 2, y(value) - 4, f"{value:.0f}", size=10, anchor="middle"))
        if i % every == 0:
            body.append(_text(x + bar_w / 2, height - bottom + 16, label, size=10,
                              anchor="middle", fill=MUTED))  # fmt: skip
    return _svg(width, height, title, body)


def line_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    width: int = 290,
    height: int = 210,
    colour: str = BAR,
    max_value: float | None = None,
) -> str:
    """A trend over sessions; a session with no value leaves a gap.

    ``max_value`` fixes the axis (100 for a share: a rise from 50 to 62 % should look like
    one, not fill the chart). Labels may have two lines ("12-07\n14:05"); when they would
    overlap, only every n-th is written.
    """
    left, right, top, bottom = 44, 16, 36, 44
    inset = 14.0  # points stand clear of the axis, so no value label sits on a tick label
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    top_value = max_value if max_value is not None else nice_top(max([*known, 1.0]) * 1.08)
    body = [_text(left, 16, title, size=13)]

    def y(v: float) -> float:
        return top + plot_h - (v / top_value) * plot_h

    for k in range(5):
        v = top_value * k / 4
        body.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')  # fmt: skip
        body.append(_text(left - 6, y(v) + 4, f"{_tick(v)}{unit}", size=10, anchor="end",
                          fill=MUTED))  # fmt: skip
    n = len(values)
    step = (plot_w - 2 * inset) / max(1, n - 1)
    points = [(left + inset + step * i if n > 1 else left + plot_w / 2, v)
              for i, v in enumerate(values)]  # fmt: skip
    every = label_every(labels, step if n > 1 else plot_w)
    path = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in points if v is not None)
    if path:
        body.append(f'<polyline class="trend" points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>')  # fmt: skip
    for i, ((x, value), label) in enumerate(zip(points, labels, strict=True)):
        if value is not None:
            body.append(f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}"/>')
            if i % every == 0 or i == n - 1:
                body.append(_text(x, y(value) - 7, f"{value:.1f}" if value < 10
                                  else f"{value:.0f}", size=10, anchor="middle"))  # fmt: skip
        if i % every == 0:
            body.append(_text(x, height - bottom + 14, label, size=10, anchor="middle",
                              fill=MUTED))  # fmt: skip
    return _svg(width, height, title, body)


def share_bar(title: str, parts: Sequence[tuple[str, float, str]], *, width: int = 440,
              height: int = 70) -> str:  # fmt: skip
    """One horizontal bar split into shares (talk time: you / interviewer)."""
    left, right, top = 12, 12, 28
    total = sum(v for _, v, _ in parts) or 1.0
    body = [_text(left, 16, title, size=13)]
    x = float(left)
    plot_w = width - left - right
    for label, value, colour in parts:
        w = plot_w * value / total
        body.append(f'<rect x="{x:.1f}" y="{top}" width="{w:.1f}" height="22" fill="{colour}"/>')
        if w > 60:
            body.append(_text(x + 6, top + 15, f"{label} {value / total:.0%}", size=11,
                              fill="#ffffff"))  # fmt: skip
        x += w
    return _svg(width, height, title, body)
