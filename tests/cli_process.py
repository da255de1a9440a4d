"""The one way tests run the real command line in a fresh process (``python -m cuecard``).

Shared by every test that needs the CLI as a user runs it (exit code, stdout, stderr), so
all of them get the same timeout and environment handling. ``CUECARD_HOME`` is already a
temporary folder per test (``conftest.cuecard_home``); ``home`` points one run elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TIMEOUT_S = 300.0
"""Long enough for a fast replay of the demo with the speech model on a busy 2-core machine;
a hung command still fails the test instead of the whole run."""


def cuecard(
    *args: str,
    timeout: float = TIMEOUT_S,
    env: dict[str, str] | None = None,
    input: str | None = None,
    home: Path | None = None,
    inherit_env: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``cuecard ARGS``; ``env`` adds to this process's environment (or replaces it when
    ``inherit_env`` is False)."""
    base = dict(os.environ) if inherit_env else {}
    extra = {"CUECARD_HOME": str(home)} if home is not None else {}
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        env={**base, **extra, **(env or {})},
        check=False,
    )


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]
