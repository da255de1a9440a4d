"""Kept practice sessions: only on opt-in, encrypted at rest, reviewed (text, JSON, HTML),
progress over two sessions, and gone after `data erase`. Real model, real SQLite, real
keychain, fresh processes; the HTML export opens in a real headless Chromium with the
network off and draws its charts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from practice.answers import ANSWERS, build
from practice.samples import sample_review

from .conftest import run_cuecard

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def two_answers(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    chosen = tuple(a for a in ANSWERS if a.name in ("rate-limiter", "runbook"))
    return build(tmp_path_factory.mktemp("two"), testdata, chosen).path


@pytest.fixture
def env(practice_keychain: Any) -> dict[str, str]:
    from privacy.conftest import _clear_cuecard_entries

    _clear_cuecard_entries()
    return dict(practice_keychain.env)


def _practise(home: Path, answers: Path, env: dict[str, str], *extra: str) -> list[dict[str, Any]]:
    proc = run_cuecard(home, "practice", "--answers", str(answers), "--json", "--fast",
                       "--no-voice", "--count", "2", "--sample", *extra, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _files(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


def test_practice_is_kept_only_on_opt_in(tmp_path: Path, two_answers: Path,
                                         env: dict[str, str]) -> None:  # fmt: skip
    events = _practise(tmp_path, two_answers, env)
    assert "vault" not in events[0]["stages"]
    assert not any(p.name.startswith("vault") for p in _files(tmp_path))
    review = run_cuecard(tmp_path, "review", env=env)
    assert review.returncode == 1 and "no session has been kept" in review.stderr


def test_kept_practice_is_reviewed_with_progress_then_erased(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, two_answers: Path,
    env: dict[str, str],
) -> None:
    first = _practise(tmp_path, two_answers, env, "--keep")
    second = _practise(tmp_path, two_answers, env, "--keep", "--pause-s", "2.5")
    said = [e["answer_text"] for e in first + second if e["type"] == "feedback"]
    assert len(said) == 4
    for path in _files(tmp_path):  # encrypted at rest: no answer in any file
        data = path.read_bytes()
        assert not any(s.encode() in data for s in said), path

    proc = run_cuecard(tmp_path, "review", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    review = json.loads(proc.stdout)
    assert review["mode"] == "practice" and len(review["answers"]) == 2
    assert [a["answer_text"] for a in review["answers"]] == said[2:]
    assert len(review["progress"]) == 2
    for point in review["progress"]:
        assert point["wpm"] > 100 and point["fillers_per_minute"] > 0
    assert review["timeline"] and review["answers"][0]["next_step"]

    text = run_cuecard(tmp_path, "review", env=env)
    assert text.returncode == 0, text.stderr
    assert "Progress over 2 practice sessions" in text.stdout
    # Piped, the STAR column says which parts are there in words (letters need colour).
    assert not re.search(r"S\s+T\s+A\s+R", text.stdout), text.stdout
    assert re.search(r"all four parts|missing|no part stated", text.stdout), text.stdout

    page = tmp_path_factory.mktemp("export") / "review.html"  # the candidate's own file
    exported = run_cuecard(tmp_path, "review", "--html", str(page), env=env)
    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    html = page.read_text()
    assert_self_contained(html)
    assert html.count("<svg") >= 6  # pace, fillers, STAR, three trends

    kept = review["id"]
    # rehearse the questions really asked in that session (`practice --from`)
    again = _practise(tmp_path, two_answers, env, "--from", kept)
    asked = [e["text"] for e in again if e["type"] == "question"]
    assert asked == [a["question"] for a in review["answers"]]
    missing = run_cuecard(tmp_path, "practice", "--from", "no-such-session", "--answers",
                          str(two_answers), "--no-voice", "--fast", env=env)  # fmt: skip
    assert missing.returncode == 1 and "no kept session" in missing.stderr
    assert "Traceback" not in missing.stderr
    erased = run_cuecard(tmp_path, "data", "erase", "--session", kept, env=env)
    assert erased.returncode == 0, erased.stderr
    gone = run_cuecard(tmp_path, "review", kept, env=env)
    assert gone.returncode == 1 and "no kept session" in gone.stderr
    everything = run_cuecard(tmp_path, "data", "erase", "--all", "--yes", env=env)
    assert everything.returncode == 0, everything.stderr
    after = run_cuecard(tmp_path, "review", env=env)
    assert after.returncode == 1
    for path in _files(tmp_path):
        assert not any(s.encode() in path.read_bytes() for s in said), path


def assert_self_contained(html: str) -> None:
    """No script, no frame, nothing fetched: every URL in it is the SVG namespace."""
    lowered = html.lower()
    for banned in ("<script", "<iframe", "<link", "<img", "@import", "url(", "javascript:"):
        assert banned not in lowered, banned
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    assert "script-src" not in csp.group(1)


def test_html_export_renders_its_charts_in_headless_chromium(tmp_path: Path) -> None:
    """Chromium with the network off (a dead proxy, no name resolution) draws every chart.

    The page is a review with progress over three sessions; the screenshot goes to docs/.
    """
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("Chromium is not installed: apt-get install chromium (./run test does)")
    from cuecard.ui.review_html import render

    review, points = sample_review()
    page = tmp_path / "review.html"
    page.write_text(render(review, points), encoding="utf-8")
    assert_self_contained(page.read_text())
    shot = tmp_path / "review.png"
    profile = tmp_path / "chromium-profile"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--window-size=960,2600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert shot.is_file(), proc.stderr[-2000:]
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 900
    colours = {QColor(image.pixel(x, y)).name() for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}  # fmt: skip
    from cuecard.ui import charts

    for colour in (charts.BAR, charts.GOOD, charts.WARN):  # bars and trend lines were drawn
        assert colour in colours, colour
    DOCS.mkdir(exist_ok=True)
    shutil.copyfile(shot, DOCS / "review-export.png")


def test_a_kept_session_with_a_record_this_version_cannot_read_is_one_line(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """An utterance record without its start (an older cuecard's, or edited by hand) was a
    KeyError traceback in `review`; it is one line, and `data export` still has it."""
    import os
    import subprocess
    import sys

    script = (
        "from cuecard.privacy.vault import Vault\n"
        "with Vault.open(retention_days=30) as vault:\n"
        "    with vault.start_session() as kept:\n"
        "        kept.append('session', {'stages': ['practice']})\n"
        "        kept.append('utterance', {'id': 1, 'speaker': 'you', 'text': 'hi',"
        " 'end_s': 1.0})\n"
    )
    made = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, **env, "CUECARD_HOME": str(tmp_path)},
                          timeout=120, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    review = run_cuecard(tmp_path, "review", env=env)
    assert review.returncode == 1, review.stderr
    assert "Traceback" not in review.stderr and review.stderr.strip().count("\n") == 0
    assert "cannot read" in review.stderr and "data export" in review.stderr
