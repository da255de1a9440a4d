"""The one reducer both views draw from: transcript, answer card with sections, usage.

The terminal and the desktop differ only in rendering, so the same events must
give the same state in both; and a card's text must never jump under the
reader's eyes when a second source (offline notes first, then a model) answers.
"""

from __future__ import annotations

import io

from rich.console import Console

from cuecard.events import (
    Event,
    Level,
    Notice,
    OfflineNotes,
    PromptSent,
    Question,
    SessionEnded,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
)
from cuecard.ui.desktop.state import OverlayState
from cuecard.ui.terminal import ViewState, render
from cuecard.ui.view import TYPED_UTTERANCE_ID, SessionView, section_label, split_answer


def notes(question_id: int, text: str, at: float) -> Event:
    """The offline notes, as the engine sends them at the first-help deadline."""
    return OfflineNotes(question_id, text, "the model is slow: these are your notes", at)


def question(qid: int = 5, text: str = "Why us?") -> Question:
    return Question(qid, text, "about-you", 0.9, 1, 0.0, 1.0, 1.0)


def test_bullets_then_fold_then_fuller_answer() -> None:
    parts = split_answer(
        "Offline notes — from your profile:\nFrame: situation → result\n"
        "- First point\n  that wraps\n* Second\n1. Third\n---\nThe fuller answer.\nMore."
    )
    assert parts.lead == ["Offline notes — from your profile:", "Frame: situation → result"]
    assert parts.bullets == ["First point that wraps", "Second", "Third"]
    assert parts.fuller == "The fuller answer.\nMore."


def test_streaming_shows_the_growing_last_line_and_restart_drops_it() -> None:
    state = SessionView()
    state.apply(question())
    state.apply(SuggestionDelta(5, "- Your data plat", 1.1))
    assert state.card is not None and state.card.bullets == ["Your data plat"]
    state.apply(SuggestionDelta(5, "- Other", 1.2, restart=True))
    assert state.card.bullets == ["Other"]
    state.apply(SuggestionDelta(99, "- stale answer", 1.3))  # another question's: ignored
    assert state.card.bullets == ["Other"]
    state.apply(SuggestionDone(5, "- Final", "openai", "gpt-4o-mini", 2.0, 120, 30))
    assert state.card.done and state.card.bullets == ["Final"]
    assert len(state.card.sections) == 1  # the unattributed stream became openai's section
    assert (state.input_tokens, state.output_tokens, state.provider) == (120, 30, "openai")
    assert state.cost_usd is not None and state.cost_usd > 0 and "≈$" in state.usage()


def test_offline_notes_first_then_the_model_below_them_never_replacing_them() -> None:
    state = SessionView()
    state.apply(question())
    state.apply(notes(5, "- Notes point one\n- Notes point two\n", 1.1))
    card = state.card
    assert card is not None and [s.notes for s in card.shown] == [True]
    state.apply(SuggestionDelta(5, "- Model point", 1.5))
    # The notes the reader is looking at are unchanged, and stay first.
    assert [s.notes for s in card.shown] == [True, False]
    assert card.shown[0].text == "- Notes point one\n- Notes point two\n"
    assert not card.done and state.streaming
    assert card.bullets == ["Model point"]  # copy takes the model's answer
    state.apply(SuggestionDelta(5, " one", 1.6))
    state.apply(SuggestionDone(5, "- Model point one", "openai", "gpt-4o-mini", 2.0, 100, 20))
    assert card.done and not state.streaming
    assert [s.text for s in card.shown] == ["- Notes point one\n- Notes point two\n",
                                            "- Model point one"]  # fmt: skip
    assert [section_label(s) for s in card.shown] == [
        "Your notes (offline)", "From OpenAI · gpt-4o-mini"
    ]  # fmt: skip


def test_a_model_restart_keeps_the_notes_and_drops_only_the_cut_answer() -> None:
    state = SessionView()
    state.apply(question())
    state.apply(notes(5, "- Notes", 1.1))
    state.apply(SuggestionDelta(5, "- Half an ans", 1.2))
    state.apply(SuggestionDelta(5, "- Fresh answer", 1.5, restart=True))
    state.apply(SuggestionDone(5, "- Fresh answer", "anthropic", "claude-haiku-4-5", 2.0))
    assert state.card is not None
    assert [(s.notes, s.provider, s.text) for s in state.card.shown] == [
        (True, "offline", "- Notes"), (False, "anthropic", "- Fresh answer")
    ]  # fmt: skip


def test_a_failed_model_leaves_the_notes_on_screen_with_the_reason() -> None:
    state = SessionView()
    state.apply(question())
    state.apply(notes(5, "- Notes", 1.1))
    state.apply(SuggestionFailed(5, "OpenAI did not answer in time", 3.0))
    assert state.card is not None and state.card.failed and state.card.done
    assert state.card.answer == "- Notes" and "in time" in state.card.status


def test_a_revised_question_starts_its_card_over_and_a_typed_one_is_marked() -> None:
    state = SessionView()
    state.apply(question(5, "Why"))
    state.apply(SuggestionDelta(5, "- cut", 1.1))
    state.apply(question(5, "Why us, and why now?"))
    assert state.card is not None and state.card.sections == [] and not state.card.done
    assert state.card.question.text == "Why us, and why now?" and not state.card.typed
    state.apply(Question(8, "What should I say to a lowball offer?", "logistics", 1.0,
                         TYPED_UTTERANCE_ID, 3.0, 3.0, 3.0))  # fmt: skip
    assert state.card.question.id == 8 and state.card.typed


def test_the_same_question_in_the_finals_words_replaces_the_text_and_keeps_the_answer() -> None:
    """A card never shows speculative words the final contradicts (issue 22)."""
    state = SessionView()
    early = Question(5, "HL7 messages from four?", "technical", 0.9, 1, 0.0, 3.0, 3.2, True)
    state.apply(early)
    state.apply(SuggestionDelta(5, "- Parsed with a queue", 3.4))
    final = Question(5, "HL7 messages from 40 clinics?", "technical", 0.9, 1, 0.0, 3.3, 3.6,
                     wording_only=True)  # fmt: skip
    state.changed.clear()
    state.apply(final)
    assert state.card is not None and state.card.question.text == "HL7 messages from 40 clinics?"
    assert not state.card.question.speculative
    assert state.card.bullets == ["Parsed with a queue"]
    assert "card" in state.changed


def test_partials_update_in_place_and_clear_keeps_the_transcript() -> None:
    state = SessionView()
    state.apply(Utterance(1, "interviewer", "Tell me", False, 0.0, 1.0, 1.0, stable="Tell"))
    state.apply(Utterance(1, "interviewer", "Tell me about it", True, 0.0, 2.0, 2.0))
    assert len(state.lines) == 1 and state.lines[0].final
    state.apply(Question(2, "Tell me about it", "behavioural", 0.8, 1, 0.0, 2.0, 2.0))
    state.clear_card()
    assert state.card is None and len(state.lines) == 1


def test_changes_say_which_part_to_redraw() -> None:
    state = SessionView()
    state.take_changes()
    state.apply(Level("you", -20.0, 1.0))
    assert state.take_changes() == {"status"}
    state.apply(Utterance(1, "you", "hi", True, 0.0, 1.0, 1.0))
    state.apply(question())
    assert state.take_changes() == {"transcript", "card"}
    state.apply(PromptSent(5, "openai", "api.openai.com:443", "text", False, 1.0))
    assert state.take_changes() == set() and len(state.prompts) == 1


EVENTS: list[Event] = [
    Utterance(1, "interviewer", "Why do you", False, 0.0, 1.0, 1.0, stable="Why"),
    Utterance(1, "interviewer", "Why do you want this job?", True, 0.0, 2.0, 2.0),
    question(5, "Why do you want this job?"),
    notes(5, "- Notes: payments at Paylane\n", 2.1),
    SuggestionDelta(5, "- The mission\n- Your team's API", 2.4),
    SuggestionDone(5, "- The mission\n- Your team's API", "openai", "gpt-4o-mini", 2.6, 900, 40),
    Level("you", -30.0, 2.7),
    Notice("warning", "the call is quiet", 2.8),
    SessionEnded(3.0, 3.1),
]


def test_terminal_and_desktop_reduce_the_same_events_to_the_same_state() -> None:
    terminal, desktop = ViewState(title="t"), OverlayState()
    for event in EVENTS:
        terminal.apply(event)
        desktop.apply(event)
    shared = {name: getattr(SessionView(), name) for name in SessionView.__dataclass_fields__}
    for name in shared:
        if name != "changed":
            assert getattr(terminal, name) == getattr(desktop, name), name
    assert desktop.listening == "ended" and terminal.ended
    # And the terminal draws both sections, each under its heading.
    console = Console(file=io.StringIO(), width=100, force_terminal=False)
    console.print(render(terminal))
    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    assert (
        drawn.index("Your notes (offline)")
        < drawn.index("From OpenAI")
        < drawn.index("The mission")
    )


def test_offline_notes_event_fills_its_own_section_and_the_model_follows_below() -> None:
    from cuecard.events import OfflineNotes

    state = SessionView()
    state.apply(question())
    state.apply(OfflineNotes(5, "- From your notes", "the model is slow: these are your notes",
                             1.5))  # fmt: skip
    card = state.card
    assert card is not None and card.status.startswith("the model is slow")
    state.apply(SuggestionDelta(5, "- The model's point", 2.0))
    state.apply(SuggestionDone(5, "- The model's point", "openai", "gpt-4o-mini", 2.5, 10, 5))
    assert [s.text for s in card.shown] == ["- From your notes", "- The model's point"]
    assert card.done and card.answer == "- The model's point"


def test_a_chain_falling_to_the_offline_engine_leaves_the_notes_above_untouched() -> None:
    from cuecard.events import OfflineNotes

    state = SessionView()
    state.apply(question())
    state.apply(OfflineNotes(5, "- Notes", "the model is slow", 1.5))
    state.apply(SuggestionDelta(5, "- cut mod", 2.0))
    state.apply(SuggestionDelta(5, "- Offline answer", 2.5, restart=True))
    state.apply(SuggestionDone(5, "- Offline answer", "offline", "notes", 2.6))
    card = state.card
    assert card is not None and [s.text for s in card.shown] == ["- Notes", "- Offline answer"]
    assert card.done
