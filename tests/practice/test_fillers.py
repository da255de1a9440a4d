"""Filler words counted from text as Whisper writes it: where they are fillers and where not."""

from __future__ import annotations

import pytest

from cuecard.practice.fillers import count_fillers, spoken_words, vocal_kind

FILLERS = [
    ("Um, I think the main thing is, like, you know, we sort of needed a plan.",
     {"um": 1, "like": 1, "you know": 1, "sort of": 1}),
    ("Uh, so I wrote one, and, um, it worked.", {"uh": 1, "um": 1}),
    ("Umm, hmm, uhh, er, erm.", {"um": 2, "uh": 1, "er": 2}),
    ("It was, like, a relief for everyone.", {"like": 1}),
    ("so like we shipped it on Friday", {"like": 1}),
    ("it was like a relief", {"like": 1}),
    ("Like, we had no tests at all.", {"like": 1}),
    ("I, like, posted the list every morning.", {"like": 1}),
    ("You know, after that, incidents were resolved faster.", {"you know": 1}),
    ("It was a mess, you know.", {"you know": 1}),
    ("It was kind of scary.", {"kind of": 1}),
    ("I mean, it was basically done and literally nobody noticed.",
     {"I mean": 1, "basically": 1, "literally": 1}),
]  # fmt: skip
NOT_FILLERS = [
    "I like Python and I would like to use it more.",
    "Do you know Kafka? What kind of queue is it?",
    "It looks like rain; it felt like a long week.",
    "We used a sort of queue, a different kind of cache.",
    "I mean it: the plan was good.",
    "Do you know what I did? I knew you know the answer.",
    "Just like before, it worked.",
    "Like your country, we did our part.",
    "Something like forty requests a second.",
    "Umbrella, human, under, ermine, hummus.",
]


@pytest.mark.parametrize(("text", "expected"), FILLERS)
def test_fillers_are_counted_by_kind(text: str, expected: dict[str, int]) -> None:
    assert count_fillers(text) == expected


@pytest.mark.parametrize("text", NOT_FILLERS)
def test_the_same_words_used_as_words_are_not_fillers(text: str) -> None:
    assert count_fillers(text) == {}


def test_vocal_fillers_however_whisper_spells_them() -> None:
    for word, kind in (("um", "um"), ("Umm,", "um"), ("uhm", "um"), ("Hmm.", "um"),
                       ("uh", "uh"), ("Uhh", "uh"), ("ah", "uh"), ("er", "er"), ("Erm", "er")):
        assert vocal_kind(word) == kind, word
    for word in ("us", "I'm", "hum", "her", "are", "umbrella"):
        assert vocal_kind(word) is None, word


def test_words_are_counted_as_said() -> None:
    assert spoken_words("Um, latency fell by 40% in two weeks.") == 8  # forty percent
    assert spoken_words("It took 1.8 ms, not 120 ms.") == 11  # one point eight; one hundred twenty
    assert spoken_words("In 2021 we had an on-call rota.") == 10  # twenty twenty one; on call
    assert spoken_words("uh um er") == 0
    assert spoken_words("It saved $5,000 a month.") == 7
