"""`replay --keep` end to end: the vault holds the session encrypted, export gives it back,
erase makes it unreadable and gone. Real model, real SQLite, real keychain, fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from privacy.support import files_under


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_kept_replay_round_trips_through_export_and_erase(
    subprocess_env: dict[str, str], cuecard_home: Path, testdata: Path
) -> None:
    replay = run(
        subprocess_env,
        "replay",
        str(testdata / "two_cities.wav"),
        "--fast",
        "--json",
        "--keep",
        "--no-answers",
    )
    assert replay.returncode == 0, replay.stderr
    said = [
        e["text"]
        for e in map(json.loads, replay.stdout.splitlines())
        if e["type"] == "utterance" and e["final"]
    ]
    assert len(said) >= 5

    # At rest: no sentence in plaintext anywhere under the home (db, -wal, -shm, journal).
    for path in files_under(cuecard_home):
        data = path.read_bytes()
        for sentence in said:
            assert sentence.encode() not in data, f"plaintext transcript in {path}"

    exported = run(subprocess_env, "data", "export")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    for sentence in said:  # every utterance comes back, readable
        assert json.dumps(sentence)[1:-1] in text, sentence

    erased = run(subprocess_env, "data", "erase", "--all", "--yes")
    assert erased.returncode == 0, erased.stderr
    after = run(subprocess_env, "data", "export")
    assert after.returncode == 0, after.stderr
    for sentence in said:
        assert json.dumps(sentence)[1:-1] not in after.stdout
    for path in files_under(cuecard_home):
        data = path.read_bytes()
        assert not any(s.encode() in data for s in said)
