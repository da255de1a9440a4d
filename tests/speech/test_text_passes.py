"""Pure logic of the speech stage: stabilising partials and cleaning Whisper's loops."""

from __future__ import annotations

from cuecard.speech.stabilizer import Stabilizer
from cuecard.speech.transcriber import collapse_loops, drop_unfinished_tail


def test_words_become_stable_when_two_passes_agree() -> None:
    s = Stabilizer()
    assert s.update("tell me about") == ("tell me about", "")
    text, stable = s.update("Tell me about a time")
    assert stable == "Tell me about"  # "a" and "time" not yet confirmed
    assert text == "Tell me about a time"
    text, stable = s.update("a time when")
    assert stable == "Tell me about a time"
    assert text.startswith(stable)


def test_last_word_of_a_pass_is_held_back() -> None:
    s = Stabilizer()
    s.update("hello there")
    _, stable = s.update("hello there")
    assert stable == "hello"  # "there" sits at the audio edge


def test_final_keeps_every_stable_word() -> None:
    s = Stabilizer()
    s.update("one two three four")
    s.update("one two three four five")
    assert s.stable == "one two three four"
    assert s.finish("five six.") == "one two three four five six."


def test_collapse_loops() -> None:
    assert (
        collapse_loops("Ever tried, ever tried, ever tried, ever tried")
        == "Ever tried, ever tried,"
    )
    assert collapse_loops("No matter. No matter.") == "No matter."
    assert (
        collapse_loops("The horizon seems extremely distant. The horizon seems extremely distant.")
        == "The horizon seems extremely distant."
    )
    keep = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better."
    assert collapse_loops(keep) == keep
    assert collapse_loops("I think that that is right") == "I think that that is right"


def test_unfinished_tail_after_a_sentence_is_dropped() -> None:
    assert (
        drop_unfinished_tail("It was the age of wisdom. It was".split())
        == "It was the age of wisdom.".split()
    )
    words = "so I would start with the requirements".split()
    assert drop_unfinished_tail(words) == words  # no full sentence: nothing to judge
    # words already shown as stable are never taken back
    assert drop_unfinished_tail("Done. It was".split(), keep=3) == "Done. It was".split()


def test_a_sentence_started_again_is_cut() -> None:
    looped = (
        "I will start with the requirements, then pick a token bucket per client. "
        "I will start with the requirements, then pick a"
    )
    assert collapse_loops(looped) == (
        "I will start with the requirements, then pick a token bucket per client."
    )
