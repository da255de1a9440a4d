"""The offline engine answers the demo from the sample profile: right story, nothing invented,
and notes a candidate can read at a glance (title first, four bullets of 12 words, result last)."""

from __future__ import annotations

import re
import socket
import sys
import time
from typing import Any

import pytest

from cuecard.assist import providers
from cuecard.assist.base import Prompt, Provider, StreamEnd, TextDelta
from cuecard.assist.offline import (
    FIXED_LINES,
    HEADER,
    LABELS,
    NOTHING,
    OfflineProvider,
    compose,
    glance,
    pieces,
)
from cuecard.assist.prompting import build_prompt
from cuecard.config import ProviderSettings
from cuecard.profile.documents import Chunk, chunk_text, sentences
from cuecard.profile.retrieval import ProfileIndex
from cuecard.profile.store import sample_chunks


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


CHUNKS = sample_chunks()
STORIES = {c.title: c for c in CHUNKS if c.kind == "stories"}
CONFLICT = "Conflict with a teammate over a database migration plan"
LIMITER = "Designing a rate limiter for the public API"
OUTAGE = "Production outage in my first week on call"
MENTOR = "Mentoring a junior engineer into owning a service"

# question, kind, the story it must use (None: résumé + job), phrases that must appear
DEMO: list[tuple[str, str, str | None, list[str]]] = [
    (
        "Tell me about a time you had a conflict with a teammate",
        "behavioural",
        CONFLICT,
        ["40 seconds of read-only time"],
    ),
    (
        "How would you design a rate limiter for a public API?",
        "technical",
        LIMITER,
        ["token bucket per client in Redis"],
    ),
    (
        "What would you do if production went down during your first week?",
        "situational",
        OUTAGE,
        ["postmortem"],
    ),
    (
        "Can you tell me about yourself?",
        "about-you",
        None,
        ["- Currently a senior engineer", "Northwind"],
    ),
    (
        "Why do you want to work at Northwind?",
        "about-you",
        None,
        ["- Northwind Analytics builds"],
    ),
]


def prompt_for(question: str, kind: str, chunks: list[Chunk] | None = None) -> Prompt:
    index = ProfileIndex(CHUNKS if chunks is None else chunks)
    return build_prompt(question, kind, index.search(question, 4, kind=kind), [])


def quoted(line: str) -> str:
    """What a line quotes from the profile: all of it but the bullet mark."""
    return line.removeprefix("- ").removesuffix("…")  # a sentence cut to its first words


def assert_no_labels(answer: str) -> None:
    """Content only: no frame label, no writer's label, no markup (issue 23)."""
    for line in answer.split("\n")[1:]:
        body = line.removeprefix("- ")
        assert not any(body.startswith(f"{label}:") for label in LABELS), line
        assert not re.search(r"\*\*|__|`|^#", body), line


def assert_nothing_invented(answer: str, chunks: list[Chunk]) -> None:
    lines = answer.split("\n")
    assert lines[0] == HEADER
    texts = [c.text for c in chunks] + [c.title for c in chunks]
    for line in lines:
        if line in FIXED_LINES:
            continue
        body = quoted(line)
        assert body, line
        assert any(body in text for text in texts), f"not from the profile: {line!r}"
    for number in re.findall(r"\d[\d,.]*\d|\d", answer):
        assert any(number in text for text in texts), number


def story_sentences(title: str) -> list[str]:
    return [s.split(": ", 1)[-1] for s in sentences(STORIES[title].text)]


async def collect(provider: OfflineProvider, prompt: Prompt, max_tokens: int = 400) -> list[Any]:
    return [item async for item in provider.stream(prompt, max_tokens=max_tokens)]


@pytest.mark.anyio
@pytest.mark.parametrize(("question", "kind", "story", "phrases"), DEMO, ids=[d[1] for d in DEMO])
async def test_demo_questions_get_points_from_the_right_notes(
    question: str, kind: str, story: str | None, phrases: list[str]
) -> None:
    prompt = prompt_for(question, kind)
    items = await collect(OfflineProvider(), prompt)
    deltas = [i for i in items if isinstance(i, TextDelta)]
    assert len(deltas) >= 5  # streamed in pieces
    assert isinstance(items[-1], StreamEnd) and sum(isinstance(i, StreamEnd) for i in items) == 1
    answer = "".join(d.text for d in deltas)
    assert answer == compose(prompt)

    assert answer.startswith("Offline notes — from your profile:\n")
    for phrase in phrases:
        assert phrase in answer, phrase
    lines = answer.split("\n")
    bullets = [line for line in lines if line.startswith("- ")]
    assert 3 <= len(bullets) <= 4
    assert all(len(b.removeprefix("- ").split()) <= 12 for b in bullets), bullets
    assert_no_labels(answer)
    if story is not None and kind == "behavioural":
        assert lines[1] == story  # the story's title first
        result = STORIES[story].text.split("Result", 1)[-1]
        assert quoted(bullets[-1]) in result  # the result last
    assert_nothing_invented(answer, CHUNKS)

    others = [t for t in STORIES if t != story]
    for title in others:
        assert title not in answer
        for sentence in story_sentences(title):
            assert sentence not in answer, (title, sentence)
    if story is not None:
        own = story_sentences(story)
        assert sum(any(quoted(b) in s for s in own) for b in bullets) >= 3
    else:
        assert "Backend engineer with 6 years of experience" in answer  # the résumé summary


@pytest.mark.anyio
async def test_nothing_relevant_says_so() -> None:
    cases = [
        ("What's your favourite colour?", "small-talk"),
        ("What is your notice period?", "logistics"),
        ("Tell me about a time you had a conflict with a teammate", "behavioural"),
    ]
    for question, kind in cases:
        chunks: list[Chunk] | None = [] if kind == "behavioural" else None  # an empty profile
        prompt = prompt_for(question, kind, chunks)
        answer = "".join(
            i.text for i in await collect(OfflineProvider(), prompt) if isinstance(i, TextDelta)
        )
        assert answer == (
            f"{HEADER}\n{NOTHING}\nAnswer from experience, and add a story about this to your "
            "profile later."
        )


def test_an_unlabelled_note_is_quoted_not_rewritten() -> None:
    note = Chunk(
        text="I built a queue for invoices in Go. It needed to handle 900 jobs a minute. "
        "We chose SQS instead of Kafka because the team was small. Latency fell to 2 seconds.",
        source="notes.md",
        title="Invoice queue",
        kind="notes",
    )
    for kind in ("technical", "behavioural", "situational", "logistics"):
        answer = compose(build_prompt("How did you build the invoice queue?", kind, [note], []))
        assert "Invoice queue" in answer
        assert_nothing_invented(answer, [note])
    technical = compose(build_prompt("Design an invoice queue", "technical", [note], []))
    assert "- It needed to handle 900 jobs a minute\n" in technical
    assert "- We chose SQS instead of Kafka because the team was small" in technical
    assert_no_labels(technical)


def test_long_sentences_are_cut_at_their_own_punctuation() -> None:
    long = (
        "Situation: We ran the billing platform for 40 teams, each with its own deploy pipeline, "
        "its own alerts and its own runbooks, which made every release slow and every incident "
        "confusing for the people on call that week.\nTask: Fix it.\nAction: I merged the "
        "pipelines.\nResult: Releases took 10 minutes."
    )
    note = Chunk(text=long, source="s.md", title="Billing", kind="stories")
    answer = compose(build_prompt("Tell me about the billing platform", "behavioural", [note], []))
    situation = next(line for line in answer.split("\n") if line.startswith("- "))
    assert situation == "- We ran the billing platform for 40 teams"
    assert_nothing_invented(answer, [note])


@pytest.mark.anyio
async def test_max_tokens_keeps_whole_lines() -> None:
    prompt = prompt_for(DEMO[1][0], "technical")
    full = compose(prompt)
    items = await collect(OfflineProvider(), prompt, max_tokens=40)
    short = "".join(i.text for i in items if isinstance(i, TextDelta))
    assert short.startswith(HEADER) and len(short) < len(full)
    assert full.startswith(short) and (full[len(short)] == "\n")


@pytest.mark.anyio
async def test_no_network_is_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def hook(event: str, _args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.getaddrinfo") and recording:
            seen.append(event)

    recording = True
    sys.addaudithook(hook)  # cannot be removed; it records only while `recording`
    try:
        provider = OfflineProvider()
        assert provider.needs_network is False
        for question, kind, _, _ in DEMO:
            await collect(provider, prompt_for(question, kind))
        await provider.check()
        await provider.aclose()
        with pytest.raises(OSError):  # the hook does see real sockets
            socket.getaddrinfo("host.invalid", 80)
    finally:
        recording = False
    assert seen == ["socket.getaddrinfo"]


@pytest.mark.anyio
async def test_protocol_registry_and_check() -> None:
    provider = OfflineProvider()
    assert isinstance(provider, Provider)
    assert (provider.name, provider.model) == ("offline", "notes")
    built = providers.build_provider(
        "offline", ProviderSettings(), api_key=None, http_client=None,
        deadlines=providers.Deadlines(),
    )
    assert isinstance(built, OfflineProvider)
    assert await provider.check() < 0.5


def test_pieces_rebuild_the_text_exactly() -> None:
    text = "Offline notes — from your profile:\n- Action: I asked Priya  first.\n"
    parts = pieces(text)
    assert "".join(parts) == text and len(parts) == 3
    assert all(len(p.split()) <= 4 for p in parts)


def test_composing_takes_milliseconds() -> None:
    prompts = [prompt_for(q, k) for q, k, _, _ in DEMO]
    started = time.perf_counter()
    for _ in range(10):
        for prompt in prompts:
            compose(prompt)
    assert (time.perf_counter() - started) / 50 < 0.01


def test_why_us_names_the_company_of_the_users_job_description() -> None:
    job = (
        "# Analytics Lead — Harbor & Pine\n\n## About Harbor & Pine\n\n"
        "Harbor & Pine is an online furniture retailer that delivers to 30 countries.\n\n"
        "## The role\n\nYou will own our operations metrics and lead two analysts."
    )
    chunks = [
        *[c for c in CHUNKS if c.kind == "resume"],
        *chunk_text(job, "job.md", kind="job"),
    ]
    answer = compose(prompt_for("Why do you want to work here?", "about-you", chunks))
    lines = answer.split("\n")
    assert lines[1] == "Harbor & Pine"
    assert "- Harbor & Pine is an online furniture retailer" in answer
    assert "Northwind" not in answer
    assert_nothing_invented(answer, chunks)


def test_glance_keeps_the_users_words_within_the_limit() -> None:
    assert glance("Service was back in 22 minutes.", 11) == "Service was back in 22 minutes"
    cut = glance("We migrated with 40 seconds of read-only time and no failed payments at all.", 10)
    assert cut == "We migrated with 40 seconds of read-only time"
    long = glance("one two three four five six seven eight nine ten eleven twelve", 5)
    assert long == "one two three four five…"


def test_writers_labels_and_metadata_never_reach_a_bullet() -> None:
    """Issue 23's profile: "### Story 1 – …" with bold Context / My part / What I did / Outcome."""
    text = (
        "### Story 1 – Cutting our Snowflake bill by 38 %\n\n"
        "**Context:** Warehouse spend had doubled in a year.\n"
        "**My part:** I owned the cost review.\n"
        "**What I did:** I ranked 230 DAGs by cost and rewrote the worst ten.\n"
        "**Outcome:** The monthly bill fell by 38 %.\n"
        "Tags: cost, stakeholder\n"
    )
    chunks = chunk_text(text, "stories.md", kind="stories")
    answer = compose(build_prompt("Tell me about saving money", "behavioural", chunks, []))
    lines = answer.split("\n")
    assert lines[1] == "Cutting our Snowflake bill by 38 %"
    assert lines[2:] == [
        "- Warehouse spend had doubled in a year",
        "- I owned the cost review",
        "- I ranked 230 DAGs by cost and rewrote the worst ten",
        "- The monthly bill fell by 38 %",
    ]
    assert_no_labels(answer)
