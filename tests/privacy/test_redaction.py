"""Redaction on the tricky text real transcripts and résumés contain."""

from __future__ import annotations

import pytest

from cuecard.assist.base import Message, Prompt
from cuecard.assist.private import redact_prompt
from cuecard.privacy.redaction import Redactor, Term

TERMS = [
    "person:Ann Lee",
    "person:Ann",
    "org:Paylane",
    "person:Zoë Brandt",
    "person:José",
    "Straße",
]


@pytest.fixture
def r() -> Redactor:
    return Redactor(TERMS)


def test_term_syntax() -> None:
    assert Term.parse("org:Paylane") == Term("Paylane", "ORG")
    assert Term.parse("Person: Ann Lee") == Term("Ann Lee", "PERSON")
    assert Term.parse("Paylane") == Term("Paylane", "TERM")
    assert Term.parse("http://x") == Term("http://x", "TERM")  # not a kind prefix


def test_names_inside_words_are_not_hit(r: Redactor) -> None:
    text = "Annual review: Anne, Annika, Joanna, Hannah and Brannan met Ann."
    assert (
        r.redact(text) == "Annual review: Anne, Annika, Joanna, Hannah and Brannan met [PERSON_1]."
    )


def test_longest_term_wins_and_placeholders_are_stable(r: Redactor) -> None:
    first = r.redact("Ann Lee said Ann was at Paylane.")
    assert first == "[PERSON_1] said [PERSON_2] was at [ORG_1]."
    # same term → same placeholder later in the session, whatever order
    assert (
        r.redact("Paylane hired Ann, then ann lee.") == "[ORG_1] hired [PERSON_2], then [PERSON_1]."
    )
    assert r.mapping == {"[PERSON_1]": "Ann Lee", "[PERSON_2]": "Ann", "[ORG_1]": "Paylane"}
    # multi-word terms match across any whitespace a transcript has
    assert r.redact("Ann\n  Lee") == "[PERSON_1]"


def test_plurals_possessives_and_case(r: Redactor) -> None:
    text = "Paylane's team, two Paylanes, PAYLANE, paylane’s and Paylanes' offices; not Paylanese."
    redacted = r.redact(text)
    assert redacted == (
        "[ORG_1]'s team, two [ORG_1]s, [ORG_1], [ORG_1]’s and [ORG_1]s' offices; not Paylanese."
    )
    assert r.restore(redacted) == (
        "Paylane's team, two Paylanes, Paylane, Paylane’s and Paylanes' offices; not Paylanese."
    )


def test_unicode_accents_and_casefold(r: Redactor) -> None:
    # Whisper drops accents; composed and decomposed forms are the same name
    decomposed = "Zoe\u0308 Brandt"
    text = (
        f"Zoë Brandt, zoe brandt, ZOË BRANDT, {decomposed}, Jose, JOSÉ, josé's; STRASSE, strasse."
    )
    redacted = r.redact(text)
    assert redacted == (
        "[PERSON_1], [PERSON_1], [PERSON_1], [PERSON_1], [PERSON_2], [PERSON_2], [PERSON_2]'s; "
        "[TERM_1], [TERM_1]."
    )
    assert r.restore("[PERSON_1] and [PERSON_2]") == "Zoë Brandt and José"
    # accents on words around do not move span boundaries
    assert r.redact("Café Ann, naïve") == "Café [PERSON_3], naïve"


def test_contact_details() -> None:
    r = Redactor()
    text = (
        "Reach me at ann.lee+jobs@paylane.co.uk or Zoë.B@exämple.com, +44 20 7946 0958, "
        "(415) 555-0134, 415.555.0199, 07700 900123. https://www.linkedin.com/in/annlee, "
        "www.paylane.com/careers, and github.com/annlee."
    )
    redacted = r.redact(text)
    assert redacted == (
        "Reach me at [EMAIL_1] or [EMAIL_2], [PHONE_1], [PHONE_2], [PHONE_3], [PHONE_4]. "
        "[URL_1], [URL_2], and [URL_3]."
    )
    assert r.restore(redacted) == text
    # the same number written differently is the same placeholder
    assert r.redact("call 415-555-0134") == "call [PHONE_2]"


def test_postal_codes_but_not_ordinary_numbers() -> None:
    r = Redactor()
    text = "Based in San Francisco, CA 94107 and London SW1A 1AA (or EC1A 1BB), mail 10001-1234."
    assert r.redact(text) == (
        "Based in San Francisco, CA [POSTCODE_1] and London [POSTCODE_2] (or [POSTCODE_3]), "
        "mail [POSTCODE_4]."
    )
    numbers = (
        "We grew from 20000 to 45000 users in 2019-2021, cut p95 latency 35% to 120 ms, "
        "saved $1,200,000 on 3 of 12 clusters; version 2.4.1; ticket 12345; 192.168.1.1."
    )
    assert r.redact(numbers) == numbers


def test_url_and_email_swallow_the_terms_inside_them(r: Redactor) -> None:
    text = "Ann at ann@paylane.com, see https://paylane.com/team/ann."
    assert r.redact(text) == "[PERSON_1] at [EMAIL_1], see [URL_1]."


def test_stream_restorer_handles_placeholders_split_across_pieces(r: Redactor) -> None:
    r.redact("Ann Lee at Paylane")
    restorer = r.stream_restorer()
    pieces = [
        "- At [OR",
        "G_1]'s payments team, [PER",
        "SON_1",
        "] led",
        " the [migration]",
        " [ORG",
    ]
    shown = [restorer.feed(p) for p in pieces]
    assert shown == [
        "- At ",
        "Paylane's payments team, ",
        "",
        "Ann Lee led",
        " the [migration]",
        " ",
    ]
    assert restorer.flush() == "[ORG"  # an unfinished placeholder at the end is shown as is
    assert r.restore("[PERSON_9] stays") == "[PERSON_9] stays"


def test_deterministic_across_instances() -> None:
    text = "Ann Lee (ann@x.io) left Paylane for Zoë Brandt's team; call 020 7946 0958."
    assert Redactor(TERMS).redact(text) == Redactor(TERMS).redact(text)
    assert Redactor(list(reversed(TERMS))).redact(text) == Redactor(TERMS).redact(text)


def test_redact_prompt_covers_everything_that_leaves(r: Redactor) -> None:
    prompt = Prompt(
        system="Rules. Never invent employers.",
        messages=(
            Message("user", "<resume>Ann Lee, Paylane, ann@paylane.com</resume>"),
            Message("assistant", "Noted."),
            Message("user", "Interviewer: Ann, why Paylane?"),
        ),
        question="Ann, why Paylane?",
        kind="about-you",
        context=(("resume.md", "Ann Lee led payments at Paylane"),),
    )
    red = redact_prompt(prompt, r)
    for part in (red.text(), red.question, *(t for _, t in red.context)):
        assert "Ann" not in part and "Paylane" not in part and "@" not in part
    assert red.messages[0].content == "<resume>[PERSON_1], [ORG_1], [EMAIL_1]</resume>"
    assert red.question == "[PERSON_2], why [ORG_1]?"
    assert red.kind == "about-you" and red.system == prompt.system
    assert r.restore(red.messages[2].content) == prompt.messages[2].content
