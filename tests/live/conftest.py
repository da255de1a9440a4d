"""A real PulseAudio server for the live-capture tests (see pulse_server.py).

Session-scoped: one daemon for all live tests, started once (about half a
second). It must start: a missing or broken sound server fails the tests
loudly instead of skipping them, because skipped capture tests would let a
broken `cuecard listen` pass CI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import jiwer
import pytest

from live.pulse_server import PulseError, PulseServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    try:
        server.start()
    except PulseError as err:
        pytest.fail(f"cannot start a private PulseAudio server for the live tests: {err}")
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server.server
    try:
        yield server
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = previous


@pytest.fixture
def fresh_pulse(pulse: PulseServer) -> PulseServer:
    """The shared server with every sink present (a previous test may have unplugged one)."""
    from live.pulse_server import SINKS

    for name in SINKS:
        if name not in pulse.modules:
            pulse.load_sink(name)
    busy = pulse.playing()
    assert busy == 0, f"{busy} streams from an earlier test still play into the sinks"
    return pulse


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("-", " ")))


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis) or "<nothing>"))


def reference(testdata: Path, name: str) -> str:
    return (testdata / f"{name}.txt").read_text(encoding="utf-8")
