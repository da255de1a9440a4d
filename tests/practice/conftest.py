"""Fixtures for practice: the recorded answers (made once per test session) and one run over them.

The recording is synthesised with espeak-ng and assembled with the shared speech clips
(``answers.build``); ``practice_run`` runs the real command line over it once, in its own
cuecard home, and the accuracy tests share its output.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli_process import cuecard, json_events
from practice.answers import Built, build


@pytest.fixture(scope="session")
def recorded_answers(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Built:
    return build(tmp_path_factory.mktemp("answers"), testdata)


@dataclass
class PracticeRun:
    events: list[dict[str, Any]]
    expected: list[dict[str, object]]
    stderr: str

    @property
    def feedback(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == "feedback"]


def run_cuecard(home: Path, *args: str, env: dict[str, str] | None = None,
                timeout: float = 600) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """The shared CLI runner with this practice run's own home (the sessions it keeps)."""
    return cuecard(*args, home=home, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def practice_run(recorded_answers: Built, tmp_path_factory: pytest.TempPathFactory) -> PracticeRun:
    """`practice --answers FILE --json --fast --no-voice` over the ten answers, once."""
    home = tmp_path_factory.mktemp("practice-home")
    proc = run_cuecard(
        home, "practice", "--answers", str(recorded_answers.path), "--json", "--fast",
        "--no-voice", "--count", "10", "--sample", "--seed", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return PracticeRun(json_events(proc.stdout), recorded_answers.expected, proc.stderr)


@pytest.fixture(scope="session")
def practice_keychain() -> Iterator[Any]:
    """The privacy tests' private Secret Service (dbus + gnome-keyring), never the user's."""
    from privacy.conftest import running_keychain

    with running_keychain() as keychain:
        yield keychain
