"""Two `cuecard listen` sessions on the same devices: the second is refused (issue 10 item 5).

Real processes on the private PulseAudio server's null sinks, as in
test_listen.py: a user who starts `listen` in a second terminal (or the app
beside the terminal) must get one clear line, and the first session must go
on undisturbed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from live.pulse_server import PulseServer
from live.test_listen import CALL, MIC, Listen


def test_a_second_listen_on_the_same_devices_is_refused_with_one_line(
    fresh_pulse: PulseServer,
) -> None:
    pulse = fresh_pulse
    first = Listen(pulse, "--mic", MIC, "--loopback", CALL)
    first.wait_capturing()
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "cuecard", "listen", "--json", "--no-answers",
         "--mic", MIC, "--loopback", CALL],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert second.returncode == 1, second.stderr
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, second.stderr
    assert "already being captured by another cuecard session" in lines[0]
    assert f"process {first.proc.pid}" in lines[0] and CALL in lines[0]
    assert not second.stdout.strip(), "refused before any session started"
    assert time.monotonic() - started < 30, "refused before the model loads"
    # The first session never noticed.
    assert first.proc.poll() is None
    assert pulse.recording_streams() == 2
    code, events, stderr = first.interrupt()
    assert code == 130, stderr
    assert events[-1]["type"] == "session_end"
    # Its locks went with it: the next session starts.
    third = Listen(pulse, "--mic", MIC, "--loopback", CALL)
    third.wait_capturing()
    code, events, stderr = third.interrupt()
    assert code == 130, stderr
