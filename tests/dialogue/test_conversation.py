"""The conversation timeline: finals only, audio order, same-speaker utterances as one turn."""

from __future__ import annotations

from cuecard.dialogue.conversation import Conversation, Turn
from cuecard.events import Speaker, Utterance, next_id


def utt(speaker: Speaker, text: str, start: float, end: float, final: bool = True) -> Utterance:
    return Utterance(next_id(), speaker, text, final, start, end, end + 0.5, text if final else "")


def test_keeps_finals_and_ignores_partials_and_silence() -> None:
    conv = Conversation()
    assert not conv.add(utt("interviewer", "Can you tell me", 0.0, 1.0, final=False))
    assert conv.add(utt("interviewer", "Can you tell me about yourself?", 0.0, 2.0))
    assert not conv.add(utt("you", "   ", 2.5, 2.6))
    assert len(conv) == 1
    assert conv.turns() == [Turn("interviewer", "Can you tell me about yourself?", 0.0, 2.0)]


def test_turns_merge_consecutive_utterances_of_one_speaker() -> None:
    conv = Conversation()
    conv.add(utt("interviewer", "Okay, that makes sense.", 0.0, 1.0))
    conv.add(utt("interviewer", "How would you design a rate limiter?", 1.6, 4.0))
    conv.add(utt("you", "I would start with the requirements.", 4.5, 6.0))
    turns = conv.turns()
    assert [t.speaker for t in turns] == ["interviewer", "you"]
    assert turns[0].text == "Okay, that makes sense. How would you design a rate limiter?"
    assert (turns[0].start_s, turns[0].end_s) == (0.0, 4.0)


def test_a_late_final_from_the_other_channel_goes_back_in_audio_order() -> None:
    conv = Conversation()
    conv.add(utt("interviewer", "Why Northwind?", 0.0, 1.0))
    conv.add(utt("interviewer", "And what about the role?", 5.0, 6.0))
    # the candidate spoke between them, but their final arrived last
    conv.add(utt("you", "I like your focus on data quality.", 1.5, 4.5))
    assert [t.speaker for t in conv.turns()] == ["interviewer", "you", "interviewer"]
    assert [u.start_s for u in conv.utterances()] == [0.0, 1.5, 5.0]


def test_recent_turns_returns_the_last_n_oldest_first() -> None:
    conv = Conversation()
    for i in range(6):
        speaker: Speaker = "interviewer" if i % 2 == 0 else "you"
        conv.add(utt(speaker, f"turn {i}", float(i), i + 0.5))
    assert [t.text for t in conv.recent_turns(3)] == ["turn 3", "turn 4", "turn 5"]
    assert len(conv.recent_turns(100)) == 6
    assert conv.recent_turns(0) == []
    assert conv.recent_turns(-1) == []


def test_clear_forgets_everything() -> None:
    conv = Conversation()
    conv.add(utt("you", "My salary expectations are private.", 0.0, 2.0))
    conv.clear()
    assert len(conv) == 0
    assert conv.turns() == []
