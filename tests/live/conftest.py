"""Helpers for the live-capture tests; the PulseAudio server itself (``pulse``,
``fresh_pulse``) is in tests/conftest.py, shared with the desktop tests."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("-", " ")))


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis) or "<nothing>"))


def reference(testdata: Path, name: str) -> str:
    return (testdata / f"{name}.txt").read_text(encoding="utf-8")
