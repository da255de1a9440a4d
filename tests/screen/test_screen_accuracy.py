"""OCR accuracy through the real capture path, on a few held-back screens (bench/screen.py
reads all 26): drawn by Qt on Xvfb, grabbed by ``QScreen.grabWindow``, read by Tesseract,
compared with the text drawn. Bars: 98 % on code, 99 % on prose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCREENS = ("editor-dark-2", "chat-2", "slide-2", "small-4")  # all from the held-back split
BAR = {"code": 0.98, "prose": 0.99}


def test_a_few_screens_read_through_the_capture_path_meet_the_bars(
    xvfb: str, tmp_path: Path
) -> None:
    sys.path.insert(0, str(HERE.parent))
    from screen_pages import screens

    kinds = {s.id: s.type for s in screens()}
    env = {**os.environ, "DISPLAY": xvfb, "TMPDIR": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)
    script = str(HERE / "on_display.py")
    proc = subprocess.run([sys.executable, script, "read", *SCREENS], capture_output=True,
                          text=True, env=env, timeout=300, check=False)  # fmt: skip
    results = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert set(results) == set(SCREENS), proc.stderr[-3000:]
    below = {i: (r["accuracy"], r["text"]) for i, r in results.items()
             if r["accuracy"] < BAR[kinds[i]]}  # fmt: skip
    assert below == {}
    code = results["editor-dark-2"]["text"].split("\n")
    assert code[0].startswith("def _siftdown(heap, startpos, pos):")
    assert code[1].startswith("    newitem = heap[pos]")  # indentation kept
