"""Practice feedback accuracy: fillers (checked against the audio), STAR, pace, repeatability.

Runs the real practice session (``practice --answers``: file source, the real tiny.en, the
practice stage, the checking pass) over the ten recorded answers of tests/practice/answers.py
(eight synthesised with espeak-ng, two shared human clips) and over the Piper-voiced clips of
tests/practice/clips (tune and held-out halves, three runs each, with the human clips in the
held-out half), and prints JSON:

- fillers: answers within ±1 of the known count, vocal fillers ("um"/"uh") counted of
  those said, and fillers counted where none were said;
- star: answers whose four STAR flags are all right, and flags right of all;
- identical_counts_on_3_runs: the same recording counted the same three times;
- pace: |measured wpm / reference wpm - 1| per answer (reference: words of the text over
  the speech's span).

Usage: ./run bench practice_feedback [--clips] [--realtime]
(``--clips``: the Piper clips only; ``--realtime``: the held-out clips at real speed, where a
streaming pass depends on timing.)
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
from practice.answers import build, build_clips

VOCAL = ("um", "uh", "er")


def run(path: Path, prompt: str, *, realtime: bool = False) -> list[Feedback]:
    cfg = Config()
    saved = interview.PRACTICE_PROMPT
    interview.PRACTICE_PROMPT = prompt
    try:
        events: list[Event] = []
        session, _stage = practice_session(
            cfg, answers_source(path, realtime=realtime),
            PracticeOptions(count=10, voice=False, seed=1, sample_profile=True),
            sinks=[events.append], transcriber=load_transcriber(cfg), tripwire=False,
        )  # fmt: skip
        asyncio.run(session.run())
    finally:
        interview.PRACTICE_PROMPT = saved
    return [e for e in events if isinstance(e, Feedback)]


def score(feedback: list[Feedback], expected: list[dict[str, Any]]) -> dict[str, Any]:
    within = said = counted = invented = star_ok = flags_ok = clean_invented = 0
    paces: list[float] = []
    for fb, want in zip(feedback, expected, strict=True):
        fillers: dict[str, int] = want["fillers"]
        within += abs(fb.filler_total - sum(fillers.values())) <= 1
        if not fillers:
            clean_invented += fb.filler_total
        flags_ok += sum(fb.star[p] == want["star"][p] for p in want["star"])
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
        "fillers_invented_on_answers_with_none": clean_invented,
        "fillers_counted": [fb.filler_total for fb in feedback],
        "star_all_four_right": f"{star_ok}/{n}",
        "star_flags_right": f"{flags_ok}/{4 * n}",
        "pace_error": paces,
        "pace_within_10pct": f"{sum(p <= 0.10 for p in paces)}/{n}",
    }


def main() -> None:
    """``--clips`` scores the Piper-voiced clips (tune and held-out, three runs each) only;
    ``--realtime`` plays them at real speed, as a live answer arrives (the streaming pass then
    depends on timing: where its partials were cut)."""
    import sys

    realtime = "--realtime" in sys.argv

    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        if "--clips" not in sys.argv:
            built = build(Path(folder), TESTDATA)
            result["espeak_answers"] = score(run(built.path, interview.PRACTICE_PROMPT),
                                             built.expected)  # fmt: skip
        for split in ("holdout",) if realtime else ("tune", "holdout"):
            clips = build_clips(Path(folder), split, TESTDATA)
            runs = [score(run(clips.path, interview.PRACTICE_PROMPT, realtime=realtime),
                          clips.expected)
                    for _ in range(3)]  # fmt: skip
            result[f"piper_{split}"] = {
                **runs[0], "identical_counts_on_3_runs": all(
                    r["fillers_counted"] == runs[0]["fillers_counted"] for r in runs),
            }  # fmt: skip
    emit(result)


if __name__ == "__main__":
    main()
