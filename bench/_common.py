"""Helpers shared by the benchmark scripts (not a test module)."""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO / "tests" / "data"
sys.path.insert(0, str(REPO / "tests"))  # the fake provider server lives with the tests
sys.path.insert(0, str(REPO / "bench"))


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 3)


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": round(max(values), 3) if values else None,
    }


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def normalise(text: str) -> str:
    text = text.lower().replace("–", " ").replace("-", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text)).strip()


def wer_on_clips(transcriber: Any) -> dict[str, float]:
    """WER of the real pipeline (fast mode) on the shared clips, so speed is never
    bought with accuracy."""
    import jiwer

    from cuecard.config import Config
    from cuecard.events import Event, Utterance
    from cuecard.session import FileInput, Session

    out: dict[str, float] = {}
    for clip in ("beckett.wav", "two_cities.wav", "jfk.flac"):
        events: list[Event] = []
        # jfk.flac is stereo with one speaker: mix it down as one voice.
        spec = FileInput(TESTDATA / clip, realtime=False, speaker="interviewer")
        session = Session(Config(), spec, answers=False, sinks=[events.append],
                          transcriber=transcriber)  # fmt: skip
        asyncio.run(session.run())
        text = " ".join(e.text for e in events if isinstance(e, Utterance) and e.final)
        ref = (TESTDATA / clip).with_suffix(".txt").read_text()
        out[clip] = round(float(jiwer.wer(normalise(ref), normalise(text))), 3)
    return out


def emit(result: dict[str, Any]) -> None:
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


def now() -> float:
    return time.perf_counter()
