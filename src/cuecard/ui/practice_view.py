"""Practice in the terminal: the question, what you said, then the feedback card.

Line by line, not a live redraw: a mock interview has a slow rhythm (one
question, one answer), and a printed history is what the candidate scrolls
back through afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cuecard.events import CoachNote, Event, Feedback, Notice, Question, Utterance, YourTurn
from cuecard.ui.text import duration

STAR_LETTERS = (("situation", "S"), ("task", "T"), ("action", "A"), ("result", "R"))


def star_line(star: dict[str, bool]) -> Text:
    """S T A R, each green when stated and dim when not."""
    text = Text()
    for part, letter in STAR_LETTERS:
        text.append(f" {letter} ", style="bold black on green" if star.get(part) else "dim")
        text.append(" ")
    return text


def star_words(star: dict[str, bool]) -> str:
    """The same in words, for output without colour (a pipe, a log): which parts were
    stated and which were missing; four letters alike on every row would say nothing."""
    present = [part for part, _ in STAR_LETTERS if star.get(part)]
    missing = [part for part, _ in STAR_LETTERS if not star.get(part)]
    if not missing:
        return "all four parts"
    if not present:
        return "no part stated"
    return f"{', '.join(present)}; missing {', '.join(missing)}"


def feedback_panel(fb: Feedback, *, colour: bool = True) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    fillers = ", ".join(f"{k} ×{n}" for k, n in fb.fillers.items()) or "none"
    length = f"{duration(fb.duration_s)}, {fb.words} words, {fb.wpm:.0f} words a minute"
    grid.add_row("length", length)
    grid.add_row("fillers", f"{fb.filler_total}: {fillers} ({fb.filler_confidence} confidence)")
    if fb.long_pauses:
        grid.add_row("long pauses", ", ".join(f"{p:.1f} s" for p in fb.long_pauses))
    grid.add_row("STAR", star_line(fb.star) if colour else star_words(fb.star))
    grid.add_row("story", fb.story or "none of your stories")
    grid.add_row("numbers", ", ".join(fb.numbers) or "none")
    if fb.terms_used or fb.terms_missed:
        grid.add_row("job terms", f"used: {', '.join(fb.terms_used) or 'none'}; missed: "
                                  f"{', '.join(fb.terms_missed) or 'none'}")  # fmt: skip
    if fb.repeated:
        grid.add_row("repeated", ", ".join(fb.repeated))
    if fb.follow_up:
        grid.add_row("follow-up", Text(fb.follow_up, style="bold"))
    grid.add_row(Text("next step", style="bold"), Text(fb.next_step, style="bold yellow"))
    return Panel(grid, title="feedback", title_align="left", border_style="cyan")


class PracticePrinter:
    """A session sink that prints the mock interview as it goes."""

    def __init__(
        self,
        console: Console | None = None,
        *,
        total: int,
        why: Callable[[int], str] = lambda _qid: "",
        key_hint: str = "",
    ) -> None:
        self.console = console or Console(stderr=False, highlight=False)
        self.total = total
        self.why = why
        self.key_hint = key_hint
        self.asked = 0

    def __call__(self, event: Event) -> None:
        c = self.console
        match event:
            case Question():
                self.asked += 1
                c.print()
                c.rule(f"question {self.asked} of {self.total} · {event.kind}", align="left")
                c.print(Text(event.text, style="bold"))
                why = self.why(event.id)
                if why:
                    c.print(Text(why, style="dim"))
            case YourTurn():  # the voice has finished: only now is the candidate heard
                if self.key_hint:
                    c.print(Text(self.key_hint, style="dim italic"))
            case Utterance() if event.final and event.speaker == "you":
                c.print(Text("you: ", style="green") + Text(event.text))
            case Feedback():
                c.print(feedback_panel(event, colour=c.is_terminal and not c.no_color))
            case CoachNote():
                c.print(Panel(event.text, title=f"coach ({event.provider})", title_align="left",
                              border_style="magenta"))  # fmt: skip
            case Notice():
                style = {"error": "bold red", "warning": "yellow"}.get(event.level, "dim")
                c.print(Text(event.message, style=style))
            case _:
                pass
