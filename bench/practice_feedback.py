"""Practice feedback accuracy: fillers with and without the disfluent prompt, STAR, pace.

Runs the real practice session (``practice --answers``: file source, the real tiny.en, the
practice stage) over the ten recorded answers of tests/practice/answers.py (eight
synthesised with espeak-ng, two shared human clips), once with the practice prompt and
once without it (the live path's decoding), and prints JSON:

- fillers: answers within ±1 of the known count, vocal fillers ("um"/"uh") counted of
  those said, and fillers counted where none were said;
- star: answers whose four STAR flags are all right;
- pace: |measured wpm / reference wpm - 1| per answer (reference: words of the text over
  the speech's span).

Usage: ./run bench practice_feedback
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from _common import TESTDATA, emit
from cuecard.config import Config
from cuecard.events import Event, Feedback
from cuecard.practice import interview
from cuecard.practice.interview import PracticeOptions, answers_source, practice_session
from cuecard.session import load_transcriber
from practice.answers import build

VOCAL = ("um", "uh", "er")


def run(path: Path, prompt: str) -> list[Feedback]:
    cfg = Config()
    saved = interview.PRACTICE_PROMPT
    interview.PRACTICE_PROMPT = prompt
    try:
        events: list[Event] = []
        session, _stage = practice_session(
            cfg, answers_source(path, realtime=False),
            PracticeOptions(count=10, voice=False, seed=1, sample_profile=True),
            sinks=[events.append], transcriber=load_transcriber(cfg), tripwire=False,
        )  # fmt: skip
        asyncio.run(session.run())
    finally:
        interview.PRACTICE_PROMPT = saved
    return [e for e in events if isinstance(e, Feedback)]


def score(feedback: list[Feedback], expected: list[dict[str, Any]]) -> dict[str, Any]:
    within = said = counted = invented = star_ok = 0
    paces: list[float] = []
    for fb, want in zip(feedback, expected, strict=True):
        fillers: dict[str, int] = want["fillers"]
        within += abs(fb.filler_total - sum(fillers.values())) <= 1
        vocal_said = sum(n for k, n in fillers.items() if k in VOCAL)
        vocal_counted = sum(n for k, n in fb.fillers.items() if k in VOCAL)
        said += vocal_said
        counted += min(vocal_said, vocal_counted)
        invented += max(0, vocal_counted - vocal_said)
        star_ok += fb.star == want["star"]
        paces.append(round(abs(fb.wpm / want["wpm"] - 1), 3))
    n = len(expected)
    return {
        "answers": n,
        "fillers_within_1": f"{within}/{n}",
        "vocal_fillers_counted": f"{counted}/{said}",
        "vocal_fillers_invented": invented,
        "star_all_four_right": f"{star_ok}/{n}",
        "pace_error": paces,
        "pace_within_10pct": f"{sum(p <= 0.10 for p in paces)}/{n}",
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        built = build(Path(folder), TESTDATA)
        result = {
            "with_practice_prompt": score(run(built.path, interview.PRACTICE_PROMPT),
                                          built.expected),
            "without_prompt (live decoding)": score(run(built.path, ""), built.expected),
        }
    emit(result)


if __name__ == "__main__":
    main()
