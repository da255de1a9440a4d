"""One question per question, on a neural voice: merges, recall, precision, WER, gaps.

Replays tests/data/speech/interviewer_en.ogg (held-out interviewer turns read by a
Piper voice with 1.0-2.0 s pauses between them; tools/make_test_speech.py) through
the real pipeline (tiny.en, VAD, question tracker) as fast as the CPU allows, and
prints JSON:

- merged: questions issued under an id that already covered an earlier question turn
  (issue 22: "Tell me about yourself. What are your salary expectations?" became one);
- recall / precision: question turns with a question of their own / question ids that
  belong to a question turn;
- wer: the interviewer's finals against the turn texts;
- gap_s: where the next utterance started after each pause, as the tracker measures it
  (utterance start - previous utterance end), per pause length written in the clip.

Fast mode: the tracker judges audio times, not wall time, so boundaries come out as in
real time; lags do not (see bench/latency.py for those).

With ``--call`` the clip first goes through a simulated phone call: 300-3400 Hz band
(4th-order skirts),
8 kHz, G.711 mu-law (8-bit companding), and background noise at 20 dB SNR (seeded).

Usage: ./run bench question_boundaries [--file F.ogg --turns F.json] [--call]
       [--set speech.model=base]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from _common import TESTDATA, emit, normalise, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=TESTDATA / "speech" / "interviewer_en.ogg")
    parser.add_argument("--turns", type=Path, default=TESTDATA / "speech" / "interviewer_en.json")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--call", action="store_true", help="through a simulated phone call")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cuecard-bench-") as home:
        os.environ["CUECARD_HOME"] = home
        path = phone_call(args.file, Path(home) / "call.wav") if args.call else args.file
        result = run(path, json.loads(args.turns.read_text())["turns"], args.set)
        emit({**result, "call": args.call})


def phone_call(source: Path, target: Path, snr_db: float = 20.0) -> Path:
    """The clip as a phone call would deliver it (see the module doc)."""
    import numpy as np
    import soundfile as sf
    import soxr

    audio, rate = sf.read(source, dtype="float64")
    narrow = soxr.resample(audio, rate, 8000)
    # 300-3400 Hz with 4th-order (Butterworth-like) skirts, zero phase: a brick wall rang
    # and cost tiny.en 0.48 WER, which no real phone line does
    freqs = np.fft.rfftfreq(len(narrow), 1 / 8000)
    gain = 1 / np.sqrt(1 + (300 / np.maximum(freqs, 1e-3)) ** 8) / np.sqrt(1 + (freqs / 3400) ** 8)
    narrow = np.fft.irfft(np.fft.rfft(narrow) * gain, len(narrow))
    mu = 255.0
    companded = np.sign(narrow) * np.log1p(mu * np.minimum(np.abs(narrow), 1.0)) / np.log1p(mu)
    quantised = np.round(companded * 127) / 127
    narrow = np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu
    speech_power = float(np.mean(narrow[np.abs(narrow) > 0.01] ** 2))
    noise = np.random.default_rng(22).normal(0, 1, len(narrow))
    narrow = narrow + noise * np.sqrt(speech_power / 10 ** (snr_db / 10))
    sf.write(target, soxr.resample(narrow, 8000, rate).astype(np.float32), rate)
    return target


def run(path: Path, turns: list[dict[str, Any]], settings: list[str]) -> dict[str, Any]:
    import jiwer

    from cuecard.config import parse
    from cuecard.events import Event, Question, Utterance
    from cuecard.session import FileInput, Session

    overrides: dict[str, dict[str, object]] = {}
    for item in settings:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        overrides.setdefault(section, {})[name] = value
    cfg = parse(overrides)
    events: list[Event] = []
    spec = FileInput(path, realtime=False, speaker="interviewer")
    asyncio.run(Session(cfg, spec, answers=True, sinks=[events.append]).run())
    finals = [e for e in events if isinstance(e, Utterance) and e.final]
    questions: dict[int, list[Question]] = {}
    for e in events:
        if isinstance(e, Question):
            questions.setdefault(e.id, []).append(e)

    def turn_of(t0: float, t1: float) -> list[int]:
        return [i for i, t in enumerate(turns) if t0 < t["end_s"] + 0.3 and t1 > t["start_s"] - 0.3]

    # Which turns each question id covered over its life (start of its first utterance
    # to the end of its last revision).
    covered = {qid: turn_of(seq[0].start_s, seq[-1].end_s) for qid, seq in questions.items()}
    asked = [i for i, t in enumerate(turns) if t["is_question"]]
    owner: dict[int, int] = {}
    merged = []
    for qid, idx in covered.items():
        qturns = [i for i in idx if turns[i]["is_question"]]
        for i in qturns:
            owner.setdefault(i, qid)
        if len(qturns) > 1:
            merged.append(
                {"turns": [turns[i]["text"] for i in qturns], "question": questions[qid][-1].text}
            )
    found = [i for i in asked if i in owner]
    own_ids = {qid for qid, idx in covered.items() if any(turns[i]["is_question"] for i in idx)}
    missed = [turns[i]["text"] for i in asked if i not in owner]
    false = [questions[q][-1].text for q in questions if q not in own_ids]
    ref = " ".join(t["text"] for t in turns)
    hyp = " ".join(u.text for u in finals)
    gaps: dict[str, list[float]] = {}
    for a, b in itertools.pairwise(finals):
        ia, ib = turn_of(a.start_s, a.end_s), turn_of(b.start_s, b.end_s)
        if ia and ib and ib[0] == ia[-1] + 1:
            pause = round(turns[ib[0]]["start_s"] - turns[ia[-1]]["end_s"], 1)
            gaps.setdefault(f"{pause:.1f}", []).append(b.start_s - a.end_s)
    return {
        "file": path.name,
        "model": cfg.speech.model,
        "turns": len(turns),
        "question_turns": len(asked),
        "question_ids": len(questions),
        "merged": len(merged),
        "recall": round(len(found) / len(asked), 3),
        "precision": round(len(own_ids) / len(questions), 3) if questions else None,
        "wer": round(float(jiwer.wer(normalise(ref), normalise(hyp))), 3),
        "gap_s": {
            pause: summary(values) | {"min": round(min(values), 3)}
            for pause, values in sorted(gaps.items())
        },
        "merges": merged,
        "missed": missed,
        "false_questions": false,
    }


if __name__ == "__main__":
    main()
