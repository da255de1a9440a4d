"""Running a session from the terminal: the views it adds, Ctrl-C, the last line.

``replay``, ``demo`` and ``listen`` differ only in their source; they all come
through ``run_in_terminal``, which adds the terminal view (or JSON lines), runs
the one session builder (``cuecard.session``), turns every expected failure
into one line and prints what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from typing import Any

import typer

from cuecard.cli.common import fail
from cuecard.events import Event, Level, PromptSent
from cuecard.session import Session, SessionSummary


def _prompt_printer(event: Event) -> None:
    if isinstance(event, PromptSent):
        sys.stderr.write(
            f"--- prompt for question {event.question_id} → {event.provider} "
            f"({event.destination}){' [redacted]' if event.redacted else ''} ---\n"
            f"{event.text}\n--- end of prompt ---\n"
        )
        sys.stderr.flush()


@contextlib.contextmanager
def attach_view(
    session: Session, *, title: str, as_json: bool, show_prompts: bool
) -> Iterator[None]:
    """Add the terminal view (or JSON lines) to the session's sinks for the ``with`` block."""
    from cuecard.privacy.ledger import process_ledger
    from cuecard.privacy.report import status_line
    from cuecard.ui.jsonl import JsonLinesSink
    from cuecard.ui.terminal import TerminalView

    if as_json:
        json_sink = JsonLinesSink()
        session.add_sink(
            json_sink if show_prompts
            else lambda e: None if isinstance(e, PromptSent) else json_sink(e)
        )  # fmt: skip
        yield
        return
    view = TerminalView(title)

    def privacy_status(event: Event) -> None:
        if not isinstance(event, Level):
            view.state.status_extra = status_line(process_ledger())

    session.add_sink(privacy_status)
    session.add_sink(view)
    if show_prompts:
        session.add_sink(_prompt_printer)
    with view:
        yield


class Interrupted:
    """Whether Ctrl-C (or SIGTERM) ended a live session: it ends cleanly, prints its
    summary, and the command still exits 130 as every terminal tool does."""

    def __init__(self) -> None:
        self.by_signal = False

    def exit_if_so(self) -> None:
        if self.by_signal:
            raise typer.Exit(130)


async def _run_with_signals(
    session: Session, interrupted: Interrupted | None = None
) -> SessionSummary:
    """Live: the first Ctrl-C (or SIGTERM) ends the session cleanly, a second one at once.

    A recording stops at the first Ctrl-C (asyncio cancels the session, which still
    delivers ``session_end``): nothing is lost by not waiting for the answer in flight.
    """
    if not session.live:
        return await session.run()
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    presses = 0

    def interrupt() -> None:
        nonlocal presses
        presses += 1
        if interrupted is not None:
            interrupted.by_signal = True
        if presses == 1:
            session.stop()
        elif task is not None:
            task.cancel()

    installed: list[signal.Signals] = []
    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, interrupt)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
            previous[sig] = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(interrupt))
    try:
        return await session.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_in_terminal(
    session: Session, *, title: str, as_json: bool, show_prompts: bool
) -> SessionSummary:
    """Run to the end; every expected failure is one line and exit 1. Ctrl-C prints the
    summary of what was heard so far and exits 130 (a second Ctrl-C on a live session
    stops at once)."""
    from cuecard.audio.errors import AudioError
    from cuecard.session import SessionError
    from cuecard.speech.model import ModelError

    interrupted = Interrupted()
    try:
        with attach_view(session, title=title, as_json=as_json, show_prompts=show_prompts):
            summary = asyncio.run(_run_with_signals(session, interrupted))
    except (AudioError, ModelError, SessionError) as err:
        fail(str(err))
    except (KeyboardInterrupt, asyncio.CancelledError):
        if session.summary.counts.utterances or session.live:
            typer.echo(session.summary.line(live=session.live), err=True)
        typer.echo("stopped.", err=True)
        raise typer.Exit(130) from None
    except Exception:  # a bug of ours: one line here, the traceback in the log only
        logging.getLogger(__name__).exception("session stopped by an internal error")
        fail("the session stopped because of an internal error; `cuecard data where` shows "
             "the log with the details (it holds no transcript)")  # fmt: skip
    if summary.counts.utterances or session.live:  # a silent recording fails with its own line
        typer.echo(summary.line(live=session.live), err=True)
    if summary.vault_error:
        typer.echo(f"cuecard: this session was not kept to the end: {summary.vault_error}",
                   err=True)  # fmt: skip
    interrupted.exit_if_so()
    return summary
