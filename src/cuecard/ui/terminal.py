"""The terminal view: a live, scrolling two-speaker transcript with answer cards.

It only reads events. On a terminal it redraws in place (rich Live): partial
text in a lighter shade that settles into final text, the current question and
its talking points below. When output is a pipe or a log it prints finals,
questions and finished answers as plain lines instead.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cuecard.assist.pricing import estimate_usd
from cuecard.events import (
    Event,
    Level,
    Notice,
    OfflineNotes,
    Question,
    SessionEnded,
    Speaker,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)

COLOURS: dict[Speaker, str] = {"interviewer": "cyan", "you": "green"}
MAX_LINES = 14


def clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


@dataclass
class _Line:
    id: int
    speaker: Speaker
    start_s: float
    text: str
    stable: str
    final: bool


@dataclass
class _Card:
    question: Question
    answer: str = ""
    status: str = "thinking…"
    done: bool = False
    notes: str = ""
    """Offline notes shown while the model is slow or failed: their own section."""


@dataclass
class ViewState:
    """What the view shows; kept separate from drawing so it can be tested."""

    title: str = "cuecard"
    lines: deque[_Line] = field(default_factory=lambda: deque(maxlen=200))
    card: _Card | None = None
    levels: dict[Speaker, float] = field(default_factory=dict)
    notice: str = ""
    status_extra: str = ""
    ended: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0

    def apply(self, event: Event) -> None:
        match event:
            case Utterance():
                for line in reversed(self.lines):
                    if line.id == event.id:
                        line.text, line.stable, line.final = event.text, event.stable, event.final
                        break
                else:
                    self.lines.append(
                        _Line(event.id, event.speaker, event.start_s, event.text, event.stable,
                              event.final)
                    )  # fmt: skip
            case Question():
                if self.card is not None and self.card.question.id == event.id:
                    self.card.question = event
                    self.card.answer, self.card.done, self.card.status = "", False, "thinking…"
                else:
                    self.card = _Card(event)
            case SuggestionDelta():
                if self.card and self.card.question.id == event.question_id:
                    if event.restart:  # the stream broke; another attempt starts over
                        self.card.answer = ""
                    self.card.answer += event.text
                    self.card.status = "answering…"
            case SuggestionDone():
                self.tokens_in += event.input_tokens
                self.tokens_out += event.output_tokens
                cost = estimate_usd(event.provider, event.model, event.input_tokens,
                                    event.output_tokens)  # fmt: skip
                self.cost_usd = (
                    None if cost is None or self.cost_usd is None else (self.cost_usd + cost)
                )
                if self.card and self.card.question.id == event.question_id:
                    self.card.answer = event.text
                    self.card.done = True
                    self.card.status = f"{event.provider} · {event.model}"
            case SuggestionFailed():
                if self.card and self.card.question.id == event.question_id:
                    self.card.status = event.reason
                    self.card.done = True
            case OfflineNotes():
                if self.card and self.card.question.id == event.question_id:
                    self.card.notes = event.text
                    if not self.card.answer:
                        self.card.status = event.reason
            case Level():
                self.levels[event.channel] = event.dbfs
            case Notice():
                self.notice = event.message
            case SessionEnded():
                self.ended = True


def meter(dbfs: float, width: int = 10) -> str:
    """-60 dBFS (silence) .. 0 dBFS as a bar of ``width`` cells."""
    filled = max(0, min(width, int((dbfs + 60) / 60 * width)))
    return "▮" * filled + "▯" * (width - filled)


def usage_line(state: ViewState) -> str:
    """Tokens sent and received this session, and what they cost (an estimate)."""
    tokens = state.tokens_in + state.tokens_out
    if not tokens:
        return ""
    cost = "cost unknown" if state.cost_usd is None else f"≈${state.cost_usd:.3f}"
    return f"tokens {state.tokens_in}↑ {state.tokens_out}↓ {cost}"


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
        if state.card.notes:
            body.append("From your notes:\n", style="dim")
            body.append(state.card.notes + "\n", style="white")
            if state.card.answer:
                body.append("Suggested answer:\n", style="dim")
        body.append(state.card.answer or "", style="white")
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
