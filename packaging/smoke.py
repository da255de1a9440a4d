"""Smoke test of a built bundle, as a user without Python would run it.

    python packaging/smoke.py dist/cuecard        (./run bundle --smoke)

Stdlib only, so CI runs the same file on Windows, macOS and Linux. It checks:

1. ``cuecard demo --fast --json`` from the bundle, in a scrubbed environment
   (a new home folder, no venv, no PYTHONPATH, the vendors' telemetry switches
   set back *on*, which cuecard must override), prints the demo's events:
   transcript from both speakers, questions, finished answers, session end.
   On Linux, as root, every Python on the machine is hidden while it runs
   (a private mount namespace with empty folders over each standard library),
   so the bundle cannot lean on one; and it runs under
   ``strace -f -e trace=connect``: one connect() to anything but loopback on
   any thread, Python or native, fails the test (PRIVACY.md: nothing leaves
   the device in the offline demo).
2. ``cuecard app`` opens its window: under Xvfb where there is one (the
   window is found mapped on the X server); elsewhere (the Windows and macOS
   runners have a desktop) it must still be running, without an error, after
   a few seconds.

Prints one JSON object; exit code 1 on any failure.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOWS = os.name == "nt"
LINUX = sys.platform.startswith("linux")
# Set the wrong way on purpose: the bundle must still run with telemetry off.
TELEMETRY_ON = {"ORT_DISABLE_TELEMETRY": "0", "HF_HUB_OFFLINE": "0", "DO_NOT_TRACK": "0"}
WINDOW_TITLES = ("cuecard", "Welcome to cuecard")


def launcher(dist: Path) -> Path:
    return dist / ("cuecard.exe" if WINDOWS else "cuecard")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh user account has: no venv, no PYTHON*, nothing of ours."""
    env = {"HOME": str(home), "CUECARD_HOME": str(home / "cuecard"), "LANG": "C.UTF-8"}
    if WINDOWS:
        keep = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP")
        env.update({k: os.environ[k] for k in keep if k in os.environ})
        env["USERPROFILE"] = env["APPDATA"] = env["LOCALAPPDATA"] = str(home)
        env["PATH"] = os.environ.get("SYSTEMROOT", r"C:\Windows") + r"\system32"
    else:
        env["PATH"] = "/usr/bin:/bin"
    env.update(TELEMETRY_ON)
    env.update(extra)
    return env


def python_dirs() -> list[str]:
    """Every standard library (and venv) on this machine, to hide from the bundle."""
    found = {Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"}
    for base in ("/usr/lib", "/usr/local/lib", "/usr/lib64"):
        found.update(Path(base).glob("python3*"))
    found.update(Path(p) for p in (sys.prefix, os.environ.get("VIRTUAL_ENV", "")) if p)
    dirs = sorted(p for p in found if p.is_dir() and p != Path("/"))
    # A folder inside one already hidden would no longer exist to mount over.
    return [str(p) for p in dirs if not any(q != p and q in p.parents for q in dirs)]


def without_python(cmd: list[str]) -> tuple[list[str], bool]:
    """``cmd`` in a mount namespace where no Python's files exist (Linux, root)."""
    if not LINUX or os.geteuid() != 0 or shutil.which("unshare") is None:
        return cmd, False
    script = (
        'for d in "$@"; do case "$d" in --) break;; esac; '
        'mount -t tmpfs tmpfs "$d" || exit 97; shift; done; shift; '
        # Prove the hiding worked before trusting the result.
        "if command -v python3 >/dev/null && python3 -c pass 2>/dev/null; then exit 98; fi; "
        'exec "$@"'
    )
    wrapped = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
    return [*wrapped, *python_dirs(), "--", *cmd], True


def non_loopback_connects(trace: str) -> list[str]:
    """connect() calls to an AF_INET/AF_INET6 address outside loopback, from strace -f."""
    bad = []
    for line in trace.splitlines():
        if "connect(" not in line:
            continue
        if "AF_INET6" in line:
            m = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', line)
        elif "AF_INET" in line:
            m = re.search(r'inet_addr\("([^"]+)"\)', line)
        else:
            continue  # AF_UNIX: PulseAudio, D-Bus, X11 on this machine
        if m is None or not ipaddress.ip_address(m.group(1).split("%")[0]).is_loopback:
            bad.append(line.strip())
    return bad


def check_demo(dist: Path, scratch: Path) -> dict[str, object]:
    home = scratch / "demo-home"
    home.mkdir()
    cmd = [str(launcher(dist)), "demo", "--fast", "--json"]
    trace_file = scratch / "connect.trace"
    traced = LINUX and shutil.which("strace") is not None
    if traced:
        cmd = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace_file), *cmd]
    cmd, hidden = without_python(cmd)
    started = time.monotonic()
    done = subprocess.run(
        cmd,
        env=clean_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=600,
        check=False,
    )
    seconds = round(time.monotonic() - started, 1)
    problems = []
    if done.returncode == 98:
        problems.append("a Python still ran with every standard library hidden")
    elif done.returncode != 0:
        problems.append(f"demo exited {done.returncode}: {done.stderr.strip()[-600:]}")
    events = []
    for line in done.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            problems.append(f"not a JSON event: {line[:120]}")
    kinds = [e.get("type") for e in events]
    speakers = {e.get("speaker") for e in events if e.get("type") == "utterance" and e.get("final")}
    if speakers != {"interviewer", "you"}:
        problems.append(f"final utterances from {sorted(map(str, speakers))}, not both speakers")
    for kind in ("question", "suggestion_done"):
        if kind not in kinds:
            problems.append(f"no {kind} event")
    if not kinds or kinds[-1] != "session_end":
        problems.append("the last event is not session_end")
    leaks: list[str] = []
    if traced:
        if not trace_file.exists():
            problems.append("strace wrote no trace")
        trace = trace_file.read_text(errors="replace") if trace_file.exists() else ""
        leaks = non_loopback_connects(trace)
        problems += [f"connection off the device: {leak}" for leak in leaks]
    return {
        "ok": not problems,
        "seconds": seconds,
        "events": len(events),
        "questions": kinds.count("question"),
        "answers": kinds.count("suggestion_done"),
        "python_hidden": hidden,
        "connect_traced": traced,
        "problems": problems,
    }


# -- the window ---------------------------------------------------------------------


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        raise RuntimeError("Xvfb did not start")
    return xvfb, f":{number}"


def mapped_window(display: str) -> str | None:
    """The title of a viewable cuecard window on ``display``, if one is showing."""
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, check=False
    ).stdout
    for m in re.finditer(r'^\s+(0x[0-9a-f]+) "([^"]*)": \(.*?\)\s+(\d+)x(\d+)', tree, re.M):
        wid, title, width, height = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
        if title in WINDOW_TITLES and width > 50 and height > 50:
            info = subprocess.run(
                ["xwininfo", "-id", wid], env=env, capture_output=True, text=True, check=False
            ).stdout
            if "IsViewable" in info:
                return title
    return None


def time_to_window(dist: Path, display: str, home: Path, timeout: float = 60) -> float | None:
    """Seconds from launching ``cuecard app`` to its window showing on ``display``."""
    app = subprocess.Popen(
        [str(launcher(dist)), "app"],
        env=clean_env(home, DISPLAY=display),
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout and app.poll() is None:
            if mapped_window(display):
                return time.monotonic() - started
            time.sleep(0.02)
        return None
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def check_app(dist: Path, scratch: Path) -> dict[str, object]:
    home = scratch / "app-home"
    home.mkdir()
    if LINUX and shutil.which("Xvfb") and shutil.which("xwininfo"):
        xvfb, display = start_xvfb()
        try:
            seconds = time_to_window(dist, display, home)
        finally:
            xvfb.terminate()
            xvfb.wait()
        ok = seconds is not None
        return {
            "ok": ok,
            "how": "window mapped on Xvfb",
            "seconds": None if seconds is None else round(seconds, 2),
            "problems": [] if ok else ["no cuecard window showed within 60 s"],
        }
    # A desktop runner: the window opens on its real screen; it must not die.
    app = subprocess.Popen(
        [str(launcher(dist)), "app"],
        env=clean_env(home, **_desktop_env()),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(15)
    alive = app.poll() is None
    app.kill()
    _, err = app.communicate()
    text = err.decode(errors="replace")
    problems = [] if alive else [f"cuecard app exited {app.returncode}: {text.strip()[-600:]}"]
    if "Traceback" in text:
        problems.append(f"cuecard app printed a traceback: {text.strip()[-600:]}")
    return {"ok": not problems, "how": "still running after 15 s", "problems": problems}


def _desktop_env() -> dict[str, str]:
    keep = ("DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "QT_QPA_PLATFORM")
    return {k: os.environ[k] for k in keep if k in os.environ}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not launcher(Path(argv[0])).is_file():
        print(
            "usage: python packaging/smoke.py DIST_DIR (the folder with the cuecard launcher)",
            file=sys.stderr,
        )
        return 2
    dist = Path(argv[0]).resolve()
    with tempfile.TemporaryDirectory(prefix="cuecard-smoke-") as tmp:
        demo, app = check_demo(dist, Path(tmp)), check_app(dist, Path(tmp))
    report = {"demo": demo, "app": app, "ok": bool(demo["ok"] and app["ok"])}
    print(json.dumps(report, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
