"""The tracker over realistic utterance streams: growing partials, then the final.

``speak`` produces what the speech stage emits while someone talks: a partial per
word whose stable prefix lags two words behind (LocalAgreement needs two passes
to agree), a last partial once the speaker paused and the passes agree on
everything, then the final (Whisper may punctuate it differently).
"""

from __future__ import annotations

import pytest

from cuecard.clock import SessionClock
from cuecard.dialogue.tracker import QuestionTracker
from cuecard.events import Pause, Question, Speaker, Utterance, next_id

WORD_S = 0.3
LAG = 2


def speak(
    said: str,
    *,
    start_s: float,
    speaker: Speaker = "interviewer",
    final: str | None = None,
    settle: bool = True,
) -> list[Utterance]:
    """The partials and final of one utterance, as the speech stage would emit them."""
    uid = next_id()
    words = said.split()
    out: list[Utterance] = []
    for i in range(1, len(words) + 1):
        end = start_s + i * WORD_S
        text = " ".join(words[:i])
        stable = " ".join(words[: max(0, i - LAG)])
        out.append(Utterance(uid, speaker, text, False, start_s, end, end + 0.25, stable))
    end = start_s + len(words) * WORD_S
    if settle:
        out.append(Utterance(uid, speaker, said, False, start_s, end, end + 0.45, said))
    final_text = said if final is None else final
    out.append(Utterance(uid, speaker, final_text, True, start_s, end, end + 0.7, final_text))
    return out


def feed_all(tracker: QuestionTracker, utterances: list[Utterance]) -> list[Question]:
    questions = []
    for u in utterances:
        q = tracker.feed(u)
        if q is not None:
            questions.append(q)
    return questions


def test_fires_early_on_a_stable_complete_question_and_not_again_on_the_final() -> None:
    tracker = QuestionTracker()
    stream = speak(
        "okay that makes sense how would you design a rate limiter for a public api",
        start_s=10.0,
        final="Okay, that makes sense. How would you design a rate limiter for a public API?",
    )
    fired: list[tuple[Utterance, Question]] = []
    for u in stream:
        q = tracker.feed(u)
        if q is not None:
            fired.append((u, q))
    assert len(fired) == 1, [q.text for _, q in fired]
    utterance, question = fired[0]
    assert not utterance.final, "should have fired before the final"
    assert question.speculative
    assert question.text == "How would you design a rate limiter for a public api"
    assert question.kind == "technical"
    assert question.utterance_id == utterance.id
    assert question.start_s == 10.0
    assert question.emitted_s == utterance.emitted_s
    assert question.emitted_s < stream[-1].emitted_s


def test_incomplete_partials_do_not_fire() -> None:
    tracker = QuestionTracker()
    for said in ("how would you", "tell me about a", "could you", "what would you do if"):
        stream = speak(said, start_s=0.0)
        partials = [u for u in stream if not u.final]
        assert feed_all(tracker, partials) == [], said


def test_tentative_words_that_continue_the_question_hold_the_early_fire() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    stable = "how would you design a rate"
    u = Utterance(uid, "interviewer", stable + " limiter for a", False, 0.0, 3.0, 3.2, stable)
    assert tracker.feed(u) is None
    # Once Whisper closed the question with "?", what follows is a new sentence.
    stable = "How would you design a rate limiter?"
    u = Utterance(uid, "interviewer", stable + " And then", False, 0.0, 3.5, 3.7, stable)
    q = tracker.feed(u)
    assert q is not None
    assert q.speculative


def test_same_id_and_new_text_when_the_final_changes_materially() -> None:
    tracker = QuestionTracker()
    # The interviewer pauses after "rate limiter" (passes agree, early fire), then goes on.
    head = speak("how would you design a rate limiter", start_s=0.0)[:-1]  # no final yet
    first = feed_all(tracker, head)
    assert len(first) == 1
    assert first[0].speculative
    uid = head[0].id
    said = "how would you design a rate limiter for a public api and then how would you scale it"
    rest = [
        Utterance(uid, "interviewer", said, False, 0.0, 6.0, 6.3, said),
        Utterance(uid, "interviewer", said.capitalize() + "?", True, 0.0, 6.0, 6.8, said),
    ]
    later = feed_all(tracker, rest)
    assert later, "the changed question must be re-issued"
    assert all(q.id == first[0].id for q in later)
    assert later[0].speculative  # still a partial
    assert later[0].text.endswith("and then how would you scale it")
    # the final only adds casing and "?" to the re-issued partial: not issued again
    assert len(later) == 1


def test_final_that_changed_after_an_early_fire_is_not_speculative() -> None:
    tracker = QuestionTracker()
    head = speak("tell me about your time at paylane", start_s=0.0)[:-1]
    (early,) = feed_all(tracker, head)
    final = Utterance(
        head[0].id,
        "interviewer",
        "Tell me about your time at Paylane and what you'd change about how the team worked.",
        True,
        0.0,
        5.0,
        5.6,
    )
    revised = tracker.feed(final)
    assert revised is not None
    assert revised.id == early.id
    assert not revised.speculative
    assert "what you'd change" in revised.text


def test_without_an_early_fire_the_final_fires_normally() -> None:
    tracker = QuestionTracker()
    u = Utterance(next_id(), "interviewer", "Why Northwind?", True, 0.0, 1.0, 1.5)
    q = tracker.feed(u)
    assert q is not None
    assert not q.speculative
    assert q.kind == "about-you"
    assert q.text == "Why Northwind?"


def test_several_questions_in_one_turn_are_one_question() -> None:
    tracker = QuestionTracker()
    stream = speak(
        "how would you design a url shortener and then how would you scale it to a billion links",
        start_s=0.0,
    )
    questions = feed_all(tracker, stream)
    assert questions
    assert len({q.id for q in questions}) == 1
    assert questions[-1].text.endswith("scale it to a billion links")


def test_a_short_follow_up_extends_the_question() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    follow = speak("and why", start_s=q1.end_s + 0.5, final="And why?")
    extended = feed_all(tracker, follow)
    assert extended
    assert all(q.id == q1.id for q in extended)
    assert len(extended) == 1, "the final only adds a '?': no second issue"
    assert extended[-1].text == "How would you design a rate limiter? And why"
    assert extended[-1].kind == q1.kind
    assert extended[-1].utterance_id == follow[0].id


def test_a_follow_up_that_grows_is_re_issued_however_long_the_question() -> None:
    tracker = QuestionTracker()
    long_question = (
        "how would you design a rate limiter for a public api that serves a few thousand "
        "customers with very different traffic patterns"
    )
    (q1,) = feed_all(tracker, speak(long_question, start_s=0.0))
    follow = speak(
        "and why",
        start_s=q1.end_s + 0.5,
        final="And why a token bucket rather than a sliding window log?",
    )
    issued = feed_all(tracker, follow)
    assert [q.id for q in issued] == [q1.id, q1.id]
    assert issued[0].speculative
    assert not issued[1].speculative
    assert issued[1].text.endswith("And why a token bucket rather than a sliding window log?")


def test_a_longer_follow_up_starting_with_and_extends_too() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    q2 = feed_all(
        tracker,
        speak("and how would you scale it across three regions", start_s=q1.end_s + 0.5),
    )
    assert q2
    assert q2[-1].id == q1.id
    assert q2[-1].text == (
        "How would you design a rate limiter? And how would you scale it across three regions"
    )


def test_a_follow_up_after_a_pause_of_a_second_is_a_new_question() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    later = feed_all(tracker, speak("what about failures", start_s=q1.end_s + 1.0))
    assert later
    assert later[-1].id != q1.id
    assert later[-1].text == "What about failures"


def test_after_the_candidate_answered_a_new_question_gets_a_new_id() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    answer = speak(
        "I would start with the requirements then pick a token bucket per client",
        start_s=q1.end_s + 0.5,
        speaker="you",
    )
    assert feed_all(tracker, answer) == []
    q2 = feed_all(tracker, speak("and what about failures", start_s=answer[-1].end_s + 0.5))
    assert q2
    assert q2[-1].id != q1.id
    assert q2[-1].text == "What about failures"  # a new question, not a continuation


def test_candidate_backchannel_is_not_an_answer() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    feed_all(tracker, speak("mm-hmm okay", start_s=q1.end_s + 0.1, speaker="you"))
    q2 = feed_all(tracker, speak("and why", start_s=q1.end_s + 0.5))
    assert q2
    assert q2[-1].id == q1.id


def test_a_full_new_question_soon_after_is_not_merged() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("can you tell me about yourself", start_s=0.0))
    q2 = feed_all(
        tracker,
        speak(
            "actually let me start somewhere else tell me about a time you disagreed with your "
            "manager",
            start_s=q1.end_s + 1.0,
        ),
    )
    assert q2
    assert q2[-1].id != q1.id
    assert q2[-1].kind == "behavioural"


@pytest.mark.parametrize(
    "said",
    [
        "Okay, that makes sense.",
        "Let's move on.",
        "Great, thanks.",
        "We use Kubernetes here.",
        "I see, so you led the migration.",
    ],
)
def test_backchannel_and_statements_never_fire(said: str) -> None:
    tracker = QuestionTracker()
    assert feed_all(tracker, speak(said, start_s=0.0)) == []


def test_candidate_speech_is_never_a_question() -> None:
    tracker = QuestionTracker()
    said = "how would you design a rate limiter for a public api"
    assert feed_all(tracker, speak(said, start_s=0.0, speaker="you")) == []
    assert tracker.last_interviewer_turn() == ""


def test_answer_now_takes_the_last_interviewer_turn() -> None:
    tracker = QuestionTracker()
    assert tracker.answer_now(now=1.0) is None
    statement = "We had an outage like that last year actually."
    feed_all(tracker, speak(statement, start_s=0.0))
    assert tracker.last_interviewer_turn() == statement
    forced = tracker.answer_now(now=9.0)
    assert forced is not None
    assert forced.text == statement
    assert forced.emitted_s == 9.0
    assert not forced.speculative
    assert 0.0 < forced.confidence < 0.7  # the detector did not recognise it itself
    # the candidate's own speech is not the interviewer's turn
    feed_all(tracker, speak("yes I remember reading the postmortem", start_s=5.0, speaker="you"))
    assert tracker.last_interviewer_turn() == statement


def test_answer_now_on_a_detected_question_keeps_its_id() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("why do you want to work at northwind", start_s=0.0))
    again = tracker.answer_now(now=20.0)
    assert again is not None
    assert again.id == q1.id
    assert again.emitted_s == 20.0


def test_answer_now_on_a_partial_does_not_double_fire_on_the_final() -> None:
    tracker = QuestionTracker()
    stream = speak("so the next thing I want to cover is your time at paylane", start_s=0.0)
    feed_all(tracker, stream[:-1])  # a statement: nothing fired
    forced = tracker.answer_now(now=4.0)
    assert forced is not None
    assert tracker.feed(stream[-1]) is None


def test_emitted_s_comes_from_now_or_the_clock() -> None:
    u = Utterance(next_id(), "interviewer", "Why Northwind?", True, 0.0, 1.0, 1.5)
    q = QuestionTracker().feed(u, now=42.0)
    assert q is not None
    assert q.emitted_s == 42.0
    clock = SessionClock()
    q = QuestionTracker(clock).feed(u)
    assert q is not None
    assert 0.0 <= q.emitted_s < 5.0


DEMO: list[tuple[Speaker, str, str | None]] = [
    ("interviewer", "Hi Alex, thanks for joining us today. Let's get started.", None),
    ("you", "Thanks for having me. I'm glad to be here.", None),
    ("interviewer", "Can you tell me about yourself?", "about-you"),
    ("you", "Sure. I'm a backend engineer with six years of experience, mostly in payments.", None),
    ("interviewer", "Tell me about a time you had a conflict with a teammate.", "behavioural"),
    ("you", "On my last team we disagreed about a database migration plan.", None),
    (
        "interviewer",
        "Okay, that makes sense. How would you design a rate limiter for a public API?",
        "technical",
    ),
    ("you", "I would start with the requirements, then pick a token bucket per client.", None),
    (
        "interviewer",
        "What would you do if production went down during your first week?",
        "situational",
    ),
    ("you", "I would join the incident call and follow the runbook.", None),
    ("interviewer", "Why do you want to work at Northwind?", "about-you"),
    ("you", "I like your focus on data quality and the size of the platform team.", None),
]


def _demo_stream() -> list[Utterance]:
    stream: list[Utterance] = []
    t = 0.0
    for speaker, said, _ in DEMO:
        # Whisper partials come lower-case and unpunctuated more often than not
        rough = said.lower().replace(",", "").replace(".", "").replace("?", "")
        utterances = speak(rough, start_s=t, speaker=speaker, final=said)
        stream += utterances
        t = utterances[-1].end_s + 1.0
    return stream


def test_demo_interview_gives_each_question_once_with_its_kind() -> None:
    tracker = QuestionTracker()
    questions = feed_all(tracker, _demo_stream())
    by_id: dict[int, Question] = {}
    for q in questions:
        by_id[q.id] = q
    expected = [kind for speaker, _, kind in DEMO if kind is not None]
    assert [q.kind for q in by_id.values()] == expected
    assert len(questions) == len(expected), "each demo question should fire exactly once"
    assert by_id[list(by_id)[2]].text.startswith("How would you design a rate limiter")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_fires_early_when_whisper_closed_the_question_with_one_edge_word_tentative() -> None:
    # After a pause the speech stage shows the whole pass but keeps its last word
    # tentative; a "?" after it is Whisper saying the question is complete.
    tracker = QuestionTracker()
    uid = next_id()
    said = "Can you tell me about yourself?"
    settled = Utterance(uid, "interviewer", said, False, 1.0, 2.6, 2.9, "Can you tell me about")
    final = Utterance(uid, "interviewer", said, True, 1.0, 2.6, 3.0, said)
    early = tracker.feed(settled)
    assert early is not None and early.speculative and early.kind == "about-you"
    assert tracker.feed(final) is None, "the final must not fire a second question"
    # Two tentative words, or no "?", is not enough.
    other = QuestionTracker()
    two = Utterance(next_id(), "interviewer", said, False, 1.0, 2.6, 2.9, "Can you tell me")
    assert other.feed(two) is None
    bare = Utterance(
        next_id(),
        "interviewer",
        "Can you tell me about yourself",
        False,
        1.0,
        2.6,
        2.9,
        "Can you tell me about",
    )
    assert other.feed(bare) is None


# -- end of turn decided at a pause (issue 10 item 4) -------------------------


def partial(uid: int, text: str, stable: str, *, end_s: float, at: float) -> Utterance:
    """A partial that heard the audio up to ``end_s`` and came out at ``at``."""
    return Utterance(uid, "interviewer", text, False, 0.0, end_s, at, stable)


def test_a_pause_after_a_complete_question_fires_at_once_before_the_final() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    # Two edge words are still tentative (the passes have not agreed on them yet):
    # without a pause, nothing may fire.
    u = partial(uid, "Can you tell me about yourself", "Can you tell me", end_s=2.0, at=2.2)
    assert tracker.feed(u) is None
    q = tracker.pause(Pause("interviewer", uid, 2.1, 2.25))
    assert q is not None
    assert q.speculative and not q.supersedes_speculative
    assert q.text == "Can you tell me about yourself"
    assert q.kind == "about-you"
    assert q.emitted_s == 2.25
    assert q.utterance_id == uid
    # The final confirms it: no second issue, nothing wasted.
    final = Utterance(uid, "interviewer", "Can you tell me about yourself?", True, 0.0, 2.1, 2.6)
    assert tracker.feed(final) is None
    assert tracker.stats == {
        "questions": 1, "speculative": 1, "on_pause": 1, "revised": 0, "dropped": 0,
    }  # fmt: skip


def test_a_few_more_words_after_the_pause_update_the_words_not_the_answer() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    tracker.feed(partial(uid, "Tell me about a time you had a conflict",
                         "Tell me about a time you had", end_s=2.5, at=2.7))  # fmt: skip
    early = tracker.pause(Pause("interviewer", uid, 2.6, 2.75))
    assert early is not None
    said = "Tell me about a time you had a conflict with a teammate."
    # Materially the same question (same_question): the answer under way stands, but the
    # card shows the final's words.
    latest = tracker.feed(Utterance(uid, "interviewer", said, True, 0.0, 3.5, 3.9))
    assert latest is not None
    assert (latest.id, latest.text) == (early.id, said)
    assert latest.wording_only and not latest.supersedes_speculative and not latest.speculative
    assert tracker.stats["revised"] == 0
    assert tracker.stats["questions"] == 1


def test_when_the_interviewer_goes_on_the_same_id_is_revised_and_counted_as_wasted() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    head = "Tell me about a time you had a conflict"
    tracker.feed(partial(uid, head, "Tell me about a time you had", end_s=2.5, at=2.7))
    early = tracker.pause(Pause("interviewer", uid, 2.6, 2.75))
    assert early is not None and early.text == head
    said = "Tell me about a time you had a conflict with a teammate who disagreed with you"
    revised = tracker.feed(Utterance(uid, "interviewer", said + ".", True, 0.0, 5.0, 5.4, said))
    assert revised is not None
    assert revised.id == early.id
    assert revised.supersedes_speculative
    assert not revised.speculative
    assert revised.text.endswith("who disagreed with you.")
    assert tracker.stats["revised"] == 1
    assert tracker.stats["on_pause"] == 1


def test_a_pause_does_not_fire_on_a_stale_partial() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    # The last partial heard up to 1.2 s; the speaker talked on until the pause at 1.9 s,
    # so its text misses what was said last.
    tracker.feed(partial(uid, "What would you do if production", "What would you do",
                         end_s=1.2, at=1.5))  # fmt: skip
    assert tracker.pause(Pause("interviewer", uid, 1.9, 2.0)) is None
    assert tracker.stats["questions"] == 0


@pytest.mark.parametrize(
    ("text", "stable"),
    [
        ("how would you design a", "how would you"),  # dangling: the question goes on
        ("I led the migration to Postgres", "I led the migration"),  # no question at all
        ("so yeah what do you think", "so yeah"),  # the question is only in tentative words
    ],
)
def test_a_pause_fires_only_when_the_partial_reads_as_a_whole_question(
    text: str, stable: str
) -> None:
    tracker = QuestionTracker()
    uid = next_id()
    tracker.feed(partial(uid, text, stable, end_s=2.0, at=2.2))
    assert tracker.pause(Pause("interviewer", uid, 2.05, 2.3)) is None


def test_a_pause_of_the_candidate_or_of_another_utterance_fires_nothing() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    tracker.feed(partial(uid, "Can you tell me about yourself", "Can you tell me",
                         end_s=2.0, at=2.2))  # fmt: skip
    assert tracker.pause(Pause("you", uid, 2.05, 2.3)) is None
    assert tracker.pause(Pause("interviewer", next_id(), 2.05, 2.3)) is None
    # After the final, a late pause of the same utterance changes nothing either.
    tracker.feed(Utterance(uid, "interviewer", "Can you tell me about yourself?", True,
                           0.0, 2.05, 2.5))  # fmt: skip
    assert tracker.pause(Pause("interviewer", uid, 2.05, 2.6)) is None


def test_an_early_question_the_final_no_longer_asks_counts_as_dropped() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    tracker.feed(partial(uid, "Why do you want to work here", "Why do you want",
                         end_s=2.0, at=2.2))  # fmt: skip
    assert tracker.pause(Pause("interviewer", uid, 2.05, 2.3)) is not None
    final = Utterance(uid, "interviewer", "I want to work here.", True, 0.0, 2.05, 2.6)
    assert tracker.feed(final) is None
    assert tracker.stats["dropped"] == 1
    assert tracker.stats["revised"] == 0


def test_questions_from_the_final_are_not_speculative_and_waste_nothing() -> None:
    tracker = QuestionTracker()
    for i, said in enumerate(("Why Northwind?", "How would you scale it?")):
        tracker.feed(Utterance(next_id(), "interviewer", said, True, 10.0 * i, 10.0 * i + 1,
                               10.0 * i + 1.5))  # fmt: skip
        tracker.feed(Utterance(next_id(), "you", "Because I like the data platform work.",
                               True, 10.0 * i + 2, 10.0 * i + 4, 10.0 * i + 4.5))  # fmt: skip
    assert tracker.stats == {
        "questions": 2, "speculative": 0, "on_pause": 0, "revised": 0, "dropped": 0,
    }  # fmt: skip


def test_the_json_question_says_whether_it_superseded_a_speculative_one() -> None:
    from cuecard.ui.jsonl import to_dict

    tracker = QuestionTracker()
    uid = next_id()
    tracker.feed(partial(uid, "Tell me about a time you had a conflict",
                         "Tell me about a time you had", end_s=2.5, at=2.7))  # fmt: skip
    early = tracker.pause(Pause("interviewer", uid, 2.6, 2.75))
    assert early is not None
    said = "Tell me about a time you had a conflict with a teammate and how it ended."
    revised = tracker.feed(Utterance(uid, "interviewer", said, True, 0.0, 4.0, 4.4))
    assert revised is not None
    first, second = to_dict(early), to_dict(revised)
    assert first is not None and second is not None
    assert (first["speculative"], first["supersedes_speculative"]) == (True, False)
    assert (second["speculative"], second["supersedes_speculative"]) == (False, True)
    assert second["id"] == first["id"]
    assert to_dict(Pause("interviewer", uid, 2.6, 2.75)) is None


def test_a_fresher_partial_during_the_pause_decides_the_turn_without_a_question_mark() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    # The last partial is stale when the pause comes (it heard up to 2.5 s, the
    # speaker stopped at 3.4 s): nothing yet.
    tracker.feed(partial(uid, "Tell me about a time you", "Tell me about a", end_s=2.5, at=2.7))
    assert tracker.pause(Pause("interviewer", uid, 3.4, 3.5)) is None
    # The pass started at the pause hears it all; an imperative has no "?".
    said = "Tell me about a time you had a conflict with a teammate."
    settled = partial(uid, said, said.rsplit(" ", 1)[0], end_s=3.4, at=3.7)
    q = tracker.feed(settled)
    assert q is not None and q.speculative
    assert q.text == said
    assert tracker.stats["on_pause"] == 1


def test_a_partial_that_heard_speech_after_the_pause_ends_it() -> None:
    tracker = QuestionTracker()
    uid = next_id()
    tracker.feed(partial(uid, "Tell me about a time you", "Tell me about a", end_s=2.5, at=2.7))
    assert tracker.pause(Pause("interviewer", uid, 3.4, 3.5)) is None
    # The speaker went on: this partial heard up to 3.9 s. Its tentative words are
    # at the edge again, so it does not end the turn.
    went_on = partial(uid, "Tell me about a time you had a conflict with",
                      "Tell me about a time you had", end_s=3.9, at=4.1)  # fmt: skip
    assert tracker.feed(went_on) is None
    later = partial(uid, "Tell me about a time you had a conflict", "Tell me about a time you had",
                    end_s=3.4, at=4.2)  # fmt: skip
    assert tracker.feed(later) is None, "the pause is over once speech after it was heard"


def test_the_company_from_the_job_description_makes_why_them_about_you() -> None:
    """No company name is written into the rules: it comes from the profile. A company named
    like a technology is the case the rules alone get wrong ("why Kafka?" is technical)."""
    from cuecard.dialogue.tracker import QuestionTracker
    from cuecard.events import Utterance

    text = "Why Kafka Streams Inc?"
    said = Utterance(1, "interviewer", text, True, 0.0, 1.0, 1.1, text)
    alone = QuestionTracker().feed(said, 1.1)
    informed = QuestionTracker(company="Kafka Streams Inc").feed(said, 1.1)
    assert alone is not None and alone.kind == "technical"
    assert informed is not None and informed.kind == "about-you"


# -- one question per question (issue 22) -------------------------------------


@pytest.mark.parametrize("pause_s", [1.0, 1.5, 3.0])
def test_a_question_after_a_pause_of_a_second_or_more_is_never_merged(pause_s: float) -> None:
    """The merge a user met: two questions 1.5 s apart became one question, one answer."""
    tracker = QuestionTracker()
    first = feed_all(tracker, speak("Tell me about yourself.", start_s=0.0))
    second = feed_all(
        tracker, speak("What are your salary expectations?", start_s=first[-1].end_s + pause_s)
    )
    assert first and second
    assert {q.id for q in second}.isdisjoint({q.id for q in first})
    assert second[-1].text == "What are your salary expectations?"
    assert second[-1].kind == "logistics"
    assert tracker.stats["questions"] == 2


def test_a_question_after_the_candidate_spoke_is_new_however_soon() -> None:
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    feed_all(tracker, speak("a token bucket", start_s=q1.end_s + 0.1, speaker="you"))
    q2 = feed_all(tracker, speak("and why", start_s=q1.end_s + 0.3))
    assert q2 and q2[-1].id != q1.id


def test_a_statement_in_between_still_counts_the_pause_from_the_interviewer() -> None:
    """The pause is measured from whatever the interviewer said last, not from the question."""
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how would you design a rate limiter", start_s=0.0))
    aside = speak("we get a lot of bursty traffic", start_s=q1.end_s + 0.3)
    assert feed_all(tracker, aside) == []
    q2 = feed_all(tracker, speak("and why", start_s=aside[-1].end_s + 0.4))
    assert q2 and q2[-1].id == q1.id  # no pause of a second anywhere: still the same question


def test_a_stale_speculative_text_is_replaced_by_the_finals_words_at_once() -> None:
    """The card kept "…messages from four." after the transcript had "…from 40 clinics"."""
    tracker = QuestionTracker()
    uid = next_id()
    said = "How did you handle HL7 messages from four"
    early = tracker.feed(partial(uid, said + "?", said + "?", end_s=3.0, at=3.2))
    assert early is not None and early.speculative
    final_text = "How did you handle HL7 messages from 40 clinics?"
    final = Utterance(uid, "interviewer", final_text, True, 0.0, 3.3, 3.6, final_text)
    latest = tracker.feed(final)
    assert latest is not None, "the card would keep the speculative words"
    assert (latest.id, latest.text, latest.speculative) == (early.id, final_text, False)
    assert latest.emitted_s - final.emitted_s <= 0.5
    assert latest.wording_only and not latest.supersedes_speculative
    assert tracker.stats == {**tracker.stats, "questions": 1, "revised": 0}


def test_a_pause_of_a_second_before_a_statement_still_ends_the_question() -> None:
    """Found on the Piper speech: the VAD cut "So before we get into the technical stuff, |
    why don't you give me a quick intro?" in two, 0.35 s apart; the question 1 s earlier
    must not take "why don't you…" as its follow-up."""
    tracker = QuestionTracker()
    (q1,) = feed_all(tracker, speak("how did you decide between postgres and dynamo", start_s=0.0))
    aside = speak("so before we get into the technical stuff", start_s=q1.end_s + 1.0)
    assert feed_all(tracker, aside) == []
    q2 = feed_all(
        tracker, speak("why don't you give me a quick intro", start_s=aside[-1].end_s + 0.35)
    )
    assert q2 and q2[-1].id != q1.id
