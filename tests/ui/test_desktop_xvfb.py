"""The real app under an X server (Xvfb): every screen, sizes, and a responsive event loop.

Runs ``tools/screenshots.py`` in its own process on Qt's xcb platform, on a
private PulseAudio where a voice plays into the virtual microphone and a call
into the call sink (so the first run's device test and check really hear), with the
egress guard armed as in the shipped app, answering from the OpenAI-compatible
``local`` provider that is really the loopback fake server, streaming a word
every 30 ms, so answers take a couple of seconds while the demo's speech is
transcribed at full speed beside them. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from fakes.provider_server import FakeProviderServer, Reply
from live.pulse_server import PulseServer

pytestmark = pytest.mark.slow  # the whole app on Xvfb, every screen: end to end

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
LATE_MS = 50.0
"""The budget for the GUI loop's lateness while answers stream (99th percentile)."""
FREEZE_MS = 250.0
"""No single stall may come near a visible freeze. The machine running the suite is shared
(2 cores, other test processes): one descheduling of the GIL-holding engine thread can cost
a tick ~100 ms without anything in cuecard being slow, so the single worst tick is capped
here and the 50 ms budget applies to the 99th percentile."""

ANSWER = (
    "- Lead with the outcome: the zero-downtime Postgres migration at Paylane\n"
    "- Name the disagreement plainly: big-bang cutover against dual writes\n"
    "- Show how you settled it: a one-week spike with numbers both sides trusted\n"
    "- Close on the result and what you would repeat\n"
    "---\n"
    "At Paylane I owned the ledger database upgrade. A teammate wanted one weekend "
    "cutover; I proposed dual writes. We agreed to measure both in a spike, the data "
    "favoured dual writes, and we shipped with no downtime.\n"
)


def pixels(path: Path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert not image.isNull(), path
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=h * stride).copy()  # own the pixels
    return raw.reshape(h, stride)[:, : w * 3].reshape(h, w, 3)


SCREENS = ("first-run", "first-run-devices", "first-run-check", "overlay-dark", "overlay-light",
           "settings", "privacy", "error", "practice", "review")  # fmt: skip


class Playing:
    """A person speaking into the virtual mic and a call playing, on a loop, while it runs."""

    def __init__(self, sound: PulseServer, testdata: Path) -> None:
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._loop, args=(sound, sink, testdata / clip), daemon=True)
            for sink, clip in (("micfeed", "jfk.flac"), ("call", "beckett.wav"))
        ]
        for thread in self.threads:
            thread.start()

    def _loop(self, sound: PulseServer, sink: str, clip: Path) -> None:
        while not self.stop.is_set():
            proc = sound.play(sink, clip)
            while proc.poll() is None:
                if self.stop.wait(0.1):
                    proc.terminate()
                    proc.wait(10)
                    return

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(15)


def test_every_screen_fits_a_laptop_and_the_overlay_stays_responsive(
    xvfb: str, cuecard_home: Path, sound: PulseServer, testdata: Path
) -> None:
    playing = Playing(sound, testdata)
    with FakeProviderServer(default=Reply(text=ANSWER, chunk_delay_s=0.03)) as server:
        config = cuecard_home / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            '[assist]\nprovider = "local"\n\n'
            f'[assist.local]\nmodel = "llama3.2"\nbase_url = "{server.openai_base_url}"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb",
               "CUECARD_HOME": str(cuecard_home), "PULSE_SERVER": sound.server}  # fmt: skip
        proc = subprocess.run(
            [sys.executable, str(REPO / "tools" / "screenshots.py"), "--out", str(ARTIFACTS),
             "--realtime"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        generations = server.generations
    playing.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((ARTIFACTS / "screenshots.json").read_text(encoding="utf-8"))
    assert report["platform"] == "xcb"
    assert report["failure"] is None and report["answers"] >= 2

    # Every screen was captured, and none is wider than 1280 px or taller than 800 px.
    assert sorted(report["sizes"]) == sorted(SCREENS)
    for name, (width, height) in report["sizes"].items():
        assert width <= 1280 and height <= 800, (name, width, height)
        assert (ARTIFACTS / f"{name}.png").is_file()
    # The first run heard the virtual mic and the call, and only then said "All set".
    first = report["first_run"]
    assert first["problem"] == "" and first["check_passed"] is True, first
    assert first["verdicts"] == {"input": "✔ We hear you", "loopback": "✔ We hear the call"}

    # Both themes were captured mid-answer, and the images hold a real window.
    dark, light = pixels(ARTIFACTS / "overlay-dark.png"), pixels(ARTIFACTS / "overlay-light.png")
    for image in (dark, light):
        assert image.shape[0] >= 300 and image.shape[1] >= 300
        assert image.std() > 20  # not a blank or single-colour frame
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 200  # text is antialiased
    assert dark.mean() < 90 < light.mean()  # the themes really differ

    # The answers came from the configured provider, through the guard, and streamed.
    assert generations and all(g.completed or g.disconnected.is_set() for g in generations)
    assert report["privacy_green"] and report["connections"] >= 1
    assert [b for b in report["blocked"] if b["layer"] != "process"] == []
    # While answers streamed, the GUI loop kept within 50 ms and never froze.
    assert report["samples"] >= 50, report
    assert report["p99_late_ms"] <= LATE_MS, report
    assert report["max_late_ms"] <= FREEZE_MS, report
