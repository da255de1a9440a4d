"""Speech latency at real-time speed: final lag, partial lag, CPU, memory, WER.

Replays the bundled demo interview (whose turn times are known exactly from
tools/make_demo.py) through the real pipeline at real-time speed and prints
JSON:

- final_lag_s: end of a turn in the audio → its final utterance emitted;
- partial_lag_s: start of a turn → first partial with a word on screen;
- partial_processing_lag_s: audio covered by a partial → that partial emitted;
- cpu_s_per_audio_s (whole session) and per second of speech;
- peak_rss_mb; wer on the shared test clips;
- term_error: the share of profile terms (companies, products, acronyms) missed on the
  neural-voice term clips (tests/data/speech/terms_*.ogg), without and with the
  profile's vocabulary as hotwords (bench/_terms.py), and the WER of those clips.

Usage: ./run bench latency [--file REC.flac --turns TURNS.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from importlib import resources
from pathlib import Path

from _common import cpu_s, emit, peak_rss_mb, summary, wer_on_clips
from _terms import term_error
from cuecard.config import parse
from cuecard.events import Event, Utterance
from cuecard.session import FileInput, Session, load_transcriber


def main() -> None:
    assets = Path(str(resources.files("cuecard") / "assets"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=assets / "demo_interview.flac")
    parser.add_argument("--turns", type=Path, default=assets / "demo_interview.json")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a setting, e.g. speech.partial_interval_s=1.0",
    )
    parser.add_argument("--no-wer", action="store_true")
    parser.add_argument("--no-terms", action="store_true")
    args = parser.parse_args()
    turns = json.loads(args.turns.read_text())["turns"]

    overrides: dict[str, dict[str, object]] = {}
    for item in args.set:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        overrides.setdefault(section, {})[name] = json.loads(value)
    cfg = parse(overrides)
    transcriber = load_transcriber(cfg)
    events: list[Event] = []
    session = Session(cfg, FileInput(args.file), answers=False, sinks=[events.append],
                      transcriber=transcriber)  # fmt: skip
    cpu0 = cpu_s()
    stats: dict[str, object] = dict(asyncio.run(session.run()).speech)
    cpu = cpu_s() - cpu0
    utterances = [e for e in events if isinstance(e, Utterance)]
    finals = [u for u in utterances if u.final]

    final_lags: list[float] = []
    partial_lags: list[float] = []
    per_turn = []
    for turn in turns:
        who, t0, t1 = turn["speaker"], turn["start_s"], turn["end_s"]
        mine = [
            u
            for u in utterances
            if u.speaker == who and u.start_s < t1 + 0.3 and u.end_s > t0 - 0.3
        ]
        last_final = max((u for u in mine if u.final), key=lambda u: u.end_s, default=None)
        first_partial = min(
            (u for u in mine if u.text.strip()), key=lambda u: u.emitted_s, default=None
        )
        row = {"speaker": who, "start_s": t0, "end_s": t1}
        if last_final is not None:
            row["final_lag_s"] = round(last_final.emitted_s - t1, 3)
            final_lags.append(last_final.emitted_s - t1)
        if first_partial is not None:
            row["first_text_lag_s"] = round(first_partial.emitted_s - t0, 3)
            partial_lags.append(first_partial.emitted_s - t0)
        per_turn.append(row)
    processing = [u.emitted_s - u.end_s for u in utterances if not u.final]
    import jiwer

    from _common import normalise

    realtime_wer = {}
    for who in ("interviewer", "you"):
        ref = " ".join(t["text"] for t in turns if t["speaker"] == who)
        hyp = " ".join(u.text for u in finals if u.speaker == who)
        realtime_wer[who] = round(float(jiwer.wer(normalise(ref), normalise(hyp))), 3)
    audio_s = max(t["end_s"] for t in turns)
    speech_s = sum(t["end_s"] - t["start_s"] for t in turns)
    emit(
        {
            "file": args.file.name,
            "model": cfg.speech.model,
            "audio_s": round(audio_s, 1),
            "speech_s": round(speech_s, 1),
            "final_lag_s": summary(final_lags),
            "partial_lag_s": summary(partial_lags),
            "partial_processing_lag_s": summary(processing),
            "partials": len(utterances) - len(finals),
            "finals": len(finals),
            "cpu_s_per_audio_s": round(cpu / audio_s, 3),
            "cpu_s_per_speech_s": round(cpu / speech_s, 3),
            "peak_rss_mb": peak_rss_mb(),
            "passes": stats,
            "settings": cfg.speech.model_dump(),
            "realtime_wer": realtime_wer,
            "wer": None if args.no_wer else wer_on_clips(transcriber),
            "term_error": None
            if args.no_terms
            else {mode: term_error(transcriber, cfg, mode=mode) for mode in ("none", "hotwords")},
            "targets": {
                "final_lag_p50": 0.5,
                "final_lag_p95": 0.9,
                "partial_lag_p50": 1.0,
                "cpu_s_per_speech_s": 0.35,
                "peak_rss_mb": 600,
                "wer": 0.15,
            },
            "turns": per_turn,
        }
    )


if __name__ == "__main__":
    main()
