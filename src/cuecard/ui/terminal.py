"""The terminal view: a live, scrolling two-speaker transcript with answer cards.

It only reads events. On a terminal it redraws in place (rich Live): partial
text in a lighter shade that settles into final text, the current question and
its talking points below. When output is a pipe or a log it prints finals,
questions and finished answers as plain lines instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cuecard.events import (
    Event,
    Level,
    Notice,
    OfflineNotes,
    Question,
    SessionEnded,
    Speaker,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.ui.text import clock
from cuecard.ui.view import SessionView, section_label

COLOURS: dict[Speaker, str] = {"interviewer": "cyan", "you": "green"}
MAX_LINES = 14


@dataclass
class ViewState(SessionView):
    """What the terminal shows: the shared reducer plus the title and an extra status text."""

    title: str = "cuecard"
    status_extra: str = ""


def meter(dbfs: float, width: int = 10) -> str:
    """-60 dBFS (silence) .. 0 dBFS as a bar of ``width`` cells."""
    filled = max(0, min(width, int((dbfs + 60) / 60 * width)))
    return "▮" * filled + "▯" * (width - filled)


def usage_line(state: SessionView) -> str:
    """Tokens sent and received this session, and what they cost (an estimate)."""
    return state.usage()


def render(state: ViewState) -> RenderableType:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim", width=5)
    table.add_column(width=11)
    table.add_column(ratio=1)
    for line in list(state.lines)[-MAX_LINES:]:
        text = Text(line.stable, style="bold" if line.final else "")
        text.append(line.text[len(line.stable) :], style="dim italic")
        colour = COLOURS[line.speaker]
        table.add_row(clock(line.start_s), Text(line.speaker, style=colour), text)
    parts: list[RenderableType] = [table]
    if state.card is not None:
        q = state.card.question
        body = Text(q.text + "\n", style="bold yellow")
        shown = state.card.shown
        for section in shown:
            if len(shown) > 1:
                body.append(f"\n— {section_label(section)} —\n", style="dim")
            body.append(section.text, style="white")
        title = f"question · {q.kind} · {q.confidence:.0%}"
        parts.append(Panel(body, title=title, subtitle=state.card.status, border_style="yellow"))
    meters = "  ".join(f"{who} {meter(db)}" for who, db in state.levels.items())
    status = Text(f"{state.title}  {meters}  {usage_line(state)}  {state.status_extra}",
                  style="reverse")  # fmt: skip
    parts.append(status)
    if state.notice:
        parts.append(Text(state.notice, style="bold red"))
    return Group(*parts)


class TerminalView:
    """A sink that draws the session; use as a context manager around the run."""

    def __init__(self, title: str, console: Console | None = None) -> None:
        self.console = console or Console()
        self.state = ViewState(title=title)
        self.interactive = self.console.is_terminal
        self._live: Live | None = None
        self._drawn = 0.0
        # Pipes cannot rewrite a line, so a question is held until it has settled (its
        # utterance's final, a later question, or the end) and printed once, as it finally
        # stood, with what came for it; revisions and the answers they made obsolete never
        # reach the log. Answers after that print as they come.
        self._held: dict[int, list[Event]] = {}
        self._printed: set[int] = set()
        self._finals: set[int] = set()  # utterances whose final line is printed

    def __enter__(self) -> TerminalView:
        if self.interactive:
            self._live = Live(render(self.state), console=self.console, refresh_per_second=12,
                              transient=False)  # fmt: skip
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(render(self.state))
            self._live.__exit__(None, None, None)

    def __call__(self, event: Event) -> None:
        self.state.apply(event)
        if self._live is not None:
            # Levels arrive 4 times a second per channel: redraw for them at most
            # 5 times a second, so the meters move without costing CPU.
            now = time.monotonic()
            if not isinstance(event, Level) or now - self._drawn >= 0.2:
                self._live.update(render(self.state))
                self._drawn = now
            return
        self._plain(event)

    def _plain(self, event: Event) -> None:
        """Line output for pipes and logs: only what has settled."""
        match event:
            case Question():
                if event.id in self._printed:
                    self._print(event)  # asked again after it settled: say it again
                    return
                for qid, held in list(self._held.items()):
                    if qid != event.id and _utterance_of(held) != event.utterance_id:
                        self._release(qid)  # a newer question: the older one has settled
                self._held[event.id] = [event]  # a revision drops the answers it obsoleted
                if event.utterance_id in self._finals:  # its line is out: nothing to settle
                    self._release(event.id)
            case SuggestionDone() | OfflineNotes() | SuggestionFailed() if (
                event.question_id in self._held
            ):
                self._held[event.question_id].append(event)
            case Utterance(final=True):
                self._print(event)  # the line that asked comes first, as in the conversation
                self._finals.add(event.id)
                for qid, held in list(self._held.items()):
                    if _utterance_of(held) == event.id:
                        self._release(qid)
            case SessionEnded():
                for qid in list(self._held):
                    self._release(qid)
                self._print(event)
            case _:
                self._print(event)

    def _release(self, question_id: int) -> None:
        for held in self._held.pop(question_id):
            self._print(held)
        self._printed.add(question_id)

    def _print(self, event: Event) -> None:
        out = self.console
        match event:
            case Utterance(final=True):
                out.print(
                    f"[dim]{clock(event.start_s)}[/] [{COLOURS[event.speaker]}]"
                    f"{event.speaker:<11}[/] {event.text}",
                    markup=True,
                    highlight=False,
                )
            case Question():
                out.print(
                    f"      [bold yellow]? {event.kind} ({event.confidence:.0%}):[/] {event.text}",
                    markup=True,
                    highlight=False,
                )
            case SuggestionDone():
                for line in event.text.strip().splitlines():
                    out.print(f"        {line}", markup=False, highlight=False)
            case OfflineNotes():
                out.print(f"        (from your notes: {event.reason})", markup=False,
                          highlight=False)  # fmt: skip
                for line in event.text.strip().splitlines():
                    out.print(f"        {line}", markup=False, highlight=False)
            case SuggestionFailed():
                out.print(f"      answer failed: {event.reason}", markup=False, style="red")
            case Notice():
                out.print(f"{event.level}: {event.message}", markup=False, highlight=False)
            case SessionEnded():
                usage = usage_line(self.state)
                out.print(f"[dim]session over: {event.audio_s:.1f} s of audio"
                          f"{'; ' + usage if usage else ''}[/]", markup=True)  # fmt: skip
            case _:
                pass


def _utterance_of(held: list[Event]) -> int:
    question = held[0]
    assert isinstance(question, Question)
    return question.utterance_id
