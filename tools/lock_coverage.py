"""Prove the locks install on every supported platform and Python, from wheels, with hashes.

For each of Windows x86_64, macOS arm64 and x86_64, Linux x86_64 and aarch64,
each with Python 3.11, 3.12 and 3.13 (15 targets), with uv resolving for that
exact target (its platform tags, so a release without a wheel there fails):

1. what the project resolves to (pyproject.toml, requirements/dev.in and
   build.in, held to the locked versions) must be in the matching lock, on a
   line whose marker selects that target, with hashes;
2. ``pip install --require-hashes --only-binary :all: -r LOCK``, which is what
   the bootstrap runs, must succeed for that target (uv's dry run, which,
   like pip, refuses any package the lock does not pin with a hash).

Prints one JSON object; exits 1 if any target falls short. ``./run lock`` runs
it after writing the locks, and tests/install/test_locks.py runs it in the suite.
Needs uv (dev.lock) and PyPI (uv's cache makes a repeat run fast).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import run  # noqa: E402  (the bootstrap: one parser for lock files)

PYTHONS = ("3.11", "3.12", "3.13")
# PySide6 6.12's wheels set the floor: macOS 14, glibc 2.34 (x86_64) and 2.39
# (aarch64). README's Install section names the same.
MACOS_MIN = "14.0"
PLATFORMS = {
    "windows-x86_64": ("x86_64-pc-windows-msvc", "win32", "AMD64", "nt", "Windows"),
    "macos-arm64": ("aarch64-apple-darwin", "darwin", "arm64", "posix", "Darwin"),
    "macos-x86_64": ("x86_64-apple-darwin", "darwin", "x86_64", "posix", "Darwin"),
    "linux-x86_64": ("x86_64-manylinux_2_34", "linux", "x86_64", "posix", "Linux"),
    "linux-aarch64": ("aarch64-manylinux_2_39", "linux", "aarch64", "posix", "Linux"),
}
# Each lock, what it is compiled from, and the locks installed before it.
LOCKS = {
    "build": ("requirements/build.in", ()),
    "runtime": ("pyproject.toml", ()),
    "dev": ("requirements/dev.in", ("runtime",)),
}


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str
    hashes: int


@dataclass
class Result:
    platform: str
    python: str
    packages: int = 0
    problems: list[str] = field(default_factory=list)


def parse_lock(path: Path) -> list[Pin]:
    pins = []
    for entry in run.requirement_entries(path.read_text(encoding="utf-8")):
        spec, _, _ = entry.partition(" --hash=")
        req, _, marker = spec.partition(";")
        name, _, version = req.strip().partition("==")
        pins.append(
            Pin(
                canonicalize_name(name),
                version.strip(),
                marker.strip(),
                entry.count("--hash=sha256:"),
            )
        )
    return pins


def environment(platform: str, python: str) -> dict[str, str]:
    _, sys_platform, machine, os_name, system = PLATFORMS[platform]
    return {
        "sys_platform": sys_platform,
        "platform_machine": machine,
        "os_name": os_name,
        "platform_system": system,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "extra": "",
    }


def uv(args: list[str], root: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UV_INDEX", "UV_EXTRA_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS"))
    }
    env["MACOSX_DEPLOYMENT_TARGET"] = MACOS_MIN
    env["UV_PYTHON_DOWNLOADS"] = "never"  # the target is named below; no interpreter is needed
    uv_bin = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    # uv's cache answers a repeat run in a fraction of the time; only what fails
    # offline (a cache miss, or a real failure) is asked of the index.
    for mode in (["--offline"], []):
        done = subprocess.run(
            [uv_bin, *args, *mode], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            break
    return done


def first_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.startswith(("error", "cause", "×", "╰"))] or lines
    return " ".join(picked[:3])[:400]


def project_requirements(root: Path, scratch: Path) -> Path:
    """pyproject.toml's dependencies as a requirements file: the same resolution
    without running the build backend for every target (seconds each)."""
    import tomllib

    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    path = scratch / "pyproject.in"
    path.write_text("\n".join(meta["dependencies"]) + "\n", encoding="utf-8")
    return path


def check(
    platform: str, python: str, root: Path, locks: dict[str, list[Pin]], project: Path
) -> Result:
    result = Result(platform, python)
    # This interpreter only runs uv's resolver; tags and markers are the target's.
    target = [
        "--python-platform",
        PLATFORMS[platform][0],
        "--python-version",
        python,
        "--python",
        sys.executable,
        *run.wheel_policy(root),
    ]
    env = environment(platform, python)
    seen: set[str] = set()
    for name, (source, before) in LOCKS.items():
        lock_file = f"requirements/{name}.lock"
        # 1. What the project resolves to for this target, held to the locked versions.
        constraints = [a for n in (*before, name) for a in ("-c", f"requirements/{n}.lock")]
        req = str(project) if source == "pyproject.toml" else source
        done = uv(
            [
                "pip",
                "compile",
                req,
                *target,
                *constraints,
                "--no-header",
                "--no-annotate",
                "--quiet",
            ],
            root,
        )
        if done.returncode != 0:
            result.problems.append(f"{source} does not resolve: {first_error(done)}")
            continue
        for line in done.stdout.splitlines():
            if "==" not in line or line.startswith("#"):
                continue
            pkg, _, version = line.split(";")[0].strip().partition("==")
            pkg = canonicalize_name(pkg)
            if pkg == "cuecard":
                continue
            seen.add(pkg)
            held = [p for n in (*before, name) for p in locks[n]]
            if not any(
                p.name == pkg
                and p.version == version
                and p.hashes
                and (not p.marker or Marker(p.marker).evaluate(env))
                for p in held
            ):
                result.problems.append(
                    f"{pkg}=={version} (from {source}) is not in {lock_file} "
                    "for this target with hashes"
                )
        # 2. The bootstrap's install, as pip would do it, for this target.
        with tempfile.TemporaryDirectory() as scratch:
            files = [a for n in (*before, name) for a in ("-r", f"requirements/{n}.lock")]
            done = uv(
                [
                    "pip",
                    "install",
                    "--dry-run",
                    "--target",
                    scratch,
                    "--require-hashes",
                    *target,
                    *files,
                    "--quiet",
                ],
                root,
            )
        if done.returncode != 0:
            result.problems.append(f"installing {lock_file} fails: {first_error(done)}")
    result.packages = len(seen)
    return result


def coverage(root: Path = ROOT, platforms: list[str] | None = None) -> dict[str, object]:
    """Check each target (all by default) against the locks under ``root``."""
    locks = {name: parse_lock(root / "requirements" / f"{name}.lock") for name in LOCKS}
    jobs = [(platform, python) for platform in platforms or PLATFORMS for python in PYTHONS]
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(max_workers=4) as pool:
        project = project_requirements(root, Path(scratch))
        results = list(pool.map(lambda job: check(job[0], job[1], root, locks, project), jobs))
    return {
        "ok": all(not r.problems for r in results),
        "targets": [
            {
                "platform": r.platform,
                "python": r.python,
                "packages": r.packages,
                "problems": r.problems,
            }
            for r in results
        ],
    }


def main(argv: list[str]) -> int:
    root = Path(argv[argv.index("--root") + 1]) if "--root" in argv else ROOT
    report = coverage(root)
    print(json.dumps(report, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
