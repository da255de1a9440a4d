"""Answer latency on the demo interview, with well-behaved and with misbehaving providers.

Plays the bundled demo at real-time speed through the real session builder, the
real SDK and its egress-guarded client, against loopback fake servers (the
providers' servers are the only thing faked). Each run is one provider
behaviour. For every interviewer question of the script it reports:

- whether the candidate got talking points (offline notes or model text);
- question detected → first talking point on screen (notes or model text);
- the question's speech end → first *model* token on screen;
- wasted speculation: answers restarted because the question grew, and the
  prompt tokens they had already sent.

Prints JSON. Targets (issue 10): every question helped and first talking point
p95 ≤ 2.0 s in every fault run; with a 400 ms provider, speech end → first
model token p50 ≤ 0.5 s and p95 ≤ 0.8 s.

    ./run bench answer_latency                 # every run (about 11 minutes)
    ./run bench answer_latency --runs delay_400ms,hang
    ./run bench answer_latency --runs delay_400ms --no-speculative   # assist.speculative = false
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from _common import emit, summary
from cuecard import paths
from cuecard.config import parse
from cuecard.events import (
    Event,
    OfflineNotes,
    Question,
    SessionEnded,
    SuggestionDelta,
    SuggestionDone,
)
from cuecard.session import FileInput, Session, load_transcriber
from fakes.provider_server import FakeProviderServer, Reply

ANSWER = "- Start from the requirements\n- Token bucket per client\n- Fail open if Redis is down"
OK = Reply(text=ANSWER)


@dataclass
class Scenario:
    """One provider behaviour: the reply of the main provider, optionally a second one."""

    name: str
    main: Reply = field(default_factory=lambda: OK)
    queue: tuple[Reply, ...] = ()
    """Replies served first, in order (e.g. a 429 before each success)."""
    fallback: Reply | None = None
    refused: bool = False


def _alternate(first: Reply) -> tuple[Reply, ...]:
    """``first`` then a good reply, for every question (and any retry) of the demo."""
    return tuple(r for _ in range(20) for r in (first, OK))


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("immediate"),
        Scenario("delay_400ms", Reply(text=ANSWER, first_token_delay_s=0.4)),
        Scenario("hang", Reply(hang=True)),
        Scenario("first_token_5s", Reply(text=ANSWER, first_token_delay_s=5.0)),
        Scenario("429_then_ok", OK, queue=_alternate(Reply(status=429))),
        Scenario("500", Reply(status=500)),
        Scenario("cut_mid_answer", OK, queue=_alternate(Reply(text=ANSWER, cut_after=3))),
        Scenario("refused", refused=True),
        Scenario(
            "hang_then_400ms", Reply(hang=True),
            fallback=Reply(text=ANSWER, first_token_delay_s=0.4),
        ),
    )
}


@contextlib.contextmanager
def servers(scenario: Scenario) -> Iterator[tuple[str, str | None]]:
    """(openai base URL, anthropic base URL or None) serving the scenario."""
    with FakeProviderServer(default=scenario.main) as main:
        main.enqueue(*scenario.queue)
        base = "http://127.0.0.1:9/v1" if scenario.refused else main.openai_base_url
        if scenario.fallback is None:
            yield base, None
        else:
            with FakeProviderServer(default=scenario.fallback) as second:
                yield base, second.anthropic_base_url


def run(
    scenario: Scenario, transcriber: Any, turns: list[dict[str, Any]], *, speculative: bool = True
) -> dict[str, Any]:
    with servers(scenario) as (openai_url, anthropic_url):
        assist: dict[str, Any] = {
            "provider": "openai",
            "openai": {"model": "gpt-4o-mini", "base_url": openai_url},
            "speculative": speculative,
        }
        if anthropic_url is not None:
            assist["fallback"] = ["anthropic"]
            assist["anthropic"] = {"model": "claude-3-5-haiku-latest", "base_url": anthropic_url}
        cfg = parse({"assist": assist})
        events: list[Event] = []
        session = Session(cfg, FileInput.bundled_demo(realtime=True), tripwire=False,
                          sinks=[events.append], transcriber=transcriber)  # fmt: skip
        asyncio.run(session.run())
    return measure(scenario.name, events, turns)


def measure(name: str, events: list[Event], turns: list[dict[str, Any]]) -> dict[str, Any]:
    questions: dict[int, Question] = {}
    final_at: dict[int, int] = {}
    for i, e in enumerate(events):
        if isinstance(e, Question):
            questions.setdefault(e.id, e)  # the first sighting: when help could start
            final_at[e.id] = i  # the last revision: the question as finally asked
    first_help: dict[int, float] = {}
    first_model: dict[int, float] = {}
    for i, e in enumerate(events):
        if isinstance(e, OfflineNotes | SuggestionDelta):
            first_help.setdefault(e.question_id, e.emitted_s)
        if isinstance(e, SuggestionDelta) and i > final_at.get(e.question_id, i):
            # the model's words for the question as finally asked (a speculative answer
            # to a shorter text that was later revised does not count)
            first_model.setdefault(e.question_id, e.emitted_s)
    helped = detected = 0
    to_help: list[float] = []
    to_model: list[float] = []
    rows = []
    for turn in turns:
        if not turn.get("question"):
            continue
        match = [q for q in questions.values()
                 if turn["start_s"] - 0.5 <= q.end_s <= turn["end_s"] + 1.0]  # fmt: skip
        row: dict[str, Any] = {"question": turn["question"], "detected": bool(match)}
        rows.append(row)
        if not match:
            continue
        detected += 1
        q = match[-1]
        row["detected_after_speech_end_s"] = round(q.emitted_s - turn["end_s"], 3)
        if q.id in first_help:
            helped += 1
            to_help.append(first_help[q.id] - q.emitted_s)
            row["first_talking_point_after_detection_s"] = round(first_help[q.id] - q.emitted_s, 3)
        if q.id in first_model:
            lag = first_model[q.id] - turn["end_s"]
            to_model.append(lag)
            row["first_model_token_after_speech_end_s"] = round(lag, 3)
    end = next((e for e in events if isinstance(e, SessionEnded)), None)
    usage: dict[str, Any] = {}
    if end is not None and isinstance(end.summary.get("answer_usage"), dict):
        usage = dict(end.summary["answer_usage"])  # type: ignore[call-overload]
    speculative = sum(q.speculative for q in questions.values())
    return {
        "run": name,
        "questions": sum(1 for t in turns if t.get("question")),
        "detected": detected,
        "helped": helped,
        "detected_to_first_talking_point_s": summary(to_help),
        "speech_end_to_first_model_token_s": summary(to_model),
        "model_answers": sum(isinstance(e, SuggestionDone) for e in events),
        "billed_input_tokens": usage.get("input_tokens", 0),
        "speculative_questions": speculative,
        "wasted_speculation": {
            "restarts": usage.get("speculative_restarts", 0),
            "rate": round(int(usage.get("speculative_restarts", 0)) / speculative, 3)
            if speculative else 0.0,
            "wasted_prompt_tokens": usage.get("wasted_tokens", 0),
        },
        "per_question": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", default=",".join(SCENARIOS), help="comma-separated run names")
    parser.add_argument("--no-speculative", action="store_true",
                        help="assist.speculative = false: answer only final questions")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("CUECARD_OPENAI_KEY", "sk-test-" + "b" * 32)
    os.environ.setdefault("CUECARD_ANTHROPIC_KEY", "sk-test-" + "c" * 32)
    turns = json.loads(paths.demo_recording().with_suffix(".json").read_text())["turns"]
    transcriber = load_transcriber(parse({}))
    results = [run(SCENARIOS[name], transcriber, turns, speculative=not args.no_speculative)
               for name in args.runs.split(",")]  # fmt: skip
    emit(
        {
            "recording": "demo_interview.flac (real time)",
            "speculative": not args.no_speculative,
            "runs": results,
            "targets": {
                "every_question_helped": True,
                "first_talking_point_p95_s": 2.0,
                "delay_400ms_model_token_p50_s": 0.5,
                "delay_400ms_model_token_p95_s": 0.8,
            },
        }
    )


if __name__ == "__main__":
    main()
