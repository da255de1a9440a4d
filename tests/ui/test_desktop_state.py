"""The overlay's model: how an answer splits into lead, talking points and the fuller part."""

from __future__ import annotations

from cuecard.events import Question, SuggestionDelta, SuggestionDone, Utterance
from cuecard.ui.desktop.state import OverlayState, split_answer


def test_bullets_then_fold_then_fuller_answer() -> None:
    parts = split_answer(
        "Offline notes — from your profile:\nFrame: situation → result\n"
        "- First point\n  that wraps\n* Second\n1. Third\n---\nThe fuller answer.\nMore."
    )
    assert parts.lead == ["Offline notes — from your profile:", "Frame: situation → result"]
    assert parts.bullets == ["First point that wraps", "Second", "Third"]
    assert parts.fuller == "The fuller answer.\nMore."


def test_streaming_shows_the_growing_last_line_and_restart_drops_it() -> None:
    state = OverlayState()
    q = Question(5, "Why us?", "about-you", 0.9, 1, 0.0, 1.0, 1.0)
    state.apply(q)
    state.apply(SuggestionDelta(5, "- Your data plat", 1.1))
    assert state.card is not None and state.card.bullets == ["Your data plat"]
    state.apply(SuggestionDelta(5, "- Other", 1.2, restart=True))
    assert state.card.bullets == ["Other"]
    state.apply(SuggestionDelta(99, "- stale answer", 1.3))  # another question's: ignored
    assert state.card.bullets == ["Other"]
    state.apply(SuggestionDone(5, "- Final", "openai", "gpt-4o-mini", 2.0, 120, 30))
    assert state.card.done and state.card.bullets == ["Final"]
    assert (state.input_tokens, state.output_tokens, state.provider) == (120, 30, "openai")


def test_partials_update_in_place_and_clear_keeps_the_transcript() -> None:
    state = OverlayState()
    state.apply(Utterance(1, "interviewer", "Tell me", False, 0.0, 1.0, 1.0, stable="Tell"))
    state.apply(Utterance(1, "interviewer", "Tell me about it", True, 0.0, 2.0, 2.0))
    assert len(state.lines) == 1 and state.lines[0].final
    state.apply(Question(2, "Tell me about it", "behavioural", 0.8, 1, 0.0, 2.0, 2.0))
    state.clear_card()
    assert state.card is None and len(state.lines) == 1
