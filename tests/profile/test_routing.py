"""Each question kind draws on the right document (issue 23).

The profile is the issue's: a data engineer's Markdown résumé, a plain-text job
description and STAR stories in the writer's own labels.
"""

from __future__ import annotations

from tests.profile.test_styles import ISSUE_STORIES, PLAIN_JOB

from cuecard.assist.offline import ESTIMATE, compose
from cuecard.assist.prompting import ESTIMATION_GUIDANCE, build_prompt
from cuecard.profile.documents import Chunk, chunk_text
from cuecard.profile.normalise import plain_to_markdown
from cuecard.profile.retrieval import ProfileIndex, is_estimation

RESUME = """# Dana Okafor

Senior data engineer, eight years building pipelines for health and fintech.

## Experience

### Lumen Care — Senior Data Engineer (2021 – present)

- Built Kafka ingestion for HL7 feeds from 35 clinics, 2 million messages a day.
- Cut warehouse cost by 38 % by rewriting the ten most expensive DAGs.

### Fintrail — Data Engineer (2017 – 2021)

- Ran Airflow for 230 DAGs and on-call for the payments warehouse.

## Skills

Python, SQL, Kafka, Airflow, dbt, Snowflake
"""


def profile() -> list[Chunk]:
    return [
        *chunk_text(RESUME, "resume.md", kind="resume"),
        *chunk_text(plain_to_markdown(PLAIN_JOB), "job.txt", kind="job"),
        *chunk_text(ISSUE_STORIES, "stories.md", kind="stories"),
    ]


def test_technical_questions_read_the_resume_first_then_the_job() -> None:
    found = ProfileIndex(profile()).search(
        "Walk me through how you would design a pipeline to ingest HL7 messages from 40 clinics",
        4,
        kind="technical",
    )
    assert found[0].kind == "resume" and "Lumen Care" in found[0].title
    assert any(c.kind == "job" and "What you'll do" in c.title for c in found[1:])


def test_a_question_about_the_job_reads_the_job_first() -> None:
    found = ProfileIndex(profile()).search(
        "What does this role require in streaming experience?", 3, kind="technical"
    )
    assert found[0].kind == "job" and found[0].title.endswith("Requirements")


def test_why_us_reads_the_mission_and_the_matching_experience() -> None:
    found = ProfileIndex(profile()).search("Why Harbor Health?", 4, kind="about-you")
    assert found[0].kind == "job" and found[0].title.endswith("About us")
    assert any(c.kind == "resume" for c in found)
    answer = compose(build_prompt("Why Harbor Health?", "about-you", found, []))
    assert "virtual-first clinic network" in answer
    assert "Basic information" not in answer


def test_behavioural_questions_get_one_story_whole() -> None:
    found = ProfileIndex(profile()).search(
        "Tell me about a time you pushed back on a product leader", 4, kind="behavioural"
    )
    assert found[0].title == "Pushing back on a product VP"
    answer = compose(build_prompt("Tell me about a time you pushed back", "behavioural", found, []))
    lines = answer.split("\n")
    assert lines[1] == "Pushing back on a product VP"
    assert lines[-1] == "- She agreed; we launched two weeks later with no data incidents"


def test_estimation_gets_a_structure_and_the_documents_numbers() -> None:
    question = "How many messages per second would the clinic pipeline need to handle?"
    assert is_estimation(question) and not is_estimation("Tell me about your last project")
    prompt = build_prompt(question, "technical", ProfileIndex(profile()).search(question, 4), [])
    assert ESTIMATION_GUIDANCE in prompt.system
    answer = compose(prompt)
    lines = answer.split("\n")
    assert lines[1] == ESTIMATE
    assert "- Built Kafka ingestion for HL7 feeds from 35 clinics" in answer
    assert all(any(ch.isdigit() for ch in line) for line in lines[2:])
