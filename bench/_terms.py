"""Term error on the profile-term clips (tests/data/speech/terms_*.ogg), with and without
the user's vocabulary biasing the recogniser. Shared by bench/latency.py."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from _common import TESTDATA, normalise

REALTIME = False
CLIPS = ("terms_sample", "terms_jordan", "terms_public-star")


def _has(term: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(normalise(term))}(?!\w)", normalise(text)) is not None


def term_error(
    transcriber: Any, cfg: Any, *, mode: str, clips: tuple[str, ...] = CLIPS
) -> dict[str, Any]:
    """Share of profile-term occurrences the finals miss, and WER, for one bias ``mode``:
    "none", or "hotwords" (the vocabulary as cuecard gives it, on every pass). (Measured
    once, before that choice: hotwords on prefix-less passes only, faster-whisper's way,
    missed 44% of terms at real-time speed; on every pass 28%; none 52%.)"""
    import jiwer

    from cuecard.events import Event, Utterance
    from cuecard.profile.documents import chunk_text
    from cuecard.profile.reading import strip_comments
    from cuecard.profile.vocabulary import as_prompt, vocabulary
    from cuecard.session import FileInput, Session
    from cuecard.speech.stage import SpeechOptions

    said = missed = 0
    refs: list[str] = []
    hyps: list[str] = []
    repo = TESTDATA.parents[1]
    for name in clips:
        meta = json.loads((TESTDATA / "speech" / f"{name}.json").read_text())
        folder = repo / meta["profile"]
        chunks = []
        for doc, kind in (("resume.md", "resume"), ("job.md", "job"), ("stories.md", "stories")):
            if (folder / doc).exists():
                text = strip_comments((folder / doc).read_text(encoding="utf-8"))
                chunks += chunk_text(text, doc, kind=kind, doc_id=kind)  # type: ignore[arg-type]
        words = as_prompt(vocabulary(chunks))
        options = {
            "none": SpeechOptions(),
            "hotwords": SpeechOptions(hotwords=words),
        }[mode]
        events: list[Event] = []
        spec = FileInput(TESTDATA / "speech" / f"{name}.ogg", realtime=REALTIME,
                         speaker="interviewer")  # fmt: skip
        session = Session(cfg, spec, answers=False, sinks=[events.append],
                          transcriber=transcriber, speech=options)  # fmt: skip
        asyncio.run(session.run())
        finals = [e for e in events if isinstance(e, Utterance) and e.final]
        for turn in meta["turns"]:
            t0, t1 = turn["start_s"] - 0.3, turn["end_s"] + 0.3
            heard = " ".join(u.text for u in finals if u.start_s < t1 and u.end_s > t0)
            refs.append(turn["text"])
            hyps.append(heard)
            for term in meta["terms"]:
                if _has(term, turn["text"]):
                    said += 1
                    missed += not _has(term, heard)
    return {
        "term_error": round(missed / said, 3) if said else None,
        "terms_said": said,
        "terms_missed": missed,
        "wer": round(float(jiwer.wer(normalise(" ".join(refs)), normalise(" ".join(hyps)))), 3),
    }


def main() -> None:
    import sys
    import time

    from cuecard.config import parse
    from cuecard.session import load_transcriber

    cfg = parse({"speech": {"model": sys.argv[1]}} if len(sys.argv) > 1 else {})
    transcriber = load_transcriber(cfg)
    for mode in ("none", "hotwords"):
        t0 = time.process_time()
        result = term_error(transcriber, cfg, mode=mode)
        print(mode, result, "cpu", round(time.process_time() - t0, 1), flush=True)


if __name__ == "__main__":
    main()
