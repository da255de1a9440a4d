"""`cuecard listen` and the desktop app's live mode run the very same session.

Both go through ``cuecard.session.Session``; this proves it from the outside:
the CLI in its own process and the overlay's engine bridge in this one capture
the same PulseAudio devices (each in a process of its own, as users run them), and the
``session_start`` event each of them emits
lists the same stages (the echo filter and the silence watcher included) and
the same answer providers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from live.pulse_server import PulseServer

MIC = "Virtual Mic"
CALL = "Call Audio"


def write_config(home: Path) -> None:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[audio]\nmic = "{MIC}"\nloopback = "{CALL}"\n', encoding="utf-8")


def cli_start(home: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "cuecard", "listen", "--json", "--duration", "2"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert events[0]["type"] == "session_start" and events[-1]["type"] == "session_end"
    return events[0]


DESKTOP = """
import json, sys
from PySide6.QtWidgets import QApplication
from cuecard import config
from cuecard.events import SessionStarted
from cuecard.ui.desktop.engine_thread import EngineBridge, SessionSpec

app = QApplication([])
bridge = EngineBridge()
started = []
bridge.session_event.connect(lambda e: started.append(e) if isinstance(e, SessionStarted) else None)
bridge.start(SessionSpec(kind="live", tripwire=False), config.load())
deadline = __import__("time").monotonic() + 90
while not started and __import__("time").monotonic() < deadline:
    app.processEvents()
    __import__("time").sleep(0.05)
bridge.stop()
e = started[0]
print(json.dumps({"source": e.source, "stages": list(e.stages), "providers": list(e.providers)}))
"""


def desktop_start() -> dict[str, object]:
    """The overlay's engine bridge in its own process, as the app runs it (a Qt event loop
    delivering the session's events), so this process never binds to the sound server."""
    proc = subprocess.run(
        [sys.executable, "-c", DESKTOP], capture_output=True, text=True, timeout=150,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_cli_listen_and_the_desktop_live_mode_run_the_same_stages(
    fresh_pulse: PulseServer, cuecard_home: Path
) -> None:
    write_config(cuecard_home)
    cli = cli_start(cuecard_home)
    desktop = desktop_start()
    assert cli["source"] == desktop["source"] == "live"
    assert cli["stages"] == desktop["stages"]
    assert {"silence-watch", "echo-filter", "dialogue", "answers"} <= set(desktop["stages"])
    assert cli["providers"] == desktop["providers"]
