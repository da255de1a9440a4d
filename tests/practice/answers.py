"""Ten recorded answers with known fillers and STAR parts, made on the machine from text.

Eight are synthesised with espeak-ng (it says "um" and "uh" as /ʌm/ and /ʌ/: a short,
clean hesitation, easier than a person's drawn-out one; see the report's figures), two
are the shared human speech clips (no fillers, no STAR). ``build`` writes them into one
mono 16 kHz file, 3.5 s of silence apart, as ``practice --answers`` takes them, and
returns what each answer should measure. Not a test module: tests/practice and
bench/practice_feedback.py both use it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SR = 16_000
GAP_S = 3.5
PAUSE_S = 2.0


@dataclass(frozen=True)
class Answer:
    name: str
    parts: tuple[str, ...]
    """Text spoken, in parts separated by a long pause (``PAUSE_S``) inside the answer."""
    fillers: dict[str, int]
    star: dict[str, bool]
    voice: str = "en-us"
    speed: int = 160
    clip: str | None = None
    """A shared speech clip instead of synthesised text (its .txt is the reference)."""
    story: str | None = None
    long_pauses: int = 0
    extra: dict[str, object] = field(default_factory=dict)


def _star(s: bool, t: bool, a: bool, r: bool) -> dict[str, bool]:
    return {"situation": s, "task": t, "action": a, "result": r}


ANSWERS: tuple[Answer, ...] = (
    Answer(
        "rate-limiter",
        ("At my last job, um, our payments API had no rate limits, and one partner's retries "
         "slowed checkout for everyone. I was asked to fix it within a quarter. So I designed a "
         "token bucket in Redis, and, uh, I added a retry header to the responses. Um, in the "
         "end, timeout tickets fell by seventy percent.",),
        {"um": 2, "uh": 1}, _star(True, True, True, True),
        story="Designing a rate limiter for the public API",
    ),
    Answer(
        "flaky-tests",
        ("So, like, we had a big release coming, and the tests kept failing at night. Um, I "
         "wrote a script that reran the flaky ones, and I posted the list every morning, and "
         "it was, like, a relief for everyone.",),
        {"like": 2, "um": 1}, _star(True, False, True, False), voice="en-gb", speed=150,
    ),
    Answer(
        "build-system",
        ("My task was to, uh, move our team to a new build system without slowing anyone "
         "down. I ran both systems side by side for two weeks, and I compared every build. "
         "Uh, as a result, builds got three times faster.",),
        {"uh": 2}, _star(False, True, True, True), speed=155,
    ),
    Answer(
        "cache-design",
        ("I would start with the requirements, um, how many requests per second and how "
         "fresh the data must be. Then I would put a cache in front of the database, you "
         "know, with a short expiry. The trade-off is that some users see data a minute old.",),
        {"um": 1, "you know": 1}, _star(False, False, False, False), voice="en-gb",
    ),
    Answer(
        "customer",
        ("Two years ago, our biggest customer threatened to leave because reports were late. "
         "I had to win back their trust in a month. I met their team every week, I rebuilt "
         "the report pipeline, and I sent them a status note every Friday. They renewed "
         "their contract, and reports have been on time since then.",),
        {}, _star(True, True, True, True), speed=150,
    ),
    Answer(
        "runbook",
        ("When I joined the team, uh, nobody owned the on-call runbook, and it was sort of a "
         "mess, you know. I took it over, and, uh, I rewrote every page with the other "
         "engineers. You know, after that, incidents were resolved twice as fast.",),
        {"uh": 2, "sort of": 1, "you know": 2}, _star(True, False, True, True), voice="en-gb",
    ),
    Answer(
        "disk-full",
        ("Last year, um, our database ran out of disk on a Sunday. I was the one on call, so "
         "I had to keep the site up.",
         "Um, I deleted old logs to free some space, and, um, I moved the backups to another "
         "disk. It was kind of scary.",),
        {"um": 3, "kind of": 1}, _star(True, True, True, False), long_pauses=1,
    ),
    Answer(
        "slow-query",
        ("I rewrote the slowest query, and, basically, I added an index. Uh, I also cached "
         "the results for an hour. Page loads dropped from four seconds to under one.",),
        {"basically": 1, "uh": 1}, _star(False, False, True, True), speed=150,
    ),
    Answer("jfk", (), {}, _star(False, False, False, False), clip="jfk.flac"),
    Answer("beckett", (), {}, _star(False, False, False, False), clip="beckett.wav"),
)

VOCAL = re.compile(r"\b(?:um|uh)\b,?", re.IGNORECASE)


def reference_words(text: str) -> int:
    """Words said, fillers of the vocal kind left out (they are not words)."""
    return len(VOCAL.sub(" ", text).replace("-", " ").split())


def _load(path: Path) -> np.ndarray:
    audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    return soxr.resample(mono, rate, SR).astype(np.float32) if rate != SR else mono


def _trim(audio: np.ndarray, floor_db: float = -40.0) -> np.ndarray:
    """The speech span: first to last 10 ms frame above the floor (-40 dBFS: the human clips'
    room noise and reverb tail sit at -45 to -55 dBFS; espeak's silence is digital zero)."""
    frame = 160
    n = len(audio) // frame
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(20 * np.log10(rms) > floor_db)[0]
    if not len(loud):
        return audio[:0]
    return audio[loud[0] * frame : (loud[-1] + 1) * frame]


def speak(text: str, voice: str, speed: int, workdir: Path) -> np.ndarray:
    out = workdir / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text],
                   check=True, capture_output=True)  # fmt: skip
    return _trim(_load(out))


@dataclass(frozen=True)
class Built:
    path: Path
    expected: list[dict[str, object]]


def build(workdir: Path, testdata: Path, answers: tuple[Answer, ...] = ANSWERS) -> Built:
    """Write every answer into one recording; returns it and what each answer should measure."""
    workdir.mkdir(parents=True, exist_ok=True)
    pieces: list[np.ndarray] = [np.zeros(int(1.0 * SR), np.float32)]
    expected: list[dict[str, object]] = []
    for answer in answers:
        if answer.clip is not None:
            audio = _trim(_load(testdata / answer.clip))
            text = (testdata / answer.clip).with_suffix(".txt").read_text().strip()
        else:
            parts = [speak(p, answer.voice, answer.speed, workdir) for p in answer.parts]
            gap = np.zeros(int(PAUSE_S * SR), np.float32)
            audio = parts[0]
            for part in parts[1:]:
                audio = np.concatenate([audio, gap, part])
            text = " ".join(answer.parts)
        duration = len(audio) / SR
        expected.append({
            "name": answer.name, "text": text, "fillers": answer.fillers, "star": answer.star,
            "story": answer.story, "long_pauses": answer.long_pauses,
            "words": reference_words(text), "duration_s": duration,
            "wpm": reference_words(text) / (duration / 60),
        })  # fmt: skip
        peak = float(np.max(np.abs(audio))) or 1.0
        pieces += [audio * (0.7 / peak), np.zeros(int(GAP_S * SR), np.float32)]
    path = workdir / "answers.wav"
    sf.write(str(path), np.concatenate(pieces), SR, subtype="PCM_16")
    return Built(path, expected)


CLIPS = Path(__file__).resolve().parent / "clips"


def clip_answers(split: str | None = None) -> list[dict[str, object]]:
    """The Piper-voiced answers of tests/practice/clips (``split``: "tune", "holdout" or all)."""
    import json

    rows: list[dict[str, object]] = json.loads((CLIPS / "clips.json").read_text())
    return [r for r in rows if split is None or r["split"] == split]


def build_clips(workdir: Path, split: str | None = None, testdata: Path | None = None) -> Built:
    """The clips of one split in one recording, 3.5 s apart, as ``practice --answers`` takes it."""
    workdir.mkdir(parents=True, exist_ok=True)
    pieces: list[np.ndarray] = [np.zeros(int(1.0 * SR), np.float32)]
    expected: list[dict[str, object]] = []
    for row in clip_answers(split):
        audio = _trim(_load(CLIPS / f"{row['name']}.ogg"))
        duration = len(audio) / SR
        words = reference_words(str(row["text"]))
        expected.append({**row, "words": words, "duration_s": duration,
                         "wpm": words / (duration / 60), "story": None, "long_pauses": 0})
        pieces += [audio, np.zeros(int(GAP_S * SR), np.float32)]
    if testdata is not None and split != "tune":  # the shared human clips: no fillers, no STAR
        for clip in ("jfk.flac", "beckett.wav"):
            audio = _trim(_load(testdata / clip))
            text = (testdata / clip).with_suffix(".txt").read_text().strip()
            duration = len(audio) / SR
            expected.append({"name": clip.split(".")[0], "split": "holdout", "text": text,
                             "fillers": {}, "star": _star(False, False, False, False),
                             "words": reference_words(text), "duration_s": duration,
                             "wpm": reference_words(text) / (duration / 60), "story": None,
                             "long_pauses": 0})  # fmt: skip
            peak = float(np.max(np.abs(audio))) or 1.0
            pieces += [audio * (0.7 / peak), np.zeros(int(GAP_S * SR), np.float32)]
    path = workdir / f"clips-{split or 'all'}.wav"
    sf.write(str(path), np.concatenate(pieces), SR, subtype="PCM_16")
    return Built(path, expected)
