"""STAR flags on published example answers nobody on cuecard wrote, per half.

Reads tests/data/star_answers.jsonl (sources and labels: its SOURCES.md) and prints JSON:
for the ``tune`` half (the rules may change while looking at it) and the ``test`` half (held
back, measured once when the rules were frozen: 43 of 48 flags), the answers whose four
flags are all right, the flags right of all, and the share. No model: the rules are text
rules, so this runs in well under a second.

Usage: ./run bench star_answers
"""

from __future__ import annotations

import json
from typing import Any

from _common import TESTDATA, emit
from cuecard.practice.star import PARTS, star_of


def main() -> None:
    lines = (TESTDATA / "star_answers.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    result: dict[str, Any] = {}
    for split in ("tune", "test"):
        chosen = [r for r in rows if r["split"] == split]
        right = [[star_of(r["text"]).parts[p] == bool(r["star"][p]) for p in PARTS]
                 for r in chosen]  # fmt: skip
        flags = sum(sum(r) for r in right)
        result[split] = {
            "answers": len(chosen),
            "answers_all_right": sum(all(r) for r in right),
            "flags_right": flags,
            "flags": 4 * len(chosen),
            "share": round(flags / (4 * len(chosen)), 3),
        }
    emit(result)


if __name__ == "__main__":
    main()
