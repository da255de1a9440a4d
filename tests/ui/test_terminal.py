"""The terminal view: partials settle into finals in place, the card streams, usage adds up."""

from __future__ import annotations

import io

from rich.console import Console

from cuecard.events import (
    Level,
    Question,
    SessionEnded,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.ui.terminal import TerminalView, ViewState, meter, render


def utt(text: str, stable: str, final: bool, uid: int = 1) -> Utterance:
    return Utterance(uid, "interviewer", text, final, 1.0, 2.0, 2.1, stable)


def q() -> Question:
    return Question(7, "How would you design a rate limiter?", "technical", 0.9, 1, 1.0, 2.0, 2.2)


def test_partials_settle_into_one_line_and_the_answer_streams_into_the_card() -> None:
    state = ViewState()
    state.apply(utt("how would", "", False))
    state.apply(utt("How would you design", "How would", False))
    state.apply(
        utt("How would you design a rate limiter?", "How would you design a rate limiter?", True)
    )
    assert len(state.lines) == 1 and state.lines[0].final
    state.apply(q())
    state.apply(SuggestionDelta(7, "- Token bucket", 2.3))
    state.apply(SuggestionDelta(7, " per client", 2.4))
    assert state.card is not None and state.card.answer == "- Token bucket per client"
    state.apply(
        SuggestionDone(7, "- Token bucket per client", "openai", "gpt-4o-mini", 2.5, 1000, 200)
    )
    assert state.card.done and state.card.status == "openai · gpt-4o-mini"
    assert state.input_tokens == 1000 and state.cost_usd is not None and state.cost_usd > 0
    console = Console(file=io.StringIO(), width=100, force_terminal=False)
    console.print(render(state))
    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    assert "rate limiter" in drawn and "Token bucket" in drawn and "≈$" in drawn


def test_a_restarted_answer_replaces_the_cut_text() -> None:
    state = ViewState()
    state.apply(q())
    state.apply(SuggestionDelta(7, "- half an ans", 1.0))
    state.apply(SuggestionDelta(7, "- fresh", 2.0, restart=True))
    assert state.card is not None and state.card.answer == "- fresh"


def test_plain_output_for_pipes_prints_only_what_settled() -> None:
    buffer = io.StringIO()
    view = TerminalView("t", console=Console(file=buffer, width=120, force_terminal=False))
    with view:
        view(utt("how would", "", False))
        view(
            utt(
                "How would you design a rate limiter?", "How would you design a rate limiter?", True
            )
        )
        view(Level("interviewer", -20.0, 1.0))
        view(q())
        view(SuggestionDone(7, "- Token bucket", "offline", "notes", 2.5))
        view(SessionEnded(61.4, 62.0))
    text = buffer.getvalue()
    assert "how would\n" not in text.lower().replace("how would you", "")
    assert text.count("How would you design a rate limiter?") == 2  # the line and the card
    assert "- Token bucket" in text and "session over: 61.4 s" in text


def test_meter_bounds() -> None:
    assert meter(-100) == "▯" * 10 and meter(0) == "▮" * 10 and meter(-30).count("▮") == 5


def test_plain_output_prints_a_question_once_as_it_finally_stood() -> None:
    """Speculative questions are revised as the interviewer goes on; a log shows only the last."""
    buffer = io.StringIO()
    view = TerminalView("t", console=Console(file=buffer, width=120, force_terminal=False))
    early = Question(7, "What will you do?", "situational", 0.9, 3, 40.0, 41.0, 41.1, True)
    full = Question(7, "What will you do if production went down?", "situational", 0.95, 3,
                    40.0, 43.0, 43.1, True, supersedes_speculative=True)  # fmt: skip
    with view:
        view(early)
        view(SuggestionDone(7, "- Nothing in your notes matches", "offline", "notes", 41.2))
        assert buffer.getvalue() == ""  # not settled yet
        view(full)
        view(SuggestionDone(7, "- Follow the runbook", "offline", "notes", 43.2))
        view(Utterance(3, "interviewer", full.text, True, 40.0, 43.0, 43.3, full.text))
        view(SuggestionFailed(7, "provider timed out", 44.0))  # after it settled: at once
        later = Question(8, "Why Northwind?", "about-you", 0.9, 5, 50.0, 51.0, 51.1)
        view(later)
        view(SuggestionDone(8, "- The data platform", "offline", "notes", 51.2))
        view(SessionEnded(61.4, 62.0))  # the last question never got its final: printed now
    text = buffer.getvalue()
    assert "What will you do?" not in text and "Nothing in your notes" not in text
    assert text.count("What will you do if production went down?") == 2  # card and line
    # The line that asked comes first, then the question and its notes, as in the conversation.
    order = [text.index(s) for s in ("interviewer", "? situational", "- Follow the runbook",
                                     "provider timed out", "Why Northwind?", "- The data platform",
                                     "session over")]  # fmt: skip
    assert order == sorted(order)


def test_plain_output_prints_a_question_found_on_the_final_line_right_after_it() -> None:
    """A question detected only once its line was final has nothing left to settle: it is
    printed at once, under its line, not held until the next question."""
    buffer = io.StringIO()
    view = TerminalView("t", console=Console(file=buffer, width=120, force_terminal=False))
    asked = "Tell me about a time you had a conflict."
    with view:
        view(Utterance(3, "interviewer", asked, True, 20.0, 23.0, 23.1, asked))
        view(Question(7, asked, "behavioural", 0.8, 3, 20.0, 23.0, 23.2))
        view(SuggestionDone(7, "- The migration story", "offline", "notes", 23.3))
        view(Utterance(4, "you", "On my last team…", True, 24.0, 29.0, 29.1, "On my last team…"))
        view(SessionEnded(30.0, 30.5))
    lines = buffer.getvalue().splitlines()
    wanted = ("interviewer", "? behavioural", "- The migration story", "00:24 you")
    heads = [next(i for i, ln in enumerate(lines) if s in ln) for s in wanted]
    assert heads == sorted(heads), lines
