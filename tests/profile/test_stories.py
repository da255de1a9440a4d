"""Stories stay whole: every heading style, line endings and Word export give one chunk per story.

A chunk that held two stories made the offline answer mix them ("Story: Story: Disagreement…
/ Story: A forecast…", one story's Action inside the other's STAR answer); these tests hold
every way people write a stories file to "one story, one chunk, one clean title".
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.shared import Pt

from cuecard.profile.company import company_name, company_of
from cuecard.profile.documents import Chunk, chunk_text, load_chunks, story_title
from cuecard.profile.reading import read_text
from cuecard.profile.store import sample_chunks

TWO_STORIES = {
    "story-prefix": (
        "# My stories\n\n"
        "## Story: Disagreement with my manager (conflict)\n\n"
        "Situation: My manager wanted to ship on Friday.\nTask: I had to decide.\n"
        "Action: I showed him the failing tests.\nResult: We shipped on Monday instead.\n\n"
        "## Story: A forecast that was wrong (failure)\n\n"
        "Situation: My forecast missed by 30%.\nTask: Fix it.\n"
        "Action: I added the promotion calendar.\nResult: Error fell to 6%.\n"
    ),
    "level-3-under-groups": (
        "# Stories\n\n## Conflict\n\n### Disagreement with my manager\n\n"
        "Situation: My manager wanted to ship on Friday. Task: I had to decide.\n"
        "Action: I showed him the failing tests.\nResult: We shipped on Monday instead.\n\n"
        "## Failure\n\n### A forecast that was wrong\n\n"
        "Situation: My forecast missed by 30%.\nTask: Fix it.\n"
        "Action: I added the promotion calendar.\nResult: Error fell to 6%.\n"
    ),
    "h1-per-story": (
        "# Story 1: Disagreement with my manager\n\n"
        "My manager wanted to ship on Friday. I showed him the failing tests and we shipped on "
        "Monday instead.\n\n"
        "# Story 2 - A forecast that was wrong\n\n"
        "My forecast missed by 30%. I added the promotion calendar and the error fell to 6%.\n"
    ),
    "star-sub-headings": (
        "# Stories\n\n## Disagreement with my manager\n\n### Situation\n\n"
        "My manager wanted to ship on Friday.\n\n### Task\n\nI had to decide.\n\n### Action\n\n"
        "I showed him the failing tests.\n\n### Result\n\nWe shipped on Monday instead.\n\n"
        "## A forecast that was wrong\n\n**Situation:** My forecast missed by 30%.\n"
        "**Task:** Fix it.\n**Action:** I added the promotion calendar.\n"
        "**Result:** Error fell to 6%.\n"
    ),
    "bold-lines": (
        "**Disagreement with my manager**\n\n"
        "S: My manager wanted to ship on Friday.\nT: I had to decide.\n"
        "A: I showed him the failing tests.\nR: We shipped on Monday instead.\n\n"
        "**A forecast that was wrong**\n\n"
        "Situation - My forecast missed by 30%.\nTask - Fix it.\n"
        "Action - I added the promotion calendar.\nResult - Error fell to 6%.\n"
    ),
    "setext": (
        "Disagreement with my manager\n----------------------------\n\n"
        "Situation: My manager wanted to ship on Friday.\nTask: I had to decide.\n"
        "Action: I showed him the failing tests.\nResult: We shipped on Monday instead.\n\n"
        "A forecast that was wrong\n-------------------------\n\n"
        "Situation: My forecast missed by 30%.\nTask: Fix it.\n"
        "Action: I added the promotion calendar.\nResult: Error fell to 6%.\n"
    ),
    "no-headings": (
        "Situation: My manager wanted to ship on Friday.\nTask: I had to decide.\n"
        "Action: I showed him the failing tests.\nResult: We shipped on Monday instead.\n\n"
        "Situation: My forecast missed by 30%.\nTask: Fix it.\n"
        "Action: I added the promotion calendar.\nResult: Error fell to 6%.\n"
    ),
}
FIRST = ("Friday", "failing tests", "Monday")
SECOND = ("30%", "promotion calendar", "6%")


def _stories(chunks: list[Chunk]) -> list[Chunk]:
    return [c for c in chunks if c.story]


def _assert_two_whole_stories(chunks: list[Chunk]) -> None:
    stories = _stories(chunks)
    assert len(stories) == 2, [(c.title, c.text) for c in chunks]
    first, second = stories
    assert all(word in first.text for word in FIRST), first.text
    assert all(word in second.text for word in SECOND), second.text
    assert not any(word in first.text for word in SECOND), "two stories mixed"
    assert not any(word in second.text for word in FIRST), "two stories mixed"
    for story in stories:
        assert "Story" not in story.title and " / " not in story.title, story.title
        assert story.title


@pytest.mark.parametrize("style", list(TWO_STORIES))
def test_every_heading_style_gives_one_chunk_per_story(style: str) -> None:
    chunks = chunk_text(TWO_STORIES[style], "stories.md", kind="stories")
    _assert_two_whole_stories(chunks)
    if style != "no-headings":
        assert [c.title for c in _stories(chunks)] == [
            "Disagreement with my manager",
            "A forecast that was wrong",
        ]


@pytest.mark.parametrize("style", list(TWO_STORIES))
def test_windows_line_endings_change_nothing(style: str) -> None:
    unix = chunk_text(TWO_STORIES[style], "stories.md", kind="stories")
    windows = chunk_text(TWO_STORIES[style].replace("\n", "\r\n"), "stories.md", kind="stories")
    assert [(c.title, c.text, c.labels) for c in windows] == [
        (c.title, c.text, c.labels) for c in unix
    ]


def test_windows_line_endings_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "stories.md"
    path.write_bytes(TWO_STORIES["story-prefix"].replace("\n", "\r\n").encode("utf-8"))
    kind, _, chunks = load_chunks(path)
    assert kind == "stories"
    _assert_two_whole_stories(chunks)


def test_plain_text_story_titles_and_star_sub_headings_fold_into_their_story(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stories.txt"
    path.write_text(
        "Story: Disagreement with my manager\n\nSituation: My manager wanted to ship on Friday.\n"
        "Task: I had to decide.\nAction: I showed him the failing tests.\n"
        "Result: We shipped on Monday instead.\n\nStory: A forecast that was wrong\n\n"
        "Situation: My forecast missed by 30%.\nTask: Fix it.\n"
        "Action: I added the promotion calendar.\nResult: Error fell to 6%.\n",
        encoding="utf-8",
    )
    _, _, chunks = load_chunks(path, kind="stories")
    _assert_two_whole_stories(chunks)


def test_heading_labels_become_competencies_and_prefixes_are_not_repeated() -> None:
    chunks = chunk_text(TWO_STORIES["story-prefix"], "s.md", kind="stories")
    assert [c.labels for c in _stories(chunks)] == [("conflict",), ("failure",)]
    assert story_title("Story: Story 2: Pushing back on scope (conflict, persuasion)") == (
        "Pushing back on scope",
        ("conflict", "persuasion"),
    )
    # A year in brackets is part of a title, not a label.
    assert story_title("Paylane (2021 – present)") == ("Paylane (2021 – present)", ())
    grouped = chunk_text(TWO_STORIES["level-3-under-groups"], "s.md", kind="stories")
    assert [c.group for c in _stories(grouped)] == ["Conflict", "Failure"]


def test_a_story_is_never_split_below_its_hard_limit() -> None:
    long_action = " ".join(f"Then I did step {i} of the plan." for i in range(120))
    text = (
        "## The long migration (leadership)\n\nSituation: Old database.\nTask: Move it.\n"
        f"Action: {long_action}\nResult: Done in 11 weeks.\n"
    )
    (story,) = chunk_text(text, "s.md", kind="stories")
    assert story.words > 800 and "Done in 11 weeks." in story.text


def test_the_sample_profile_splits_into_roles_sections_and_stories() -> None:
    chunks = sample_chunks()
    titles = [(c.kind, c.title) for c in chunks]
    assert ("resume", "Experience › Paylane — Senior Backend Engineer (2021 – present)") in titles
    assert ("resume", "Experience › Tallyroute — Software Engineer (2018 – 2021)") in titles
    job = [t for k, t in titles if k == "job"]
    assert job == ["About Northwind Analytics", "The role", "What you will do",
                   "What we are looking for"]  # fmt: skip
    assert len([c for c in chunks if c.story]) == 4


def test_plain_text_resume_is_cut_by_role(tmp_path: Path) -> None:
    path = tmp_path / "cv.txt"
    path.write_text(
        "Jordan Lee\n\nEXPERIENCE\n\nAcme Corp — Data Analyst, 2019 – 2022\n- Built dashboards.\n"
        "- Forecast demand.\n\nGlobex, Senior Analyst, 2022 - present\n- Led a team of 3.\n\n"
        "EDUCATION\n\nBSc Statistics, 2019\n",
        encoding="utf-8",
    )
    _, text, chunks = load_chunks(path, kind="resume")
    roles = [c for c in chunks if "Acme" in c.title or "Globex" in c.title]
    assert len(roles) == 2
    assert "Led a team of 3." in roles[1].text and "Led a team" not in roles[0].text
    assert "BSc Statistics, 2019" in text  # a year alone is not a role heading


def test_word_exported_docx_keeps_stories_apart(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Interview stories", level=0)
    document.add_heading("Story: Disagreement with my manager (conflict)", level=1)
    for line in (
        "Situation: My manager wanted to ship on Friday.",
        "Task: I had to decide.",
        "Action: I showed him the failing tests.",
        "Result: We shipped on Monday instead.",
    ):
        document.add_paragraph(line)
    # People who never use heading styles make a title bold instead.
    title = document.add_paragraph().add_run("A forecast that was wrong")
    title.bold = True
    title.font.size = Pt(14)
    for line in (
        "Situation: My forecast missed by 30%.",
        "Task: Fix it.",
        "Action: I added the promotion calendar.",
        "Result: Error fell to 6%.",
    ):
        document.add_paragraph(line)
    path = tmp_path / "My Stories.docx"
    document.save(str(path))

    kind, _, chunks = load_chunks(path)
    assert kind == "stories"
    _assert_two_whole_stories(chunks)
    assert [c.title for c in _stories(chunks)] == [
        "Disagreement with my manager",
        "A forecast that was wrong",
    ]
    assert _stories(chunks)[0].labels == ("conflict",)


def test_company_name_comes_from_the_job_description() -> None:
    assert company_of(sample_chunks()) == "Northwind Analytics"
    assert company_name("# Data Engineer at Globex\n\nWe are hiring.") == "Globex"
    assert company_name("# Backend Engineer | Stripe\n\n## About you\n\nYou like it.") == "Stripe"
    assert company_name("At Initech, we value reports.\n\n## About the role\n\nStuff.") == (
        "Initech"
    )
    assert company_name("Harbor & Pine is an online furniture retailer.") == "Harbor & Pine"
    assert company_name("## About the role\n\nYou will write code.") is None
    assert company_of([c for c in sample_chunks() if c.kind != "job"]) is None


def test_read_text_of_markdown_with_crlf_keeps_headings(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(b"# Title\r\n\r\n## Part one\r\n\r\nHello there.\r\n")
    chunks = chunk_text(read_text(path), path.name)
    assert [c.title for c in chunks] == ["Part one"]
