"""Your vocabulary: the profile's names and terms, chosen on the device, seen and edited
by the user, and what they do to the recogniser on a neural voice (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cuecard.cli import app
from cuecard.profile.documents import chunk_text
from cuecard.profile.store import sample_chunks
from cuecard.profile.vocabulary import as_prompt, profile_terms, vocabulary

runner = CliRunner()


def test_the_sample_profiles_names_and_terms_and_no_ordinary_words() -> None:
    terms = {t.text: t for t in profile_terms(sample_chunks())}
    for expected in ("PostgreSQL", "Northwind Analytics", "Paylane", "Tallyroute", "Redis",
                     "Kafka", "OpenTelemetry", "Lakeside State University", "SLO"):  # fmt: skip
        assert expected in terms, sorted(terms)
    assert terms["Northwind Analytics"].kind == "company"
    assert terms["Northwind Analytics"].sources == ("job.md",)
    for ordinary in ("Senior Backend Engineer", "Design", "Built", "Led", "About", "SLOs"):
        assert ordinary not in terms


def test_acronyms_names_inside_a_sentence_and_headings() -> None:
    text = (
        "## Experience\n\n### Harbor Health — Integration Engineer\n\n"
        "Routed HL7 messages from 40 clinics into Lumen Claims with Dagster and Snowflake.\n"
        "Wrote the SLOs for the FHIR gateway."
    )
    terms = [t.text for t in profile_terms(chunk_text(text, "resume.md", kind="resume"))]
    for expected in ("HL7", "Lumen Claims", "Dagster", "Snowflake", "SLO", "FHIR",
                     "Harbor Health"):  # fmt: skip
        assert expected in terms, terms
    assert "Routed" not in terms and "Integration Engineer" not in terms


def test_the_users_terms_come_first_and_exclusions_go() -> None:
    terms = vocabulary(sample_chunks(), yours=["Harbor Health", "HL7"], exclude=["Redis", "go"])
    texts = [t.text for t in terms]
    assert texts[:2] == ["Harbor Health", "HL7"]
    assert "Redis" not in texts and "Go" not in texts
    assert as_prompt(terms).startswith("Harbor Health, HL7, ")
    assert vocabulary(sample_chunks(), yours=["HL7"], from_profile=False)[0].text == "HL7"
    assert len(vocabulary(sample_chunks(), limit=5)) == 5


def test_the_user_sees_and_edits_the_list(cuecard_home: Path) -> None:
    result = runner.invoke(app, ["profile", "vocabulary", "--sample"])
    assert result.exit_code == 0, result.stderr
    assert "Northwind Analytics  (company; job.md)" in result.stdout
    result = runner.invoke(app, ["profile", "vocabulary", "--sample", "--add", "Harbor Health",
                                 "--remove", "Redis", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    listed = [t["text"] for t in json.loads(result.stdout)]
    assert listed[0] == "Harbor Health" and "Redis" not in listed
    config = (cuecard_home / "config" / "config.toml").read_text(encoding="utf-8")
    assert 'vocabulary = ["Harbor Health"]' in config
    assert 'vocabulary_exclude = ["Redis"]' in config
    result = runner.invoke(app, ["profile", "vocabulary", "--sample", "--remove", "Harbor Health",
                                 "--add", "Redis", "--json"])  # fmt: skip
    listed = [t["text"] for t in json.loads(result.stdout)]
    assert "Harbor Health" not in listed and "Redis" in listed
