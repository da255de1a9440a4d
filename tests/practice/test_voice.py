"""The local voice: the OS's own TTS (espeak-ng here, through pyttsx3), nothing over the network.

Rendering happens before a session writes anything, and prints nothing to stdout (pyttsx3's
driver does print; ``--json`` output must stay one JSON object per line). The whole render,
native library included, runs under ``strace -f``: not one connect() or sendto() to a
network address. (libespeak-ng's audio layer looks for the local sound server's socket
when it starts, even though cuecard only asks it for samples: a local Unix socket.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cuecard.practice.voice import render
from privacy.native_trace import parse

QUESTION = "Tell me about a time you disagreed with a teammate. How did you handle it?"


def test_a_question_is_rendered_to_audio_and_stdout_stays_clean(
    capfd: pytest.CaptureFixture[str],
) -> None:
    clip = render(QUESTION)
    out, _ = capfd.readouterr()
    assert out == ""
    assert 2.5 < clip.duration_s < 8.0  # 14 words at a calm pace
    assert float(abs(clip.samples).max()) > 0.1


def test_the_voice_reaches_no_network(tmp_path: Path) -> None:
    trace = tmp_path / "voice.trace"
    code = f"from cuecard.practice.voice import render; render({QUESTION!r})"
    proc = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-e",
         "signal=none", "-o", str(trace), sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    contacts = parse(trace.read_text(errors="replace")).contacts
    network = [c for c in contacts if c.family != "unix"]
    assert network == [], network
    others = [c for c in contacts if c.family == "unix" and "pulse" not in c.address]
    assert others == [], others  # the sound server, nothing else
