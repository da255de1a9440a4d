"""The story bank: each story with what it is about, and the common questions with no story."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cuecard.cli import app
from cuecard.profile.bank import story_bank
from cuecard.profile.documents import chunk_text
from cuecard.profile.store import sample_chunks

JORDAN = Path(__file__).resolve().parents[1] / "data" / "profiles" / "jordan"
runner = CliRunner()


def test_labelled_stories_and_their_gaps() -> None:
    text = (JORDAN / "stories.md").read_text(encoding="utf-8")
    bank = story_bank(chunk_text(text, "stories.md", kind="stories"))
    by_title = {s.title: s for s in bank.stories}
    assert len(bank.stories) == 10
    assert by_title["Pushing back on a dashboard launch date"].labelled == ("conflict",)
    assert by_title["Learning dbt and a new codebase in two weeks"].labelled == ("learning",)
    # Grouped under "## Leadership": a guess, not a label.
    assert "leadership" in by_title["Moving warehouse reporting from spreadsheets to dbt"].inferred
    covered = {c for s in bank.stories for c in s.competencies}
    gaps = {g.competency for g in bank.gaps}
    assert not covered & gaps
    assert {"conflict", "failure", "ethics", "customer"} <= covered
    assert "feedback" in gaps
    feedback = next(g for g in bank.gaps if g.competency == "feedback")
    assert feedback.message == (
        "no story about taking or giving hard feedback: interviewers ask for one often"
    )
    assert [g.frequency for g in bank.gaps] == sorted(
        (g.frequency for g in bank.gaps), key=lambda f: f != "often"
    )


def test_the_demo_profile_has_no_failure_story() -> None:
    bank = story_bank(sample_chunks())
    assert len(bank.stories) == 4  # résumé roles and job sections are not stories
    messages = [g.message for g in bank.gaps]
    assert "no story about a failure or mistake: interviewers ask for one often" in messages


def test_advice_for_a_story_without_a_result_and_a_long_one() -> None:
    text = (
        "## Half a story (conflict)\n\nSituation: We disagreed.\nTask: Decide.\n"
        "Action: I listened, then I proposed a test of both plans and we ran it together.\n\n"
        "## A saga\n\n" + "Then more happened and I kept going. " * 120
    )
    bank = story_bank(chunk_text(text, "s.md", kind="stories"))
    half, saga = bank.stories
    assert half.star_parts == ("situation", "task", "action")
    assert half.advice[0].startswith("no Result")
    assert any("minutes told" in tip for tip in saga.advice)


def test_cli_lists_stories_and_gaps(cuecard_home: Path) -> None:
    result = runner.invoke(app, ["profile", "stories", "--sample"])
    assert result.exit_code == 0, result.stderr
    assert "Your stories (4):" in result.stdout
    assert "Conflict with a teammate over a database migration plan" in result.stdout
    assert "no story about a failure or mistake: interviewers ask for one often" in result.stdout

    result = runner.invoke(app, ["profile", "stories", "--sample", "--json"])
    data = json.loads(result.stdout)
    assert len(data["stories"]) == 4 and data["gaps"]
    assert set(data["stories"][0]) >= {"title", "source", "competencies", "labelled", "inferred"}

    empty = runner.invoke(app, ["profile", "stories"])
    assert empty.exit_code == 0
    assert "You have no stories yet" in empty.stdout
