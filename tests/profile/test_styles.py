"""Profiles written in the user's own style read into the same units (issue 23).

Each test feeds one way people really write stories, résumés and job postings
(the shapes come from the public material in tests/data/profiles, see
retrieval_questions_others_SOURCES.md) and checks the units and what is kept out
of their text.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from cuecard.profile.documents import Chunk, chunk_text, guess_kind
from cuecard.profile.normalise import is_star_story, metadata, plain_to_markdown
from cuecard.profile.reading import read_text

DASHED_BOLD = """# My stories

### Story 1 – Pushing back on a product VP

**Context:** The VP wanted the launch moved up by a month.
**My part:** I owned the data pipeline the launch depended on.
**What I did:** I showed the backfill plan and the risk of skipping validation.
**Outcome:** We kept the date and shipped with zero data incidents.
Tags: disagreement, stakeholder
Date: March 2023

### Story 2 – Cutting our Snowflake bill by 38 %

**Background:** Warehouse spend had doubled in a year.
**Goal:** Bring it down without slowing analysts.
**Approach:** I ranked 230 DAGs by cost and rewrote the worst ten.
**Impact:** The monthly bill fell by 38 %.
"""


def _stories(text: str, name: str = "stories.md") -> list[Chunk]:
    return [c for c in chunk_text(text, name, kind="stories") if c.story]


def test_dashed_story_headings_with_bold_labels_of_any_name() -> None:
    stories = _stories(DASHED_BOLD)
    assert [s.title for s in stories] == [
        "Pushing back on a product VP",
        "Cutting our Snowflake bill by 38 %",
    ]
    assert all(is_star_story(s.text) for s in stories)


def test_metadata_lines_are_hints_never_text() -> None:
    first = _stories(DASHED_BOLD)[0]
    assert "Tags" not in first.text and "disagreement" not in first.text
    assert "March 2023" not in first.text
    assert first.labels == ("disagreement", "stakeholder")
    assert metadata("- **Skills:** SQL, dbt") == ("skills", "SQL, dbt")
    assert metadata("Situation: the tags were wrong") is None


@pytest.mark.parametrize(
    "labels",
    [
        ("*Situation:*", "*Task:*", "*Action:*", "*Result:*"),
        ("Situation:", "Task:", "Action:", "Result:"),
        ("**Context** —", "**Goal** —", "**What I did** —", "**Outcome** —"),
    ],
)
def test_star_parts_in_italics_plain_or_bold(labels: tuple[str, ...]) -> None:
    body = "\n".join(f"{label} part {n} of the story." for n, label in enumerate(labels))
    [story] = _stories(f"## The late migration\n\n{body}\n")
    assert story.title == "The late migration"
    assert is_star_story(story.text)


def test_numbered_items_and_list_lead_ins_are_stories() -> None:
    text = (
        "## Leadership\n\n"
        '- **"Tell me about a time you led a team through a deadline"**\n'
        "  - **STAR Framework:**\n"
        '    - **Situation:** "Eight developers, three months."\n'
        '    - **Task:** "Coordinate the team."\n'
        '    - **Action:** "Daily stand-ups and a plan."\n'
        '    - **Result:** "Two weeks early."\n\n'
        "1. **The outage that taught me runbooks**\n"
        "   - Situation: Payments failed for an afternoon.\n"
        "   - Action: I tuned the pool and wrote the runbook.\n"
        "   - Result: Failures fell below 0.1 %.\n"
    )
    stories = _stories(text)
    assert [s.title for s in stories] == [
        "Tell me about a time you led a team through a deadline",
        "The outage that taught me runbooks",
    ]
    assert stories[0].group == "Leadership"
    assert "STAR Framework" not in stories[0].text


def test_plain_text_stories_separated_by_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "stories.txt"
    path.write_text(
        "Story: The vendor who missed every date\n\n"
        "Situation: Our payroll vendor slipped three releases.\n"
        "Task: I had to keep payroll running.\n"
        "Action: I set weekly checkpoints and a fallback export.\n"
        "Result: No missed payroll in two years.\n\n"
        "Story: Teaching SQL to the finance team\n\n"
        "Situation: Finance waited days for every report.\n"
        "Action: I ran six lunch sessions on SQL.\n"
        "Result: They now write 80 % of their own queries.\n",
        encoding="utf-8",
    )
    text = read_text(path)
    titles = [c.title for c in chunk_text(text, path.name, kind="stories") if c.story]
    assert titles == ["The vendor who missed every date", "Teaching SQL to the finance team"]


def test_docx_heading_styles_start_stories(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Interview stories", level=1)
    for title, result in (
        ("Rescuing the billing release", "Shipped on time."),
        ("Mentoring Ana", "Ana led the next release."),
    ):
        document.add_heading(title, level=2)
        document.add_paragraph("Situation: The release was late.")
        document.add_paragraph("Action: I split the work and paired daily.")
        document.add_paragraph(f"Result: {result}")
    path = tmp_path / "stories.docx"
    document.save(str(path))
    text = read_text(path)
    titles = [c.title for c in chunk_text(text, path.name, kind="stories") if c.story]
    assert titles == ["Rescuing the billing release", "Mentoring Ana"]


PLAIN_JOB = """Harbor Health — Senior Data Engineer, Clinical Data Platform (Remote)

About us
Harbor Health is a virtual-first clinic network serving 40 clinics.
Our mission is care that follows the patient, not the paperwork.

The role
You will own the pipelines that move clinical data from clinics to analysts.

What you'll do
• Design and run pipelines that ingest HL7v2 messages.
• Keep data quality above 99.9 %.

Requirements
• Five years of data engineering.
• Kafka or another streaming system.

Our values
Patients first. Write it down. Leave things better.
"""


def test_plain_text_job_description_splits_into_its_sections(tmp_path: Path) -> None:
    path = tmp_path / "job.txt"
    path.write_text(PLAIN_JOB, encoding="utf-8")
    text = read_text(path)
    assert guess_kind(path.name, text) == "job"
    titles = [c.title for c in chunk_text(text, path.name, kind="job")]
    for section in ("About us", "The role", "What you'll do", "Requirements", "Our values"):
        assert any(t.endswith(section) for t in titles), (section, titles)


def test_field_lines_are_not_headings() -> None:
    assert "# Location" not in plain_to_markdown(
        "Role summary\nLocation: Anywhere in the U.S. (remote)"
    )


def test_resume_role_lines_in_bold_become_roles() -> None:
    text = (
        "# Jo Park\n\n## Experience\n\n"
        "**Senior Data Engineer** | Globex | 2021 – present\n\n"
        "* Moved 40 clinics onto Kafka ingestion.\n\n"
        "**Data Engineer**; 2018-2021\n\n"
        "* Built the dbt models for billing.\n"
    )
    titles = [c.title for c in chunk_text(text, "resume.md", kind="resume")]
    assert any("Senior Data Engineer | Globex" in t for t in titles)
    assert any("Data Engineer | 2018-2021" in t for t in titles)


ISSUE_STORIES = """## My STAR stories

### Story 1 – Pushing back on a product VP

**Context:** Our VP of Product wanted the clinic dashboard launched a month early.
**My part:** I owned the pipeline behind it and knew the backfill was not validated.
**What I did:** I showed her the failed validation runs and proposed a two-week slip with a
smaller first release.
**Outcome:** She agreed; we launched two weeks later with no data incidents.

### Story 2 – Cutting our Snowflake bill by 38 %

**Context:** Warehouse spend had doubled in a year.
**My part:** Finance asked me to find savings.
**What I did:** I ranked 230 DAGs by cost and rewrote the worst ten.
**Outcome:** The monthly bill fell by 38 %, about $41k a year.

### Story 3 – Bringing Priya up to speed

**Context:** Priya joined from a bootcamp and had never run a production pipeline.
**My part:** I volunteered to mentor her.
**What I did:** We paired twice a week and I handed her the ingestion service step by step.
**Outcome:** Six months later she was its on-call owner.

### Story 4 – The migration I got wrong

**Context:** I moved our Kafka consumers to a new cluster.
**My part:** I planned the cut-over.
**What I did:** I skipped the replay test to save a day, and we lost four hours of events.
I owned the mistake in the postmortem and added the replay test to the checklist.
**Outcome:** No cut-over since has lost data.
"""


def test_story_bank_judges_stories_by_what_they_say() -> None:
    """Issue 23: the VP story was "achievement, ethics" and conflict was listed as a gap."""
    from cuecard.profile.bank import story_bank

    bank = story_bank(chunk_text(ISSUE_STORIES, "stories.md", kind="stories"))
    about = {s.title: s.competencies for s in bank.stories}
    assert "conflict" in about["Pushing back on a product VP"]
    assert "achievement" in about["Cutting our Snowflake bill by 38 %"]
    assert "mentoring" in about["Bringing Priya up to speed"]
    assert "failure" in about["The migration I got wrong"]
    gaps = {g.competency for g in bank.gaps}
    assert not gaps & {"conflict", "mentoring", "failure", "achievement"}
