"""Which questions a mock interview asks: from the profile first, a bundled bank after."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from cuecard.practice.questions import bundled, job_skills, plan
from cuecard.profile.bank import story_bank
from cuecard.profile.store import sample_chunks


def test_the_bundled_bank_is_well_formed_and_its_sources_are_noted() -> None:
    folder = resources.files("cuecard").joinpath("assets", "practice")
    sources = folder.joinpath("SOURCES.md").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in folder.joinpath("questions.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]  # fmt: skip
    assert len(rows) == len(bundled()) >= 40
    assert len({r["text"] for r in rows}) == len(rows)
    for row in rows:
        assert row["kind"] in ("behavioural", "technical", "situational", "about-you",
                               "logistics")  # fmt: skip
        assert row["source"] and row["source"].split(" (")[0].split(",")[0] in sources, row
    assert "tech-interview-handbook" in sources and "not** used" in sources
    assert not any("tech-interview-handbook" in r["source"] for r in rows)


def test_the_job_descriptions_skills() -> None:
    skills = job_skills(sample_chunks())
    for skill in ("Go", "Python", "PostgreSQL", "Redis", "Kafka", "incident response"):
        assert skill in skills
    assert "Northwind" not in skills and "Senior" not in skills


def test_a_mixed_session_draws_on_stories_a_gap_and_the_job() -> None:
    chunks = sample_chunks()
    bank = story_bank(chunks)
    covered = {c for s in bank.stories for c in s.competencies}
    questions = plan(chunks, count=6, seed=3)
    assert len(questions) == 6 and len({q.text for q in questions}) == 6
    assert questions[0].kind == "about-you"
    whys = [q.why for q in questions]
    assert any(w.startswith("you have a story for this") for w in whys)
    assert sum(w.startswith("no story for this yet") for w in whys) == 1
    assert any(w.startswith("from your job description") for w in whys)
    gap = next(q for q in questions if q.why.startswith("no story"))
    assert gap.competency not in covered
    for q in questions:
        if q.why.startswith("you have a story"):
            assert q.competency in covered


@pytest.mark.parametrize("kind", ["behavioural", "technical", "situational", "about-you"])
def test_one_kind_only(kind: str) -> None:
    questions = plan(sample_chunks(), kind=kind, count=4, seed=1)  # type: ignore[arg-type]
    assert len(questions) == 4 and all(q.kind == kind for q in questions)


def test_the_same_seed_asks_the_same_questions_and_another_seed_differs() -> None:
    chunks = sample_chunks()
    first = [q.text for q in plan(chunks, count=5, seed=7)]
    assert first == [q.text for q in plan(chunks, count=5, seed=7)]
    assert any([q.text for q in plan(chunks, count=5, seed=s)] != first for s in range(8, 12))


def test_an_empty_profile_gets_common_questions() -> None:
    questions = plan([], count=5, seed=1)
    assert len(questions) == 5
    assert all(q.why == "a common interview question" for q in questions)
