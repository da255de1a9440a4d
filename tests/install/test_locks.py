"""The locks: current with pyproject.toml, hashed, free of machine paths, and
complete for every supported platform and Python (tools/lock_coverage.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import REPO, load


@pytest.fixture(scope="module")
def lock_coverage() -> ModuleType:
    return load(REPO / "tools" / "lock_coverage.py", "lock_coverage")


@pytest.fixture
def copy_of_repo(tmp_path: Path) -> Path:
    """pyproject.toml and requirements/ as committed, to spoil one at a time."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "requirements", tmp_path / "requirements")
    return tmp_path


def test_committed_locks_are_current_pinned_and_hashed(bootstrap: ModuleType) -> None:
    assert bootstrap.lock_problems() == []


def test_a_dependency_added_without_relocking_is_caught(
    bootstrap: ModuleType, copy_of_repo: Path
) -> None:
    pyproject = copy_of_repo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('    "numpy",\n', '    "numpy",\n    "tomlkit",\n')
    )
    problems = bootstrap.lock_problems(copy_of_repo)
    assert len(problems) == 3 and all("out of date" in p and "./run lock" in p for p in problems)


def test_settings_outside_the_dependencies_do_not_stale_the_locks(
    bootstrap: ModuleType, copy_of_repo: Path
) -> None:
    pyproject = copy_of_repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("line-length = 100", "line-length = 99"))
    assert bootstrap.lock_problems(copy_of_repo) == []


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("--extra-index-url file:///opt/pypi/simple", "names an index, a path or a URL"),
        ("--find-links /opt/wheels", "names an index, a path or a URL"),
        ("six==1.16.0", "six==1.16.0 is not pinned with a hash"),
        ("six>=1 --hash=sha256:" + "0" * 64, "six>=1 is not pinned with a hash"),
    ],
)
def test_machine_paths_and_unhashed_lines_are_caught(
    bootstrap: ModuleType, copy_of_repo: Path, line: str, complaint: str
) -> None:
    lock = copy_of_repo / "requirements" / "runtime.lock"
    lock.write_text(lock.read_text() + line + "\n")
    problems = bootstrap.lock_problems(copy_of_repo)
    assert len(problems) == 1 and complaint in problems[0], problems


def test_every_platform_and_python_installs_from_the_locks(lock_coverage: ModuleType) -> None:
    report = lock_coverage.coverage()
    targets = report["targets"]
    assert {(t["platform"], t["python"]) for t in targets} == {
        (p, v)
        for p in ("windows-x86_64", "macos-arm64", "macos-x86_64", "linux-x86_64", "linux-aarch64")
        for v in ("3.11", "3.12", "3.13")
    }
    assert [t for t in targets if t["problems"]] == []
    assert all(t["packages"] > 80 for t in targets)
    assert report["ok"]


def test_a_package_missing_for_one_platform_fails_coverage_there(
    lock_coverage: ModuleType, copy_of_repo: Path
) -> None:
    """colorama is what click needs on Windows only: without it Windows falls short."""
    lock = copy_of_repo / "requirements" / "runtime.lock"
    text = lock.read_text()
    text, removed = re.subn(r"^colorama==.*?(?=^\S)", "", text, flags=re.S | re.M)
    assert removed == 1
    lock.write_text(text)
    report = lock_coverage.coverage(copy_of_repo, ["windows-x86_64", "linux-x86_64"])
    problems = {t["platform"]: " ".join(t["problems"]) for t in report["targets"]}
    assert "colorama" in problems["windows-x86_64"]
    assert problems["linux-x86_64"] == ""
    assert not report["ok"]


def test_a_package_without_wheels_is_built_from_source_only_when_named(
    bootstrap: ModuleType, tmp_path: Path
) -> None:
    """evdev (what pynput needs on Linux) publishes only source: wheels-only
    locking refuses it until pyproject.toml's no-binary-package names it."""
    (tmp_path / "pyproject.toml").write_text("[tool.uv]\n")
    assert bootstrap.wheel_policy(tmp_path) == ["--only-binary", ":all:"]
    (tmp_path / "in.txt").write_text("evdev\n")
    uv = [
        str(Path(sys.executable).parent / "uv"),
        "pip",
        "compile",
        "in.txt",
        "--quiet",
        "--python-platform",
        "x86_64-manylinux_2_34",
        "--python-version",
        "3.11",
        "--python",
        sys.executable,
        "--generate-hashes",
        "--no-header",
    ]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    policy = bootstrap.wheel_policy(tmp_path)
    refused = subprocess.run([*uv, *policy], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "evdev" in refused.stderr

    (tmp_path / "pyproject.toml").write_text('[tool.uv]\nno-binary-package = ["evdev"]\n')
    policy = bootstrap.wheel_policy(tmp_path)
    assert policy == ["--only-binary", ":all:", "--no-binary", "evdev"]
    allowed = subprocess.run([*uv, *policy], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert allowed.returncode == 0, allowed.stderr
    assert re.search(r"^evdev==[\d.]+ \\\n\s+--hash=sha256:", allowed.stdout, re.M)
