"""Question end (in the audio) → first suggestion token shown, through a loopback fake provider.

Replays the bundled demo at real-time speed twice, side by side: a provider
whose first token is immediate (cuecard's own overhead: detection, retrieval,
prompt, SDK, HTTP) and one whose first token comes after 400 ms (a fast real
model). The question end times come from the demo's exact turn list. Prints JSON.

Usage: ./run bench answer_latency [--delays-ms 0,400]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from _common import emit, summary
from cuecard.audio.sources import FileSource
from cuecard.clock import SessionClock
from cuecard.config import parse
from cuecard.dialogue.stage import DialogueStage
from cuecard.events import Event, Question, SuggestionDelta, SuggestionDone
from cuecard.privacy.egress import startup
from cuecard.runner import build_engine
from cuecard.session import load_transcriber, run_session
from fakes.provider_server import FakeProviderServer, Reply

ANSWER = "- Start from the requirements\n- Token bucket per client\n- Fail open if Redis is down"


def run_once(delay_ms: int, recording: Path, turns: list[dict[str, Any]]) -> dict[str, Any]:
    with FakeProviderServer(default=Reply(text=ANSWER, first_token_delay_s=delay_ms / 1000)) as srv:
        cfg = parse(
            {
                "assist": {
                    "provider": "openai",
                    "openai": {"model": "gpt-4o-mini", "base_url": srv.openai_base_url},
                }
            }
        )
        transcriber = load_transcriber(cfg)
        events: list[Event] = []
        clock = SessionClock()

        async def main() -> None:
            engine, _ = build_engine(cfg, clock, startup(cfg, tripwire=False), demo_profile=True)
            try:
                async with FileSource(recording, clock=clock, realtime=True) as source:
                    await run_session(
                        source,
                        cfg,
                        [events.append],
                        clock=clock,
                        transcriber=transcriber,
                        processors=[DialogueStage(clock), engine],
                    )
            finally:
                await engine.aclose()

        asyncio.run(main())
    questions = {e.id: e for e in events if isinstance(e, Question)}
    first_token: dict[int, float] = {}
    for e in events:
        if isinstance(e, SuggestionDelta) and e.question_id not in first_token:
            first_token[e.question_id] = e.emitted_s
    lags: list[float] = []
    rows = []
    for turn in turns:
        if not turn.get("question"):
            continue
        end = turn["end_s"]
        match = [q for q in questions.values() if turn["start_s"] - 0.5 <= q.end_s <= end + 0.5]
        if not match:
            rows.append({"question": turn["question"], "detected": False})
            continue
        q = match[-1]
        token = first_token.get(q.id)
        row = {
            "question": turn["question"],
            "detected": True,
            "speculative": q.speculative,
            "question_emitted_after_end_s": round(q.emitted_s - end, 3),
        }
        if token is not None:
            row["first_token_after_end_s"] = round(token - end, 3)
            lags.append(token - end)
        rows.append(row)
    return {
        "provider_first_token_ms": delay_ms,
        "question_end_to_first_token_s": summary(lags),
        "answers_done": sum(isinstance(e, SuggestionDone) for e in events),
        "generation_requests": len(srv.generations),
        "questions": rows,
    }


def main() -> None:
    assets = Path(str(resources.files("cuecard") / "assets"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--delays-ms", default="0,400")
    args = parser.parse_args()
    os.environ.setdefault("CUECARD_OPENAI_KEY", "sk-test-" + "b" * 32)
    turns = json.loads((assets / "demo_interview.json").read_text())["turns"]
    runs = [
        run_once(int(d), assets / "demo_interview.flac", turns) for d in args.delays_ms.split(",")
    ]
    emit(
        {
            "recording": "demo_interview.flac",
            "runs": runs,
            "targets": {"immediate_p50": 0.35, "immediate_p95": 0.7, "delay_400ms_p50": 0.6},
        }
    )


if __name__ == "__main__":
    main()
