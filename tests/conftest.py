"""Fixtures every test shares.

Each test runs with ``CUECARD_HOME`` pointed at its own temporary folder, so no
test reads or writes the real user's config, vault or logs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from live.pulse_server import PulseServer

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))  # `import fakes.…` from any test

TESTDATA = TESTS / "data"  # speech clips and their transcripts; sources in its README.md


@pytest.fixture(autouse=True)
def cuecard_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("cuecard-home")
    monkeypatch.setenv("CUECARD_HOME", str(home))
    from cuecard import catalog

    for var in (*catalog.env_vars(), "CUECARD_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture(scope="session", autouse=True)
def warm_profile_embeddings() -> None:
    """Load the sentence encoder and encode the sample profile once per test process.

    A real session builds its profile index seconds before the first question; a test
    that builds an engine and asks at once would otherwise count the model's first load
    (about a second) against the answer's first-help deadline.
    """
    from cuecard.profile import embedding

    if embedding.available():
        from cuecard.profile.retrieval import ProfileIndex
        from cuecard.profile.store import sample_chunks

        ProfileIndex(sample_chunks(), semantic="add")
@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The one CLI-in-a-subprocess runner (``cli_process.cuecard``), for tests that take it
    as a fixture; modules may import it from ``cli_process`` as well."""
    from cli_process import cuecard

    return cuecard


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not (TESTDATA / "beckett.wav").is_file():
        pytest.fail(f"the speech clips are missing from {TESTDATA}: restore them with git")
    return TESTDATA


# -- one real PulseAudio server for every test that captures sound -------------------------
#
# Session-scoped: one daemon for the whole run, started once (about half a second). One,
# because soundcard binds to the server of its first use for the life of the process: a
# second server for later tests would be invisible to it. It must start: a missing or
# broken sound server fails the tests loudly instead of skipping them, because skipped
# capture tests would let a broken `cuecard listen` pass CI.

@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    from live.pulse_server import PulseError, PulseServer

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


