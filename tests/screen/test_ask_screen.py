"""`cuecard ask --image` / `--screen`: read on the device, shown, then only the text is sent.

The provider is the loopback fake speaking OpenAI's wire format; what it received is
compared with what the candidate was shown. The canary part: the child's own temp
folder (TMPDIR) and cuecard's home hold no picture bytes afterwards, in any form (PNG,
the grayscale PGM handed to Tesseract, or a raw row of its pixels).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from cuecard.screen.capture import prepare
from fakes.provider_server import FakeProviderServer, Reply
from privacy.support import files_under, grep_bytes
from screen_pages import char_accuracy, screens

KEY = "sk-test-" + "s" * 32
HERE = Path(__file__).resolve().parent
HEADER = "cuecard: read on this device"


def chat_text() -> str:
    return next(s.text for s in screens() if s.id == "chat-4")


def write_config(home: Path, srv: FakeProviderServer) -> None:
    cfg = home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(
        f'[assist]\nprovider = "openai"\nfallback = []\n'
        f'[assist.openai]\nmodel = "gpt-4o-mini"\nbase_url = "{srv.openai_base_url}"\n'
    )


def cuecard(
    *args: str, env: dict[str, str], timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cuecard", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, check=False)  # fmt: skip


def shown_text(stderr: str) -> str:
    """What the candidate was shown: the lines after the header, up to the next message."""
    lines = stderr.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADER)) + 1
    shown = []
    for line in lines[start:]:
        if line.startswith(("cuecard: ", "--- prompt")):
            break
        shown.append(line)
    return "\n".join(shown).strip("\n")


def sent_question(srv: FakeProviderServer) -> str:
    """The question block of the one prompt the provider received."""
    assert len(srv.generations) == 1
    user = [m["content"] for m in srv.generations[0].body["messages"] if m["role"] == "user"]
    found = re.search(r"<question[^>]*>\n(.*)\n</question>", user[0], re.DOTALL)
    assert found is not None, user[0]
    return found.group(1)


def child_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CUECARD_OPENAI_KEY": KEY, "TMPDIR": str(tmp), **extra}
    env.pop("QT_QPA_PLATFORM", None)
    return env


def picture_of(text: str, path: Path) -> QImage:
    if QGuiApplication.instance() is None:
        QGuiApplication([])
    image = QImage(900, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#2b2b2b"))  # a dark chat panel
    painter = QPainter(image)
    font = QFont("DejaVu Sans")
    font.setPixelSize(15)
    painter.setFont(font)
    painter.setPen(QColor("#e8e8e8"))
    painter.drawText(16, 45, text)
    painter.end()
    assert image.save(str(path))
    return image


def assert_no_picture_on_disk(image: QImage, *roots: Path) -> None:
    gray = prepare(image)
    row = gray.height // 2 * gray.width  # a row through the text
    needles = [b"\x89PNG", b"P5\n%d %d\n255\n" % (gray.width, gray.height),
               gray.data[row : row + 256]]  # fmt: skip
    for root in roots:
        assert grep_bytes(root, needles) == [], f"picture bytes under {root}"


def test_ask_image_shows_the_text_and_sends_exactly_it(cuecard_home: Path, tmp_path: Path) -> None:
    text = chat_text()
    image = picture_of(text, tmp_path / "question.png")
    child_tmp = tmp_path / "child-tmp"
    child_tmp.mkdir()
    with FakeProviderServer(default=Reply(text="- Lead with the outcome")) as srv:
        write_config(cuecard_home, srv)
        proc = cuecard("ask", "--image", str(tmp_path / "question.png"), "--show-prompt",
                       env=child_env(child_tmp))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        shown = shown_text(proc.stderr)
        assert char_accuracy(shown, text, "prose") >= 0.99, shown
        assert sent_question(srv) == shown  # exactly what the candidate saw
        inspected = proc.stderr.split("--- prompt", 1)[1]  # what the prompt inspector shows
        assert f">\n{shown}\n</question>" in inspected
        for request in srv.requests:  # text only: no picture in any request
            assert b"\x89PNG" not in json.dumps(request.body).encode()
    assert "- Lead with the outcome" in proc.stdout
    assert files_under(child_tmp) == []  # Tesseract read from a pipe: no temp file at all
    assert_no_picture_on_disk(image, cuecard_home, child_tmp)


def test_a_coding_problem_from_a_picture_is_a_coding_question(cuecard_home: Path,
                                                               tmp_path: Path) -> None:  # fmt: skip
    stub = next(s for s in screens() if s.id == "coderpad-3")
    if QGuiApplication.instance() is None:
        QGuiApplication([])
    lines = stub.text.split("\n")
    image = QImage(820, 30 + 22 * len(lines), QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    font = QFont("DejaVu Sans Mono")
    font.setPixelSize(14)
    painter.setFont(font)
    painter.setPen(QColor("#1f2328"))
    for i, line in enumerate(lines):
        painter.drawText(10, 24 + 22 * i, line)
    painter.end()
    image.save(str(tmp_path / "stub.png"))
    with FakeProviderServer(default=Reply(text="- Clarify: empty data?")) as srv:
        write_config(cuecard_home, srv)
        proc = cuecard("ask", "--image", str(tmp_path / "stub.png"), "--yes",
                       env=child_env(tmp_path))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        user = srv.generations[0].body["messages"][-1]["content"]
        system = srv.generations[0].body["messages"][0]["content"]
    assert '<question kind="coding">' in user
    assert re.search(r"def median_low\(data\):\n {4}\S", user), user  # lines, indentation kept
    assert "brute force" in system


def test_bad_pictures_and_mixed_sources_are_one_line(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    missing = cuecard("ask", "--image", str(tmp_path / "nope.png"), env=env)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1, missing.stderr
    assert "cannot read" in missing.stderr
    (tmp_path / "notes.png").write_text("not a picture")
    bad = cuecard("ask", "--image", str(tmp_path / "notes.png"), env=env)
    assert bad.returncode == 1 and "not a picture" in bad.stderr and "Traceback" not in bad.stderr
    both = cuecard("ask", "Why us?", "--image", str(tmp_path / "notes.png"), env=env)
    assert both.returncode == 2 and "give one question" in both.stderr


def test_ask_screen_without_a_display_or_on_wayland_says_so_in_one_line(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        env.pop(var, None)
    proc = cuecard("ask", "--screen", env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "needs a display" in proc.stderr
    wayland = cuecard("ask", "--screen", env={**env, "WAYLAND_DISPLAY": "wayland-0"})
    assert wayland.returncode == 1 and wayland.stderr.count("\n") == 1
    assert "on Wayland cuecard cannot read the screen" in wayland.stderr


def wait_for_window(display: str, title: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = subprocess.run(["xwininfo", "-root", "-tree", "-display", display],
                              capture_output=True, text=True, check=False).stdout  # fmt: skip
        if title in tree:
            return
        time.sleep(0.2)
    pytest.fail(f"no window titled {title!r} appeared")


@pytest.mark.slow
def test_ask_screen_reads_the_dragged_region_and_sends_only_its_text(
    xvfb: str, cuecard_home: Path, tmp_path: Path
) -> None:
    """The whole path on a real X server: a chat shown, `ask --screen`, a real pointer drag."""
    env = child_env(tmp_path, DISPLAY=xvfb)
    page = subprocess.Popen([sys.executable, str(HERE / "on_display.py"), "show", "chat-4"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip
    try:
        assert page.stdout is not None
        shown_page = json.loads(page.stdout.readline())
        x, y, w, h = shown_page["region"]
        with FakeProviderServer(default=Reply(text="- Postgres for its transactions")) as srv:
            write_config(cuecard_home, srv)
            ask = subprocess.Popen([sys.executable, "-m", "cuecard", "ask", "--screen", "--yes"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env)  # fmt: skip
            wait_for_window(xvfb, "cuecard: pick a region")
            sys.path.insert(0, str(HERE))
            from on_display import xtest_drag

            os.environ["DISPLAY"], saved = xvfb, os.environ.get("DISPLAY", "")
            try:
                xtest_drag(x, y, x + w, y + h)
            finally:
                os.environ["DISPLAY"] = saved
            _, err = ask.communicate(timeout=240)
            assert ask.returncode == 0, err
            shown = shown_text(err)
            assert char_accuracy(shown, shown_page["text"], "prose") >= 0.99, shown
            assert sent_question(srv) == shown
    finally:
        if page.stdin is not None:
            page.stdin.close()
        page.wait(30)
    assert files_under(tmp_path) == []


@pytest.mark.slow
def test_overlay_reads_only_after_the_shortcut_and_fills_the_question_box(
    xvfb: str, cuecard_home: Path, tmp_path: Path
) -> None:
    """Idle for two seconds: nothing read, no picker. Ctrl+Alt+S (a real key press through
    the X server): the picker. A drag: the text in the box, and the privacy panel's line.
    Then the candidate edits it and presses Enter: the provider and the prompt inspector
    get exactly the edited text, nothing of the picture."""
    env = child_env(tmp_path, DISPLAY=xvfb)
    script = str(HERE / "on_display.py")
    with FakeProviderServer(default=Reply(text="- Name the metric first")) as srv:
        write_config(cuecard_home, srv)
        proc = subprocess.run([sys.executable, script, "overlay", "chat-2", "ask"],
                              capture_output=True, text=True, env=env, timeout=400,
                              check=False)  # fmt: skip
        steps = {s["step"]: s for s in map(json.loads, proc.stdout.splitlines())}
        assert set(steps) == {"idle", "key", "read", "asked"}, proc.stderr[-3000:]
        asked = steps["asked"]
        edited = steps["read"]["text"] + " Answer in two sentences."
        assert asked["edited"] == edited and asked["question"] == edited
        questions = [re.search(r"<question[^>]*>\n(.*)\n</question>", m["content"], re.DOTALL)
                     for g in srv.generations for m in g.body["messages"]
                     if m["role"] == "user"]  # fmt: skip
        assert edited in [q.group(1) for q in questions if q]  # the provider got exactly it
        assert len(asked["inspected"]) == 1  # and the inspector shows that prompt
        assert f">\n{edited}\n</question>" in asked["inspected"][0]
    assert steps["idle"]["read_at"] is None and steps["idle"]["pickers"] == 0
    assert "has not been read" in steps["idle"]["privacy"]
    assert steps["key"]["pickers"] == 1
    read = steps["read"]
    assert read["accuracy"] >= 0.99, read["text"]
    assert read["read_at"] is not None and "last read at" in read["privacy"]
    assert "Only the text is sent" in read["notice"]
    assert files_under(tmp_path) == []
