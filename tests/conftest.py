"""Fixtures every test shares.

Each test runs with ``CUECARD_HOME`` pointed at its own temporary folder, so no
test reads or writes the real user's config, vault or logs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    for var in (
        "CUECARD_OPENAI_KEY",
        "CUECARD_ANTHROPIC_KEY",
        "CUECARD_GOOGLE_KEY",
        "CUECARD_CONFIG",
    ):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not (TESTDATA / "beckett.wav").is_file():
        pytest.fail(f"the speech clips are missing from {TESTDATA}: restore them with git")
    return TESTDATA
