"""``cuecard practice`` (a mock interview with feedback) and ``cuecard review`` (look back)."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cuecard.cli.common import LanguageOpt, fail, with_language

if TYPE_CHECKING:
    from cuecard.session import Session

KINDS = ("behavioural", "technical", "situational", "about-you", "logistics")

KindOpt = Annotated[str | None, typer.Option("--kind", help="Only one kind: " + ", ".join(KINDS))]
CountOpt = Annotated[int, typer.Option("--count", min=1, max=30, help="How many questions.")]
AnswersOpt = Annotated[
    Path | None,
    typer.Option("--answers", help="Take the answers from a recording instead of the "
                 "microphone: one answer per question, 3 s or more of silence apart."),
]  # fmt: skip
FastOpt = Annotated[bool, typer.Option("--fast", help="With --answers: as fast as the CPU allows.")]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="One JSON object per event per line (feedback included).")
]
PauseOpt = Annotated[
    float,
    typer.Option("--pause-s", min=1.0, max=15.0,
                 help="Seconds of silence that end an answer (Enter ends it at once)."),
]  # fmt: skip
NoVoiceOpt = Annotated[
    bool, typer.Option("--no-voice", help="Show the questions without reading them aloud.")
]
KeepOpt = Annotated[
    bool,
    typer.Option("--keep", help="Keep this practice in the encrypted vault (opt-in), for "
                 "`cuecard review`."),
]  # fmt: skip
CoachOpt = Annotated[
    bool,
    typer.Option("--coach", help="Also ask your configured model for a short critique of each "
                 "answer (sends the answer's words to it)."),
]  # fmt: skip
MicOpt = Annotated[
    str | None, typer.Option("--mic", help="Your microphone: number, name or part of it.")
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="The same number picks the same questions again.")
]
PromptsOpt = Annotated[
    bool, typer.Option("--show-prompts", help="Print every prompt sent to a provider (--coach).")
]
SampleOpt = Annotated[
    bool, typer.Option("--sample", help="Use the demo's sample profile instead of yours.")
]
FollowOpt = Annotated[
    bool | None,
    typer.Option("--follow-ups/--no-follow-ups",
                 help="After an answer that lacked something, one follow-up question about it "
                      "(default: on live, off with --answers)."),
]  # fmt: skip
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="Rehearse the questions asked in a kept session (its id; "
                                "`cuecard data where` lists them)."),
]  # fmt: skip


def _key_reader(session: Session, loop: asyncio.AbstractEventLoop) -> None:
    """Enter ends the answer now (a thread: stdin blocks). Only on a terminal."""

    def read() -> None:
        while True:
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError):
                return
            if not line:
                return
            try:
                loop.call_soon_threadsafe(session.end_turn, "you")
            except RuntimeError:  # the loop has closed: the session is over
                return

    threading.Thread(target=read, name="cuecard-keys", daemon=True).start()


def register(app: typer.Typer) -> None:
    register_review(app)

    @app.command()
    def practice(
        kind: KindOpt = None,
        count: CountOpt = 5,
        answers: AnswersOpt = None,
        fast: FastOpt = False,
        as_json: JsonOpt = False,
        pause_s: PauseOpt = 3.0,
        no_voice: NoVoiceOpt = False,
        keep: KeepOpt = False,
        coach: CoachOpt = False,
        mic: MicOpt = None,
        seed: SeedOpt = None,
        sample: SampleOpt = False,
        show_prompts: PromptsOpt = False,
        follow_ups: FollowOpt = None,
        from_session: FromOpt = None,
        language: LanguageOpt = None,
    ) -> None:
        """A mock interview: questions from your profile, read aloud; feedback on each answer."""
        _practice(kind=kind, count=count, answers=answers, fast=fast, as_json=as_json,
                  pause_s=pause_s, voice=not no_voice, keep=keep, coach=coach, mic=mic,
                  seed=seed, sample=sample, show_prompts=show_prompts,
                  follow_ups=follow_ups if follow_ups is not None else answers is None,
                  from_session=from_session, language=language)  # fmt: skip


def _questions_from(session: str, count: int) -> list[Any]:
    """The questions really asked in a kept session, to rehearse them (at most ``count``)."""
    from typing import cast

    from cuecard.events import QuestionKind
    from cuecard.practice.questions import PracticeQuestion
    from cuecard.practice.review import ReviewError, load_reviews

    try:
        target, _ = load_reviews(session)
    except ReviewError as err:
        fail(str(err))
    if not target.asked:
        fail(f"no question was asked in session {session}: pick another (`cuecard data where`)")
    return [PracticeQuestion(text, cast(QuestionKind, kind), f"asked in session {target.id}",
                             source="session") for text, kind in target.asked[:count]]  # fmt: skip


def _practice(*, kind: str | None, count: int, answers: Path | None, fast: bool, as_json: bool,
              pause_s: float, voice: bool, keep: bool, coach: bool, mic: str | None,
              seed: int | None, sample: bool, show_prompts: bool = False,
              follow_ups: bool = False, from_session: str | None = None,
              language: str | None = None) -> None:  # fmt: skip
    from cuecard import config as config_mod
    from cuecard.audio.errors import FORMATS, AudioError
    from cuecard.cli.running import Interrupted, _prompt_printer, _run_with_signals
    from cuecard.events import PromptSent
    from cuecard.practice.interview import (
        PracticeOptions,
        answers_source,
        live_source,
        practice_session,
    )
    from cuecard.profile.reading import ProfileError
    from cuecard.session import SessionError
    from cuecard.speech.model import ModelError
    from cuecard.ui.jsonl import JsonLinesSink
    from cuecard.ui.practice_view import PracticePrinter

    if kind is not None and kind not in KINDS:
        fail(f"--kind must be one of: {', '.join(KINDS)}", code=2)
    if fast and answers is None:
        fail("--fast needs --answers FILE: a live answer cannot be hurried", code=2)
    try:
        cfg = config_mod.load()
    except config_mod.ConfigError as err:
        fail(str(err))
    cfg = with_language(cfg, language)
    if answers is not None and not answers.is_file():
        fail(f"{answers}: no such recording; give a recording of your answers ({FORMATS})")
    source = answers_source(answers, realtime=not fast) if answers else live_source(mic)
    problems: list[str] = []
    options = PracticeOptions(kind=kind, count=count, pause_s=pause_s, voice=voice,  # type: ignore[arg-type]
                              coach=coach, seed=seed, sample_profile=sample,
                              follow_ups=follow_ups)  # fmt: skip
    chosen = _questions_from(from_session, count) if from_session is not None else None
    try:
        session, stage = practice_session(
            cfg, source, options, keep=keep or cfg.privacy.keep_sessions,
            on_voice_problem=problems.append, questions=chosen,
        )  # fmt: skip
    except AudioError as err:
        fail(str(err))
    except ProfileError as err:
        fail(str(err))
    if not stage.questions:
        fail("no questions to ask (the bank is empty for that kind)")
    for problem in problems:
        typer.echo(f"cuecard: {problem}; the questions are shown only", err=True)
    def why(qid: int) -> str:
        return next((q.why for i, q in stage.asked if i == qid), "")

    if as_json:
        sink = JsonLinesSink()
        session.add_sink(sink if show_prompts
                         else lambda e: None if isinstance(e, PromptSent) else sink(e))  # fmt: skip
    else:
        if show_prompts:
            session.add_sink(_prompt_printer)
        hint = "" if answers else (
            f"answer out loud; a {pause_s:g} s pause (or Enter) ends the answer"
        )  # fmt: skip
        session.add_sink(PracticePrinter(total=len(stage.questions), why=why, key_hint=hint))

    async def run() -> Any:
        if answers is None and sys.stdin is not None and sys.stdin.isatty():
            _key_reader(session, asyncio.get_running_loop())
        return await _run_with_signals(session, interrupted)

    def practice_line() -> str:
        done = stage.feedback
        if not done:
            return "practice: no answer was heard"
        wpm = sum(f.wpm for f in done) / len(done)
        fillers = sum(f.filler_total for f in done)
        return (f"practice: {len(done)} of {len(stage.questions)} answered, about {wpm:.0f} "
                f"words a minute, {fillers} filler{'s' if fillers != 1 else ''}")  # fmt: skip

    interrupted = Interrupted()
    try:
        summary = asyncio.run(run())
    except (AudioError, ModelError, SessionError) as err:
        fail(str(err))
    except (KeyboardInterrupt, asyncio.CancelledError):
        typer.echo(practice_line(), err=True)
        typer.echo("stopped.", err=True)
        raise typer.Exit(130) from None
    line = practice_line()
    if summary.kept_session:
        line += f"; kept as {summary.kept_session} (`cuecard review {summary.kept_session}`)"
    typer.echo(line, err=True)
    if summary.vault_error:
        typer.echo(f"cuecard: this practice was not kept to the end: {summary.vault_error}",
                   err=True)  # fmt: skip
    interrupted.exit_if_so()


# -- review ------------------------------------------------------------------------------

SessionArg = Annotated[
    str | None,
    typer.Argument(help="A kept session's id (`cuecard data where`); the last one if left out."),
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option("--html", help="Also write the review as one self-contained HTML file (no "
                 "scripts, nothing loaded from anywhere; it holds your answers in plain text)."),
]  # fmt: skip
ReviewJsonOpt = Annotated[bool, typer.Option("--json", help="The review as one JSON object.")]


def register_review(app: typer.Typer) -> None:
    @app.command()
    def review(session: SessionArg = None, html: HtmlOpt = None,
               as_json: ReviewJsonOpt = False) -> None:  # fmt: skip
        """Look back at a kept practice or interview: answers, pace, fillers, STAR, progress."""
        _review(session, html=html, as_json=as_json)


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds the candidate's answers)."""
    from cuecard import paths

    paths.write_private_file(path, text)  # 0600 even when the file existed as 0644


def _review(session: str | None, *, html: Path | None, as_json: bool) -> None:
    import json

    from cuecard.cli.common import out
    from cuecard.practice.review import ReviewError, load_reviews, progress
    from cuecard.ui.review_html import render

    try:
        target, practices = load_reviews(session)
    except ReviewError as err:
        fail(str(err))
    points = progress(practices)
    if html is not None:
        try:
            _write_private(html, render(target, points))
        except OSError as err:
            fail(f"cannot write {html}: {err.strerror or err}")
    if as_json:
        data = target.to_json()
        data["progress"] = [_point(p) for p in points]
        out(json.dumps(data, ensure_ascii=False))
        return
    _print_review(target, points)
    if html is not None:
        typer.echo(f"review written to {html} (it holds your answers: keep it private)", err=True)


def _point(p: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(p)


def _print_review(review: Any, points: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from cuecard.ui.practice_view import star_line, star_words
    from cuecard.ui.text import duration, review_summary

    c = Console(highlight=False)
    title = "Practice" if review.mode == "practice" else "Interview"
    c.print(f"[bold]{title} review[/bold] · {review.started.replace('T', ' ')[:16]} UTC · "
            f"{review.id}")  # fmt: skip
    c.print(review_summary(review))
    for note in review.notes:
        c.print(f"[dim]Note: {note}.[/dim]")
    table = Table(show_lines=False)
    for column in ("#", "question", "length", "wpm", "fillers", "STAR", "next step"):
        table.add_column(column, overflow="fold")
    coloured = c.is_terminal and not c.no_color
    for i, a in enumerate(review.answers, 1):
        star = star_line(a.star) if coloured else star_words(a.star)
        table.add_row(str(i), a.question, duration(a.duration_s), f"{a.wpm:.0f}",
                      str(a.filler_total), star, a.next_step)  # fmt: skip
    c.print(table)
    if len(points) >= 2:
        c.print(f"[bold]Progress over {len(points)} practice sessions[/bold]")
        trend = Table()
        for column in ("session", "fillers/min", "wpm", "STAR"):
            trend.add_column(column)
        for p in points:
            trend.add_row(p.started[:10], "—" if p.fillers_per_minute is None else
                          f"{p.fillers_per_minute:.1f}", "—" if p.wpm is None else
                          f"{p.wpm:.0f}", f"{p.star_score:.0%}")  # fmt: skip
        c.print(trend)
