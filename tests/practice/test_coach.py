"""The optional coach's critique goes through the same privacy wrapper as live answers.

The `local` provider is the loopback fake server (the official OpenAI SDK talking real
HTTP to it): the prompt is redacted before it leaves, shown to the inspector
(``--show-prompts``), and the connection is in the egress ledger under ``coach``.
"""

from __future__ import annotations

import json
from pathlib import Path

from fakes.provider_server import FakeProviderServer, Reply
from practice.answers import ANSWERS, build

from .conftest import run_cuecard

CRITIQUE = "Good structure. Say the result for Redis first: the 70% drop."


def test_coach_critique_is_redacted_inspected_and_ledgered(
    tmp_path: Path, testdata: Path
) -> None:
    chosen = tuple(a for a in ANSWERS if a.name == "rate-limiter")
    answers = build(tmp_path / "answers", testdata, chosen).path
    home = tmp_path / "home"
    with FakeProviderServer(default=Reply(text=CRITIQUE)) as server:
        config = home / "config" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            '[assist]\nprovider = "local"\n\n'
            f'[assist.local]\nmodel = "llama3.2"\nbase_url = "{server.openai_base_url}"\n\n'
            '[privacy]\nredact = true\nredact_terms = ["org:Redis"]\n', encoding="utf-8")
        proc = run_cuecard(home, "practice", "--answers", str(answers), "--json", "--fast",
                           "--no-voice", "--count", "1", "--sample", "--coach",
                           "--show-prompts")  # fmt: skip
        sent = [r.body for r in server.generations]
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    feedback = next(e for e in events if e["type"] == "feedback")
    prompt = next(e for e in events if e["type"] == "prompt")
    coach = next(e for e in events if e["type"] == "coach")
    assert prompt["question_id"] == coach["question_id"] == feedback["question_id"]
    assert prompt["redacted"] and prompt["destination"].startswith("127.0.0.1:")
    assert len(sent) == 1
    wire = json.dumps(sent[0])
    assert "redis" not in wire.lower()  # the term never left, in any spelling Whisper wrote
    assert "token bucket" in wire.lower()  # but the answer's words did (that is the point)
    assert coach["text"] == CRITIQUE  # the placeholder came back as the user's own word
    assert events.index(feedback) < events.index(coach)
    report = run_cuecard(home, "privacy", "report", "--json")
    assert report.returncode == 0, report.stderr
    assert "coach" in report.stdout


def test_without_a_model_there_is_no_coach_and_one_line_says_why(
    tmp_path: Path, testdata: Path
) -> None:
    chosen = tuple(a for a in ANSWERS if a.name == "slow-query")
    answers = build(tmp_path / "answers", testdata, chosen).path
    proc = run_cuecard(tmp_path / "home", "practice", "--answers", str(answers), "--json",
                       "--fast", "--no-voice", "--count", "1", "--coach")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert not any(e["type"] in ("coach", "prompt") for e in events)
    notices = [e["message"] for e in events if e["type"] == "notice"]
    assert any("no model is configured" in n for n in notices)
