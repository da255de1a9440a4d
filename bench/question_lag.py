"""Question detection lag and wasted speculation, from `cuecard demo --json` runs.

The demo's turn times are exact (tools/make_demo.py), so for every question
turn this measures speech end → the first ``question`` event for it
(``detect_lag_s``), → the first one that already asked the question as it
finally stood (``known_lag_s``: materially the same text as the last
revision, so an answer started then was not wasted), → its last revision
(``settled_lag_s``) and → the turn's final utterance (``final_lag_s``). It
counts the speculative questions later revised to a different text
(``supersedes_speculative`` in the JSON, or a changed text for builds that
lack the field); those dropped by the final are only in the tracker's stats.
Each run is a real ``cuecard demo --json`` process with its own empty
CUECARD_HOME.

Real time by default: with ``--fast`` the audio outruns the model, so
``emitted_s - end_s`` is not a lag any user would see (it is printed, marked
as such, only to compare builds on the same machine).

Usage: ./run bench question_lag [--runs 3] [--fast]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from _common import emit, summary
from cuecard.dialogue.questions import same_question


def run_demo(fast: bool) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="cuecard-bench-") as home:
        env = {**os.environ, "CUECARD_HOME": home}
        args = [sys.executable, "-m", "cuecard", "demo", "--json", *(["--fast"] * fast)]
        proc = subprocess.run(
            args, check=False, capture_output=True, text=True, env=env, timeout=600
        )
    if proc.returncode != 0:
        sys.exit(f"question_lag: cuecard demo failed ({proc.returncode}): {proc.stderr[-500:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def analyse_run(events: list[dict[str, Any]], turns: list[dict[str, Any]]) -> dict[str, Any]:
    questions = [e for e in events if e["type"] == "question"]
    by_id: dict[int, list[dict[str, Any]]] = {}
    for q in questions:
        by_id.setdefault(q["id"], []).append(q)
    rows = []
    matched: set[int] = set()
    for turn in turns:
        if not turn["question"]:
            continue
        t0, t1 = turn["start_s"], turn["end_s"]
        ids = [
            qid for qid, seq in by_id.items()
            if seq[0]["start_s"] < t1 + 0.3 and seq[-1]["end_s"] > t0 - 0.3
        ]  # fmt: skip
        row: dict[str, Any] = {"turn": turn["question"], "end_s": t1}
        finals = [
            e for e in events
            if e["type"] == "utterance" and e["final"] and e["speaker"] == "interviewer"
            and e["start_s"] < t1 + 0.3 and e["end_s"] > t0 - 0.3
        ]  # fmt: skip
        if finals:
            row["final_lag_s"] = round(max(e["emitted_s"] for e in finals) - t1, 3)
        if ids:
            qid = ids[0]
            matched.update(ids)
            seq = by_id[qid]
            row["detect_lag_s"] = round(seq[0]["emitted_s"] - t1, 3)
            known = next(q for q in seq if same_question(q["text"], seq[-1]["text"]))
            row["known_lag_s"] = round(known["emitted_s"] - t1, 3)
            row["settled_lag_s"] = round(seq[-1]["emitted_s"] - t1, 3)
            row["first_text"] = seq[0]["text"]
            row["last_text"] = seq[-1]["text"]
            row["speculative"] = seq[0]["speculative"]
        rows.append(row)
    speculative = [seq for seq in by_id.values() if seq[0]["speculative"]]
    revised = [
        seq for seq in speculative
        if any(q.get("supersedes_speculative", q["text"] != seq[0]["text"]) for q in seq[1:])
    ]  # fmt: skip
    return {
        "rows": rows,
        "question_ids": len(by_id),
        "extra_ids": len(set(by_id) - matched),
        "speculative": len(speculative),
        "revised": len(revised),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args()
    turns_file = Path(str(resources.files("cuecard") / "assets" / "demo_interview.json"))
    turns = json.loads(turns_file.read_text())["turns"]
    runs = [analyse_run(run_demo(args.fast), turns) for _ in range(args.runs)]
    detect = [r["detect_lag_s"] for run in runs for r in run["rows"] if "detect_lag_s" in r]
    known = [r["known_lag_s"] for run in runs for r in run["rows"] if "known_lag_s" in r]
    settled = [r["settled_lag_s"] for run in runs for r in run["rows"] if "settled_lag_s" in r]
    final = [r["final_lag_s"] for run in runs for r in run["rows"] if "final_lag_s" in r]
    asked = sum(len(run["rows"]) for run in runs)
    speculative = sum(run["speculative"] for run in runs)
    revised = sum(run["revised"] for run in runs)
    emit(
        {
            "mode": "fast (not a user-visible lag)" if args.fast else "real time",
            "runs": args.runs,
            "questions_asked": asked,
            "questions_detected": len(detect),
            "extra_question_ids": sum(run["extra_ids"] for run in runs),
            "detect_lag_s": summary(detect),
            "known_lag_s": summary(known),
            "settled_lag_s": summary(settled),
            "final_lag_s": summary(final),
            "speculative_questions": speculative,
            "revised_speculative": revised,
            "wasted_rate": round(revised / speculative, 3) if speculative else None,
            "per_run": runs,
        }
    )


if __name__ == "__main__":
    main()
