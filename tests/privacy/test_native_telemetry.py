"""Native telemetry is off before any vendor library loads, proven below the Python guard.

onnxruntime (which runs the Silero VAD) starts a native telemetry client when
an inference session is created: it writes a persistent device id under
``~/.cache/Microsoft/DeveloperTools/.onnxruntime`` at once and sends events to
``mobile.events.data.microsoft.com`` from native threads a few seconds later.
The in-process egress guard cannot see native sockets, so these tests run a
real process under ``strace -f`` (every thread's ``connect()``) with a fresh
HOME, and look at what it wrote.

The control proves the test can see the problem at all: onnxruntime imported
without cuecard writes the device id. It stops before the telemetry thread's
first send, so the control itself sends nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("strace") is None, reason="strace is installed by ./run test; needed here"
)

_VAD_SESSION = (
    "import os; from faster_whisper.utils import get_assets_path; import onnxruntime; "
    "onnxruntime.InferenceSession(os.path.join(get_assets_path(), 'silero_vad_v6.onnx'), "
    "providers=['CPUExecutionProvider'])"
)
_NON_LOOPBACK = re.compile(
    r"sa_family=AF_INET6?, .*?"
    r"(inet_addr\(\"(?!127\.)|inet_pton\(AF_INET6, \"(?!::1\"|::ffff:127\.))"
)


def _clean_env(home: Path) -> dict[str, str]:
    """A user's environment: no vendor switch, and no CI marker (onnxruntime keeps quiet on a
    machine it takes for CI, which would make both tests below pass for the wrong reason)."""
    from privacy.native_trace import CI_MARKERS

    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("ORT_", "HF_", "XDG_")) and k not in CI_MARKERS
    }  # fmt: skip
    env.pop("DO_NOT_TRACK", None)
    env.pop("CUECARD_HOME", None)
    env["HOME"] = str(home)
    return env


def _traced(code: str, home: Path, trace: Path) -> None:
    subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-e", "signal=none", "-o", str(trace),
         sys.executable, "-c", code],
        env=_clean_env(home), check=True, timeout=120, capture_output=True,
    )  # fmt: skip


def _stray_files(home: Path) -> list[str]:
    return sorted(
        str(p.relative_to(home))
        for p in home.rglob("*")
        if p.is_file() and "cuecard" not in p.parts
    )


def test_control_onnxruntime_alone_writes_a_device_id(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _traced(_VAD_SESSION, home, tmp_path / "trace")
    assert any("onnxruntime" in f for f in _stray_files(home)), _stray_files(home)


def test_a_vad_session_through_cuecard_is_silent_for_ten_seconds(tmp_path: Path) -> None:
    """The telemetry thread sent its first event within 12 s when it was on: wait it out."""
    home = tmp_path / "home"
    home.mkdir()
    trace = tmp_path / "trace"
    code = (
        "import cuecard, time; from cuecard.speech.vad import SileroModel; "
        "SileroModel.shared(); time.sleep(12)"
    )
    _traced(code, home, trace)
    connects = [line for line in trace.read_text().splitlines() if _NON_LOOPBACK.search(line)]
    assert connects == []
    assert _stray_files(home) == []
