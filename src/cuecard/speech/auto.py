"""``speech.model = auto``: the largest model this machine runs fast enough, measured once.

"Fast enough" is issue 22's bar: the final text of a turn within 0.5 s at p95. A
turn's final is the speculative final pass started once the speaker has been quiet
for ``SPECULATE_AFTER_S``; at worst it waits for a partial pass already running. So
each candidate, largest first, transcribes the bundled demo interview's turns as
final passes (beam 5) and as partial passes (beam 3), and the estimate is the wait
plus both p95s. Checked against the real pipeline at real-time speed
(bench/latency.py, 2 shared cores): tiny.en estimated 0.41 s, measured 0.43 s;
base estimated 0.77 s, measured 0.85 s. (The final pass alone said 0.24 and 0.43-0.48 s,
and would have picked base.) The first candidate whose estimate fits is chosen. The result is
written to the models folder and used from then on (delete ``auto.json`` there, or
run ``cuecard models auto``, to measure again after changing machines).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from cuecard.events import SAMPLE_RATE
from cuecard.speech import model
from cuecard.speech.stage import SPECULATE_AFTER_S

log = logging.getLogger(__name__)

TARGET_P95_S = 0.5
CANDIDATES = (model.MULTILINGUAL, model.BUNDLED)
"""Largest first; a candidate that is not installed is skipped."""
MAX_TURNS = 12


@dataclass(frozen=True, slots=True)
class Choice:
    model: str
    final_lag_p95_s: dict[str, float]
    """Each measured candidate's estimated final lag at p95."""
    cpu_threads: int


def cache_file() -> Path:
    return model.models_dir() / "auto.json"


def remembered(cpu_threads: int) -> str | None:
    """The model chosen before for these settings, if any."""
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("cpu_threads") != cpu_threads or data.get("model") not in CANDIDATES:
        return None
    return str(data["model"])


def _turns() -> list[np.ndarray]:
    """The demo interview's interviewer turns, as the final passes would see them."""
    import soundfile as sf

    from cuecard import paths

    recording = paths.demo_recording()
    meta = json.loads(recording.with_suffix(".json").read_text(encoding="utf-8"))
    audio, rate = sf.read(recording, dtype="float32", always_2d=True)
    assert rate == SAMPLE_RATE
    out = []
    for turn in meta["turns"][:MAX_TURNS]:
        channel = 0 if turn["speaker"] == "interviewer" else 1
        start, end = int(turn["start_s"] * rate), int(turn["end_s"] * rate)
        out.append(np.ascontiguousarray(audio[start:end, channel]))
    return out


def measure(name: str, *, compute_type: str, cpu_threads: int) -> float:
    """Estimated final lag at p95 for one model on this machine (seconds)."""
    from cuecard.speech.transcriber import Transcriber

    transcriber = Transcriber(
        model.load(name, compute_type=compute_type, cpu_threads=cpu_threads), language="en"
    )
    turns = _turns()
    transcriber.transcribe(turns[0], beam_size=5, final=True)  # warm-up, not counted
    finals, partials = [], []
    for audio in turns:
        t0 = time.perf_counter()
        transcriber.transcribe(audio, beam_size=5, final=True)
        t1 = time.perf_counter()
        transcriber.transcribe(audio, beam_size=3)
        finals.append(t1 - t0)
        partials.append(time.perf_counter() - t1)
    return round(SPECULATE_AFTER_S + _p95(finals) + _p95(partials), 3)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def choose(*, compute_type: str, cpu_threads: int, again: bool = False) -> Choice:
    """Measure the installed candidates, largest first, and remember the choice."""
    if not again and (name := remembered(cpu_threads)) is not None:
        return Choice(name, {}, cpu_threads)
    lags: dict[str, float] = {}
    chosen = model.BUNDLED
    for name in CANDIDATES:
        try:
            model.locate(name)
        except model.ModelError:
            continue  # not installed
        lags[name] = measure(name, compute_type=compute_type, cpu_threads=cpu_threads)
        if lags[name] <= TARGET_P95_S:
            chosen = name
            break
    choice = Choice(chosen, lags, cpu_threads)
    try:
        cache_file().parent.mkdir(parents=True, exist_ok=True)
        cache_file().write_text(json.dumps(asdict(choice), indent=1), encoding="utf-8")
    except OSError as err:
        log.warning("speech model auto: could not remember the choice (%s)", err.strerror)
    log.info("speech model auto: %s (final lag p95 %s)", chosen, lags)
    return choice
