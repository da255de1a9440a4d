"""`cuecard listen` and the desktop app's live mode run the very same session.

Both go through ``cuecard.session.Session``; this proves it from the outside:
the CLI in its own process and the overlay's engine bridge in this one capture
the same PulseAudio devices, and the ``session_start`` event each of them emits
lists the same stages (the echo filter and the silence watcher included) and
the same answer providers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cuecard import config as config_mod
from cuecard.events import Event, SessionStarted
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


def test_cli_listen_and_the_desktop_live_mode_run_the_same_stages(
    fresh_pulse: PulseServer, cuecard_home: Path, qtbot: pytest.FixtureRequest
) -> None:
    from cuecard.ui.desktop.engine_thread import EngineBridge, SessionSpec

    write_config(cuecard_home)
    cli = cli_start(cuecard_home)

    seen: list[Event] = []
    bridge = EngineBridge()
    bridge.session_event.connect(seen.append)
    bridge.start(SessionSpec(kind="live", tripwire=False), config_mod.load())
    try:
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: any(isinstance(e, SessionStarted) for e in seen), timeout=60_000
        )
    finally:
        bridge.stop()
    desktop = next(e for e in seen if isinstance(e, SessionStarted))

    assert cli["source"] == desktop.source == "live"
    assert cli["stages"] == list(desktop.stages)
    assert {"silence-watch", "echo-filter", "dialogue", "answers"} <= set(desktop.stages)
    assert cli["providers"] == list(desktop.providers)
