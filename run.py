#!/usr/bin/env python3
"""cuecard's bootstrap, the same on Linux, macOS and Windows (stdlib only).

``./run`` (bash) and ``.\\run.ps1`` (PowerShell) only find a Python and hand
their arguments to this file, so every rule lives here once: which Pythons
are supported, how the venv is made and kept in step with the locks, which
system services the tests need, how the locks are regenerated and checked,
and how the desktop bundle is built. This file must stay importable by old
Pythons (3.8+) so it can say "Python 3.11–3.13 is needed" instead of a
syntax error, and re-run itself under a supported one when one is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQ = ROOT / "requirements"
WINDOWS = os.name == "nt"

# The Pythons the locks are proven to install on (tools/lock_coverage.py).
OLDEST = (3, 11)
NEWEST = (3, 13)

# Each lock, the input it is compiled from, in install order.
LOCKS = (
    ("build", "requirements/build.in"),  # setuptools for the editable install
    ("runtime", "pyproject.toml"),  # what the app needs
    ("dev", "requirements/dev.in"),  # tests, lint, uv, PyInstaller
)
LOCK_COMMAND = "./run lock"
DIGEST_PREFIX = "# inputs-sha256: "

USAGE = """\
usage: ./run COMMAND [args]        (Windows: .\\run.ps1 COMMAND [args])

  demo [options]        play the bundled mock interview (no key, no network)
  app                   the desktop overlay (installs Qt's X11 libraries on Linux)
  test [pytest args]    the whole test suite (what CI runs); --fast leaves out
                        the slow end-to-end tests (bundle, wheel, long replays)

for developers:
  cuecard ARGS          any cuecard command, from the project's .venv
  bench NAME [args]     a benchmark script in bench/ (prints JSON)
  lint                  ruff and strict mypy
  lock [--upgrade]      regenerate requirements/*.lock from pyproject.toml and
                        requirements/*.in for every platform, then prove it
  lock --check          fail if a lock is out of date or malformed (offline)
  bundle [--smoke]      build the desktop app in dist/cuecard (no Python needed
                        to run it); --smoke runs the built one's smoke test

The first run creates .venv and installs the hash-locked dependencies.
"""


class Fail(Exception):
    """A one-line, actionable error: printed as ``run: …`` with exit code 1."""


# -- Python and the venv --------------------------------------------------------


def supported(version: tuple[int, ...]) -> bool:
    return OLDEST <= tuple(version[:2]) <= NEWEST


def python_candidates() -> list[list[str]]:
    """Interpreters to try, best first: $PYTHON, then the newest supported one."""
    found: list[list[str]] = []
    if os.environ.get("PYTHON"):
        found.append([os.environ["PYTHON"]])
    minors = range(NEWEST[1], OLDEST[1] - 1, -1)
    if WINDOWS:
        found += [["py", f"-3.{m}"] for m in minors]
    found += [[f"python3.{m}"] for m in minors]
    return found


def probe_version(cmd: list[str]) -> tuple[int, int] | None:
    try:
        done = subprocess.run(
            [*cmd, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2:
        return None
    return int(parts[0]), int(parts[1])


def find_python() -> list[str] | None:
    for cmd in python_candidates():
        version = probe_version(cmd)
        if version is not None and supported(version):
            return cmd
    return None


# The platforms the locks cover (pyproject.toml [tool.uv] environments).
PLATFORMS = {
    ("win32", "amd64"): "Windows x86_64",
    ("darwin", "arm64"): "macOS arm64",
    ("darwin", "x86_64"): "macOS x86_64",
    ("linux", "x86_64"): "Linux x86_64",
    ("linux", "aarch64"): "Linux aarch64",
}


def platform_supported() -> bool:
    import platform

    return (sys.platform, platform.machine().lower()) in PLATFORMS


def venv_bin(name: str, venv: Path | None = None) -> Path:
    """A program in the venv: ``Scripts\\name.exe`` on Windows, ``bin/name`` elsewhere."""
    venv = VENV if venv is None else venv
    if WINDOWS:
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def lock_paths(want: str) -> list[Path]:
    names = ["build", "runtime"] + (["dev"] if want == "dev" else [])
    return [REQ / f"{name}.lock" for name in names]


def venv_stamp(want: str) -> str:
    digest = hashlib.sha256()
    for path in [*lock_paths(want), ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def venv_is_current(want: str) -> bool:
    stamp = VENV / f".stamp-{want}"
    try:
        return venv_bin("python").exists() and stamp.read_text().strip() == venv_stamp(want)
    except OSError:
        return False


def wheel_policy(root: Path | None = None) -> list[str]:
    """Wheels only, except the packages pyproject.toml's [tool.uv] no-binary-package
    names because they publish none (built from source, so a compiler is needed)."""
    import tomllib

    text = ((root or ROOT) / "pyproject.toml").read_text(encoding="utf-8")
    exempt = tomllib.loads(text).get("tool", {}).get("uv", {}).get("no-binary-package", [])
    return ["--only-binary", ":all:", *[a for name in exempt for a in ("--no-binary", name)]]


def pip(args: list[str]) -> None:
    cmd = [str(venv_bin("python")), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if subprocess.run(cmd + args, cwd=ROOT, check=False).returncode != 0:
        raise Fail(f"pip could not install {' '.join(args[-1:])}: see the message above")


def dropped_requirements(root: Path | None = None) -> set[str]:
    """The packages pyproject.toml's [tool.uv] override-dependencies drop on purpose
    (a never-true marker): a locked package names them, cuecard never installs them."""
    import re
    import tomllib

    text = ((root or ROOT) / "pyproject.toml").read_text(encoding="utf-8")
    overrides = tomllib.loads(text).get("tool", {}).get("uv", {}).get("override-dependencies", [])
    return {
        re.split(r"[\s;\[<>=!~]", entry, maxsplit=1)[0].lower()
        for entry in overrides
        if "'never'" in entry
    }


def deliberately_absent(line: str) -> bool:
    """A `pip check` line about a requirement the lock drops on purpose."""
    import re

    found = re.search(r"requires ([A-Za-z0-9_.-]+), which is not installed", line)
    return bool(found) and found.group(1).lower().replace("_", "-") in dropped_requirements()


def ensure_venv(want: str, *, check: bool = True) -> None:
    """Make .venv match the locks; instant when nothing changed since the last run.

    ``check=False`` is for ``./run lock`` alone: it needs uv from the old locks
    while pyproject.toml already names what the new ones will add.
    """
    if venv_is_current(want):
        return
    if not platform_supported():
        raise Fail(
            f"the locked dependencies cover {', '.join(PLATFORMS.values())}; "
            "on another system install with `pipx install .` (unpinned)"
        )
    python = venv_bin("python")
    if python.exists():
        version = probe_version([str(python)])
        if version is None or not supported(version):
            shutil.rmtree(VENV)  # its base Python was removed, upgraded away or is unsupported
    if not python.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=False)
        if made.returncode != 0 or not python.exists():
            raise Fail(
                "could not create .venv: install Python's venv module "
                "(Debian/Ubuntu: apt install python3-venv)"
            )
    print(
        "run: installing locked dependencies into .venv (first run takes a few minutes)…",
        file=sys.stderr,
    )
    for lock in lock_paths(want):
        # Wheels only, every file checked against its hash: nothing is built
        # from source and nothing unpinned can slip in. --no-deps: pip must not
        # resolve anything, because resolving consults what the registry serves
        # today (a patch release of google-auth made an extra of a locked package
        # an unpinned requirement and pip 23.2 refused the whole lock). The lock
        # is already the complete, resolved set; pip only fetches and checks it.
        pip(["--require-hashes", "--no-deps", *wheel_policy(), "-r", str(lock)])
    pip(["--no-deps", "--no-build-isolation", "-e", "."])
    # --no-deps trusts the lock to be complete; `pip check` (under a second,
    # offline) proves it for this platform, so a missing dependency is one line
    # now instead of an ImportError at the first question.
    if not check:
        return  # and no stamp: the next ensure_venv installs and checks for real
    checked = subprocess.run(
        [str(venv_bin("python")), "-m", "pip", "check", "--disable-pip-version-check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [
        line
        for line in (checked.stdout.strip() or checked.stderr.strip()).splitlines()
        if line.strip() and not deliberately_absent(line)
    ]
    if checked.returncode != 0 and problems:
        first = problems[:1]
        raise Fail(
            f"the locked packages do not fit together here ({''.join(first)}): "
            "the lock is incomplete for this platform; report it with this line"
        )
    for level in ("runtime", "dev") if want == "dev" else ("runtime",):
        (VENV / f".stamp-{level}").write_text(venv_stamp(level) + "\n")


# -- system services for the tests (Linux) --------------------------------------

PROGRAMS = {
    "pulseaudio": "pulseaudio",
    "pactl": "pulseaudio-utils",
    "espeak-ng": "espeak-ng",
    "strace": "strace",
    "gnome-keyring-daemon": "gnome-keyring",
    "dbus-daemon": "dbus",
    "Xvfb": "xvfb",
    "xwininfo": "x11-utils",
    "chromium": "chromium",  # the review's HTML export, opened with the network off
    "parec": "pulseaudio-utils",  # live practice records what the question's voice played
    "openbox": "openbox",  # a real window manager, so the focus test sees what a desktop does
    "tesseract": "tesseract-ocr",  # reads a screen region on the device (cuecard.screen)
}


def syslibs() -> ModuleType:
    """The app's own table of Qt's X11 libraries and how each distribution installs them
    (src/cuecard/syslibs.py, stdlib only), loaded by path: one table, and
    `cuecard app`'s check and this installer cannot disagree."""
    import importlib.util

    path = ROOT / "src" / "cuecard" / "syslibs.py"
    spec = importlib.util.spec_from_file_location("cuecard_syslibs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Files (not programs or Qt libraries) that a test needs from the system's packages.
TEST_FILES = {
    # the keychain tests prove cuecard refuses Debian's plaintext keyring backend
    "python3/dist-packages/keyrings/alt/file.py": "python3-keyrings.alt",
}
TEST_FILE_DIRS = ("/usr/lib",)


def missing_system_packages() -> list[str]:
    missing = [pkg for prog, pkg in PROGRAMS.items() if shutil.which(prog) is None]
    missing += [pkg for rel, pkg in TEST_FILES.items()
                if not any(Path(d, rel).exists() for d in TEST_FILE_DIRS)]  # fmt: skip
    qt = syslibs()
    return missing + qt.packages(qt.missing_libraries(), "debian")


def install_system_packages(packages: list[str], family: str | None, purpose: str) -> None:
    """Install with the distribution's package manager, as root or through sudo."""
    qt = syslibs()
    if family not in qt.INSTALLERS or shutil.which(qt.PACKAGE_MANAGER[family]) is None:
        raise Fail(
            f"missing for {purpose}: {' '.join(packages)} — install them with your package manager"
        )
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise Fail(f"missing for {purpose}: {' '.join(packages)} — install them as root")
        sudo = ["sudo"]
    print(f"run: installing system packages for {purpose}: {' '.join(packages)}", file=sys.stderr)
    steps = qt.INSTALLERS[family]
    ok = all(
        subprocess.run(
            [*sudo, *step, *(packages if i == len(steps) - 1 else [])],
            stdout=subprocess.DEVNULL,
            check=False,
        ).returncode
        == 0
        for i, step in enumerate(steps)
    )
    if not ok:
        raise Fail(
            f"could not install {' '.join(packages)}: install them with your package manager"
        )


def ensure_app_packages() -> None:
    """What Qt's xcb plugin needs, for `./run app` (Linux, unless Qt is told otherwise)."""
    qt = syslibs()
    if not qt.uses_xcb():
        return
    missing = qt.missing_libraries()
    if not missing:
        return
    family = qt.os_family()
    if family is None:
        raise Fail(
            f"the desktop needs these libraries, missing here: {' '.join(missing)}; "
            "install the packages that provide them"
        )
    install_system_packages(qt.packages(missing, family), family, "the desktop")


def ensure_system_packages() -> None:
    """Real services for honest tests: PulseAudio, a keychain, espeak-ng, a virtual screen."""
    if not sys.platform.startswith("linux"):
        print(
            "run: the tests that use PulseAudio, a Secret Service keychain, espeak-ng and Xvfb "
            "need Linux (CI runs them there)",
            file=sys.stderr,
        )
        return
    missing = missing_system_packages()
    if missing:
        install_system_packages(missing, "debian", "the tests")


# -- locks ------------------------------------------------------------------------


def lock_inputs_digest(root: Path = ROOT) -> str:
    """What the locks are compiled from, hashed: the dependency parts of
    pyproject.toml (not ruff's or pytest's settings) and requirements/*.in."""
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    meta = project.get("project", {})
    inputs = {
        "requires-python": meta.get("requires-python"),
        "dependencies": meta.get("dependencies", []),
        "optional-dependencies": meta.get("optional-dependencies", {}),
        "build-system": project.get("build-system", {}).get("requires", []),
        "tool.uv": project.get("tool", {}).get("uv", {}),
        "in": {
            p.name: p.read_text(encoding="utf-8")
            for p in sorted((root / "requirements").glob("*.in"))
        },
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def requirement_entries(text: str) -> list[str]:
    """The lock's logical lines (continuations joined), comments dropped."""
    entries, current = [], ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            entries.append(current.strip())
            current = ""
    if current.strip():
        entries.append(current.strip())
    return entries


def lock_problems(root: Path = ROOT) -> list[str]:
    """Everything wrong with the committed locks, one actionable line each (offline)."""
    problems = []
    digest = lock_inputs_digest(root)
    for name, source in LOCKS:
        rel = f"requirements/{name}.lock"
        path = root / rel
        if not path.exists():
            problems.append(f"{rel} is missing: run {LOCK_COMMAND}")
            continue
        text = path.read_text(encoding="utf-8")
        recorded = [
            ln[len(DIGEST_PREFIX) :].strip()
            for ln in text.splitlines()
            if ln.startswith(DIGEST_PREFIX)
        ]
        if recorded != [digest]:
            problems.append(
                f"{rel} is out of date with pyproject.toml/requirements/*.in "
                f"(made from {source}): run {LOCK_COMMAND}"
            )
        for entry in requirement_entries(text):
            if entry.startswith("-") or "file:" in entry or "://" in entry:
                problems.append(
                    f"{rel} names an index, a path or a URL ({entry.split()[0]}): "
                    "a lock must install the same way on every machine"
                )
            elif "==" not in entry or "--hash=sha256:" not in entry:
                problems.append(f"{rel}: {entry.split()[0]} is not pinned with a hash")
    return problems


def compile_lock(name: str, source: str, upgrade: bool) -> None:
    out = REQ / f"{name}.lock"
    cmd = [
        str(venv_bin("uv")),
        "pip",
        "compile",
        source,
        "--output-file",
        str(out.relative_to(ROOT)),
        "--universal",  # one lock for every OS, CPU and Python: markers pick the lines
        "--python-version",
        ".".join(map(str, OLDEST)),
        "--python",
        str(venv_bin("python")),
        "--generate-hashes",
        *wheel_policy(),  # a wheel for every target, so nothing builds from source
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--custom-compile-command",
        LOCK_COMMAND,
        "--quiet",
    ]
    if upgrade:
        cmd.append("--upgrade")
    # The user's own index settings must not leak into (or change) the lock.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("UV_INDEX", "UV_EXTRA_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS", "PIP_")
        )
    }
    env["UV_PYTHON_DOWNLOADS"] = "never"
    if subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode != 0:
        raise Fail(f"uv could not compile {out.relative_to(ROOT)}: see the message above")
    lines = out.read_text(encoding="utf-8").splitlines()
    lines = [ln for ln in lines if not ln.startswith(DIGEST_PREFIX)]
    # After uv's two header lines: what the check compares against.
    lines.insert(2, DIGEST_PREFIX + lock_inputs_digest())
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def lock(args: list[str]) -> int:
    if args == ["--check"]:
        problems = lock_problems()
        for problem in problems:
            print(f"run: {problem}", file=sys.stderr)
        if not problems:
            print("run: requirements/*.lock are current, pinned and hashed")
        return 1 if problems else 0
    if args not in ([], ["--upgrade"]):
        raise Fail("usage: ./run lock [--upgrade | --check]")
    if not venv_bin("uv").exists():
        ensure_venv("dev", check=False)  # uv is pinned in dev.lock
    for name, source in LOCKS:
        compile_lock(name, source, upgrade=args == ["--upgrade"])
        print(f"run: wrote requirements/{name}.lock")
    ensure_venv("dev")  # install what was just locked: it works here, and .venv is current
    # Prove it before anyone commits it: every platform x Python resolves inside the locks.
    done = subprocess.run(
        [str(venv_bin("python")), str(ROOT / "tools" / "lock_coverage.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        targets = json.loads(done.stdout)["targets"]
    except (ValueError, KeyError):
        raise Fail(f"tools/lock_coverage.py failed: {done.stderr.strip()[-800:]}") from None
    failed = [t for t in targets if t["problems"]]
    for target in failed:
        for problem in target["problems"]:
            print(
                f"run: {target['platform']} Python {target['python']}: {problem}", file=sys.stderr
            )
    if failed:
        raise Fail(
            f"the locks fall short on {len(failed)} of {len(targets)} platform x Python "
            "targets (above); fix pyproject.toml/requirements/*.in and run ./run lock again"
        )
    print(
        f"run: the locks install from wheels with hashes on all {len(targets)} platform x Python "
        "targets (tools/lock_coverage.py)"
    )
    return 0


# -- commands -----------------------------------------------------------------------


def run(cmd: list[str]) -> int:
    """Run a program to completion and return its exit code (exec is not portable to Windows)."""
    try:
        return subprocess.run(cmd, cwd=ROOT, check=False).returncode
    except KeyboardInterrupt:
        return 130


def pyinstaller_command(python: str, distpath: Path, workpath: Path) -> list[str]:
    """How the bundle is built; the bundle test builds it the same way into a temp folder."""
    return [python, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(distpath), "--workpath", str(workpath),
            str(ROOT / "packaging" / "cuecard.spec")]  # fmt: skip


def bundle(args: list[str]) -> int:
    if args not in ([], ["--smoke"]):
        raise Fail("usage: ./run bundle [--smoke]")
    dist = ROOT / "dist" / "cuecard"
    if args == ["--smoke"]:
        if not dist.is_dir():
            raise Fail("no bundle in dist/cuecard: build it first with ./run bundle")
        return run([sys.executable, str(ROOT / "packaging" / "smoke.py"), str(dist)])
    ensure_venv("dev")  # PyInstaller is pinned in dev.lock
    code = run(
        pyinstaller_command(str(venv_bin("python")), ROOT / "dist", ROOT / "build" / "pyinstaller")
    )
    if code == 0:
        size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file() and not p.is_symlink())
        print(
            f"run: built {dist.relative_to(ROOT)} ({size / 1e6:.0f} MB); "
            "check it with ./run bundle --smoke"
        )
    return code


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("help", [])
    if command in ("help", "-h", "--help"):
        print(USAGE, end="")
        return 0
    if not supported((sys.version_info[0], sys.version_info[1])):
        python = find_python()
        if python is None:
            found = ".".join(map(str, sys.version_info[:3]))
            raise Fail(
                f"Python 3.{OLDEST[1]}–3.{NEWEST[1]} is needed (found {found}): install one "
                "from python.org or your package manager, or set PYTHON=/path/to/python3.12"
            )
        return run([*python, str(Path(__file__).resolve()), *argv])
    if command == "demo":
        ensure_venv("runtime")
        return run([str(venv_bin("cuecard")), "demo", *args])
    if command in ("test", "tests"):
        ensure_system_packages()
        ensure_venv("dev")
        if "--fast" in args:  # everything but the tests marked slow
            args = [a for a in args if a != "--fast"] + ["-m", "not slow"]
        return run([str(venv_bin("python")), "-m", "pytest", *args])
    if command == "app":
        ensure_app_packages()
        ensure_venv("runtime")
        return run([str(venv_bin("cuecard")), "app", *args])
    if command == "cuecard":
        ensure_venv("runtime")
        return run([str(venv_bin("cuecard")), *args])
    if command == "bench":
        if not args:
            names = sorted(
                p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_")
            )
            raise Fail(f"usage: ./run bench NAME [args], NAME one of: {', '.join(names)}")
        script = ROOT / "bench" / f"{args[0]}.py"
        if not script.is_file():
            raise Fail(f"no benchmark bench/{args[0]}.py")
        ensure_venv("dev")
        return run([str(venv_bin("python")), str(script), *args[1:]])
    if command == "lint":
        ensure_venv("dev")
        targets = ["src", "tests", "bench", "tools", "packaging", "run.py"]
        code = run([str(venv_bin("ruff")), "check", *targets])
        return run([str(venv_bin("mypy"))]) or code
    if command == "lock":
        return lock(args)
    if command == "bundle":
        return bundle(args)
    print(USAGE, end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Fail as err:
        print(f"run: {err}", file=sys.stderr)
        sys.exit(1)
