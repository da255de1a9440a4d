"""The echo filter: the interviewer heard again through the microphone is dropped, you are not.

The sequences are shaped like the speech stage's output in a call on laptop
speakers: the loopback's partials and final for a sentence, and the
microphone's copy of it a few hundred milliseconds later with Whisper's
usual small differences; plus real answers and interjections by you.
"""

from __future__ import annotations

import pytest

from cuecard.dialogue.echo import EchoFilter, is_echo
from cuecard.events import Event, Level, Question, Speaker, Utterance, next_id


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def utt(uid: int, who: Speaker, text: str, final: bool, start: float, end: float) -> Utterance:
    return Utterance(uid, who, text, final, start, end, end + 0.4, text if final else "")


async def run(events: list[Event]) -> list[Event]:
    out: list[Event] = []

    async def send(event: Event) -> None:
        out.append(event)

    echo = EchoFilter()
    for event in events:
        await echo.process(event, send)
    await echo.finish(send)
    return out


def shown(out: list[Event], who: Speaker) -> list[str]:
    return [e.text for e in out if isinstance(e, Utterance) and e.speaker == who and e.final]


@pytest.mark.anyio
async def test_the_microphones_copy_of_a_question_is_dropped_with_its_partials() -> None:
    q, e = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "Tell me about a time", False, 1.0, 2.2),
        utt(e, "you", "Tell me about", False, 1.1, 2.0),
        utt(q, "interviewer", "Tell me about a time you disagreed", False, 1.0, 3.0),
        utt(e, "you", "tell me about a time you", False, 1.1, 2.9),
        utt(q, "interviewer", "Tell me about a time you disagreed with your manager.", True,
            1.0, 4.1),
        utt(e, "you", "Tell me about a time, you disagree with your manager.", True, 1.1, 4.3),
        Question(next_id(), "Tell me about a time you disagreed with your manager.",
                 "behavioural", 0.9, q, 1.0, 4.1, 4.5),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "interviewer") == ["Tell me about a time you disagreed with your manager."]
    assert not [x for x in out if isinstance(x, Utterance) and x.speaker == "you"]
    assert any(isinstance(x, Question) for x in out), "other events pass untouched"


@pytest.mark.anyio
async def test_a_garbled_echo_and_its_fragments_are_dropped() -> None:
    q, e1, e2 = next_id(), next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "And so my fellow Americans, ask not what your country can do "
            "for you.", True, 0.3, 5.8),
        utt(e1, "you", "I fell in America.", True, 0.4, 1.9),
        utt(e2, "you", "S. Not.", True, 2.2, 2.9),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == []
    assert len(shown(out, "interviewer")) == 1


@pytest.mark.anyio
async def test_your_answer_after_the_question_is_kept() -> None:
    q, a = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "How would you design a rate limiter for a public API?", True,
            0.5, 3.5),
        utt(a, "you", "I would start with a token bucket per API key", False, 4.6, 6.5),
        utt(a, "you", "I would start with a token bucket per API key, stored in Redis.", True,
            4.6, 7.9),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == ["I would start with a token bucket per API key, stored in Redis."]
    # No interviewer speech around it: the partial is shown at once.
    partials = [x for x in out if isinstance(x, Utterance) and x.speaker == "you" and not x.final]
    assert len(partials) == 1


@pytest.mark.anyio
async def test_talking_over_the_interviewer_is_kept_but_its_partials_wait() -> None:
    q, you = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "So the migration took how long in the end", False, 2.0, 4.0),
        utt(you, "you", "Sorry, which migration", False, 3.0, 4.2),
        utt(q, "interviewer", "So the migration took how long in the end?", True, 2.0, 4.6),
        utt(you, "you", "Sorry, do you mean the billing one or the search one?", True, 3.0, 5.9),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == ["Sorry, do you mean the billing one or the search one?"]
    assert not [x for x in out if isinstance(x, Utterance) and x.speaker == "you" and not x.final]


@pytest.mark.anyio
async def test_a_two_word_fragment_heard_inside_an_interviewer_sentence_is_dropped() -> None:
    # Two Whisper passes over the same two words of echo can disagree entirely
    # ("as not." / "Lock!"), so timing decides: a fragment wholly inside the
    # interviewer's sentence goes; a short reply after it, or a sentence of
    # your own over theirs, stays.
    q, frag, yes = next_id(), next_id(), next_id()
    q2, okay = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "We use Kafka for the event bus, as you saw in the brief.", True,
            1.0, 4.0),
        utt(frag, "you", "as not.", True, 2.5, 2.8),
        utt(yes, "you", "Yes.", True, 4.6, 4.9),
        utt(q2, "interviewer", "Okay.", True, 10.0, 10.4),
        utt(okay, "you", "Okay.", True, 10.1, 10.5),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == ["Yes."]


@pytest.mark.anyio
async def test_the_same_words_much_later_are_not_an_echo() -> None:
    q, a = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "Tell me about a time you disagreed with your manager.", True,
            1.0, 4.0),
        Level("you", -40.0, 5.0),
        utt(a, "you", "A time I disagreed with my manager was about the release date.", True,
            6.0, 10.0),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == ["A time I disagreed with my manager was about the release date."]
    assert any(isinstance(x, Level) for x in out)


def test_is_echo_on_words() -> None:
    jfk = ["And so my fellow Americans, ask not what your country can do for you"]
    assert is_echo("Like your country can do for you.", jfk)
    assert not is_echo("yes I think that's right", jfk)
    assert not is_echo("", jfk)
    assert not is_echo("I led the billing migration", [])


@pytest.mark.anyio
async def test_an_answer_that_repeats_the_question_right_after_it_is_kept() -> None:
    q, a = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "Why do you want to work at Northwind?", True, 20.0, 22.1),
        utt(a, "you", "I want to work at Northwind.", True, 22.7, 24.2),
    ]
    out = await run(events)
    assert shown(out, "you") == ["I want to work at Northwind."]


@pytest.mark.anyio
async def test_an_echo_fragment_whose_interviewer_text_comes_later_is_still_dropped() -> None:
    q1, frag, q2 = next_id(), next_id(), next_id()
    events: list[Event] = [
        utt(q1, "interviewer", "And so my fellow Americans,", True, 0.3, 2.3),
        # The microphone's VAD cut elsewhere: a fragment just before the next sentence,
        # transcribed before the interviewer's copy of it.
        Utterance(frag, "you", "as not.", True, 2.9, 3.3, 3.6, "as not."),
        Level("you", -35.0, 3.7),
        utt(q2, "interviewer", "ask not what your country can do for you", False, 3.4, 4.3),
        *[Level("interviewer", -20.0, 4.0 + i * 0.25) for i in range(4)],
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == []


@pytest.mark.anyio
async def test_a_long_sentence_whose_first_partial_is_short_is_kept() -> None:
    q, a = next_id(), next_id()
    events: list[Event] = [
        utt(q, "interviewer", "Ever tried. Ever failed.", True, 1.0, 2.5),
        utt(a, "you", "and so", False, 1.2, 1.8),
        utt(a, "you", "And so my fellow Americans, ask not what your country can do for you.",
            True, 1.2, 6.0),
    ]  # fmt: skip
    out = await run(events)
    assert shown(out, "you") == [
        "And so my fellow Americans, ask not what your country can do for you."
    ]
