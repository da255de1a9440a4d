"""The mock interviewer's follow-up: one rule per gap, asked next, and the model's wording
through the same privacy wrapper (the fake provider at the HTTP wire)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cuecard.practice.followup import follow_up_for, repeated_words, terms_in
from fakes.provider_server import FakeProviderServer, Reply
from practice.answers import ANSWERS, build

from .conftest import run_cuecard

ALL = {"situation": True, "task": True, "action": True, "result": True}


def _ask(kind: str, **changes: object) -> str | None:
    args: dict[str, object] = {"words": 80, "star": dict(ALL), "i_actions": 2, "we_actions": 0,
                               "tradeoff": True}  # fmt: skip
    for key, value in changes.items():
        if key in ALL:
            args["star"] = {**args["star"], key: value}  # type: ignore[dict-item]
        else:
            args[key] = value
    found = follow_up_for(kind, **args)  # type: ignore[arg-type]
    return found.question if found is not None else None


def test_no_result_asks_for_the_outcome() -> None:
    assert _ask("behavioural", result=False) == "And what was the outcome?"
    assert _ask("situational", result=False, action=False) == "And what was the outcome?"


def test_vague_action_asks_what_you_did() -> None:
    assert _ask("behavioural", action=False, i_actions=0) == "What exactly did you do?"
    assert _ask("behavioural", i_actions=0, we_actions=3) == "What exactly did you do?"


def test_technical_answer_without_a_tradeoff_asks_why() -> None:
    assert _ask("technical", tradeoff=False) == "Why that approach?"
    assert _ask("technical") is None  # it named one


def test_a_complete_or_short_answer_gets_none() -> None:
    assert _ask("behavioural") is None
    assert _ask("behavioural", result=False, words=10) is None  # "say more" covers it
    assert _ask("about-you", result=False) is None


def test_job_terms_used_and_missed_and_repeated_words() -> None:
    used, missed = terms_in("We moved the jobs to Kafka and tuned Postgres indexes.",
                            ["Kafka", "Kubernetes", "Postgres", "Go"])  # fmt: skip
    assert used == ("Kafka", "Postgres") and missed == ("Kubernetes", "Go")
    assert repeated_words("The cache was slow. The cache missed. Cache again, really.") == (
        "cache",)


def _two_answers(tmp_path: Path, testdata: Path) -> Path:
    """A story with no result, then the answer to the follow-up (with one)."""
    chosen = tuple(a for a in ANSWERS if a.name in ("disk-full", "slow-query"))
    return build(tmp_path / "answers", testdata, chosen).path


@pytest.mark.slow
def test_the_follow_up_is_asked_next_and_answered(tmp_path: Path, testdata: Path) -> None:
    proc = run_cuecard(tmp_path / "home", "practice", "--answers",
                       str(_two_answers(tmp_path, testdata)), "--json", "--fast", "--no-voice",
                       "--count", "1", "--kind", "behavioural", "--sample", "--seed", "1",
                       "--follow-ups")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    questions = [e for e in events if e["type"] == "question"]
    feedback = [e for e in events if e["type"] == "feedback"]
    assert len(questions) == len(feedback) == 2  # one follow-up, then the end
    assert feedback[0]["follow_up"] == "And what was the outcome?"
    assert questions[1]["text"] == "And what was the outcome?"
    assert feedback[1]["question"] == "And what was the outcome?"


@pytest.mark.slow
def test_the_model_words_the_follow_up_through_the_privacy_wrapper(
    tmp_path: Path, testdata: Path
) -> None:
    worded = "How long was the site down before the backups moved?"
    home = tmp_path / "home"
    with FakeProviderServer(default=Reply(text=worded)) as server:
        config = home / "config" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            '[assist]\nprovider = "local"\n\n'
            f'[assist.local]\nmodel = "llama3.2"\nbase_url = "{server.openai_base_url}"\n\n'
            '[privacy]\nredact = true\nredact_terms = ["org:Sunday"]\n', encoding="utf-8")
        proc = run_cuecard(home, "practice", "--answers", str(_two_answers(tmp_path, testdata)),
                           "--json", "--fast", "--no-voice", "--count", "1", "--kind",
                           "behavioural", "--sample", "--seed", "1", "--follow-ups", "--coach",
                           "--show-prompts")  # fmt: skip
        sent = [json.dumps(r.body) for r in server.generations]
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    questions = [e for e in events if e["type"] == "question"]
    assert len(questions) == 2 and questions[1]["text"] == worded
    asked_for = [s for s in sent if "lacked: the result" in s]
    assert len(asked_for) == 1 and "sunday" not in asked_for[0].lower()  # redacted on the wire
    assert any(e["type"] == "prompt" for e in events)  # the inspector saw it first
    report = run_cuecard(home, "privacy", "report", "--json")
    assert report.returncode == 0 and "coach" in report.stdout
