"""The bootstrap (run.py) and its two shims: one set of rules for every OS.

What a Windows machine would do is tested through the same functions with
the platform switched (the venv layout, the py launcher); that run.ps1 is
valid PowerShell is checked with tree-sitter's PowerShell grammar, as no
PowerShell runs on this Linux CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import tree_sitter
import tree_sitter_powershell

REPO = Path(__file__).resolve().parents[2]


def sh_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(REPO / "run"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd="/",
    )


# -- the shims: find a Python, hand over, nothing else ---------------------------------


def powershell_errors(source: bytes) -> list[str]:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    tree = parser.parse(source)
    bad, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            bad.append(f"line {node.start_point[0] + 1}: {node.text!r}"[:120])
        stack.extend(node.children)
    return bad


def test_run_ps1_is_valid_powershell() -> None:
    assert powershell_errors((REPO / "run.ps1").read_bytes()) == []


def test_the_powershell_check_sees_a_broken_script() -> None:
    broken = b"foreach ($c in $candidates) {\n  & $c @args\n"  # no closing brace
    assert powershell_errors(broken)
    assert powershell_errors(b"if ($x -eq 1 { Write-Output 'x' }")


@pytest.mark.parametrize("shim", ["run", "run.ps1"])
def test_shims_only_find_python_and_start_the_bootstrap(shim: str) -> None:
    """No logic to keep in step: every rule (venv, locks, tests, bundle) is in run.py."""
    code = [
        ln
        for ln in (REPO / shim).read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    text = "\n".join(code)
    assert "run.py" in text
    for logic in ("pip", "venv", "pytest", "lock", "apt", "PyInstaller", "requirements"):
        assert logic not in text, f"{shim} does {logic!r} itself: put it in run.py"
    assert len(code) <= 20


def test_sh_shim_is_posix_sh_and_forwards_arguments_and_exit_code() -> None:
    assert subprocess.run(["sh", "-n", str(REPO / "run")], check=False).returncode == 0
    done = sh_run("help")
    assert done.returncode == 0 and "demo" in done.stdout and "test" in done.stdout
    done = sh_run("no-such-command")
    assert done.returncode == 2 and "usage" in done.stderr


def test_sh_shim_skips_a_PYTHON_that_does_not_exist() -> None:
    done = sh_run("help", env={"PYTHON": "/nonexistent/python9"})
    assert done.returncode == 0 and "usage" in done.stdout


# -- Python selection -----------------------------------------------------------------------


def test_supported_pythons_are_the_ones_the_locks_are_proven_on(bootstrap: ModuleType) -> None:
    assert [bootstrap.supported((3, m)) for m in (10, 11, 12, 13, 14)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    coverage = (REPO / "tools" / "lock_coverage.py").read_text()
    assert 'PYTHONS = ("3.11", "3.12", "3.13")' in coverage


def test_windows_tries_the_py_launcher_newest_first(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "WINDOWS", True)
    monkeypatch.setenv("PYTHON", r"C:\Python312\python.exe")
    found = bootstrap.python_candidates()
    assert found[0] == [r"C:\Python312\python.exe"]
    assert found[1:4] == [["py", "-3.13"], ["py", "-3.12"], ["py", "-3.11"]]


def test_an_unsupported_python_finds_a_supported_one(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON", raising=False)
    versions = {"python3.13": None, "python3.12": (3, 12), "python3.11": (3, 11)}
    monkeypatch.setattr(bootstrap, "WINDOWS", False)
    monkeypatch.setattr(bootstrap, "probe_version", lambda cmd: versions.get(cmd[0]))
    assert bootstrap.find_python() == ["python3.12"]
    monkeypatch.setattr(bootstrap, "probe_version", lambda cmd: (3, 14))
    assert bootstrap.find_python() is None


def old_python(bootstrap: ModuleType) -> str | None:
    names = [f"python3.{m}" for m in (10, 9, 8)]
    pyenv = Path.home() / ".pyenv" / "versions"
    paths = sorted(str(p) for p in pyenv.glob("3.[89]*/bin/python3")) + sorted(
        str(p) for p in pyenv.glob("3.10*/bin/python3")
    )
    for cmd in [*names, *paths]:
        version = bootstrap.probe_version([cmd])
        if version is not None and (3, 8) <= version < (3, 11):
            return shutil.which(cmd) or cmd
    return None


def test_too_old_a_python_gets_one_line_saying_what_to_do(
    bootstrap: ModuleType, tmp_path: Path
) -> None:
    """run.py must still parse and explain itself under an old Python."""
    old = old_python(bootstrap)
    if old is None:
        # No old interpreter here: check the syntax the file needs is old enough instead.
        source = (REPO / "run.py").read_text()
        assert "from __future__ import annotations" in source
        compile(source, "run.py", "exec", feature_version=(3, 8))  # type: ignore[call-overload]
        return
    # Only the old Python on PATH: nothing supported to hand over to.
    (tmp_path / "python3").symlink_to(old)
    done = subprocess.run(
        [old, str(REPO / "run.py"), "demo"],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("run: Python 3.11–3.13 is needed (found 3."), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_venv_layout_follows_the_os(bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = Path("/x/.venv")
    monkeypatch.setattr(bootstrap, "WINDOWS", True)
    assert bootstrap.venv_bin("python", venv) == venv / "Scripts" / "python.exe"
    assert bootstrap.venv_bin("cuecard", venv) == venv / "Scripts" / "cuecard.exe"
    monkeypatch.setattr(bootstrap, "WINDOWS", False)
    assert bootstrap.venv_bin("python", venv) == venv / "bin" / "python"


def test_the_platforms_the_bootstrap_accepts_are_the_locked_ones(bootstrap: ModuleType) -> None:
    import tomllib

    envs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["environments"]
    pairs = {
        (
            re.search(r"sys_platform == '(\w+)'", e).group(1),  # type: ignore[union-attr]
            re.search(r"platform_machine == '(\w+)'", e).group(1).lower(),
        )  # type: ignore[union-attr]
        for e in envs
    }
    assert pairs == set(bootstrap.PLATFORMS)


# -- the venv: made from the locks, then instant ----------------------------------------


@pytest.fixture
def scratch_project(tmp_path: Path, bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny project (real build.lock, empty runtime lock) as the bootstrap's ROOT."""
    root = tmp_path / "proj"
    (root / "requirements").mkdir(parents=True)
    (root / "src" / "tiny").mkdir(parents=True)
    (root / "src" / "tiny" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tiny"\nversion = "0"\n'
        '[project.scripts]\ncuecard = "tiny:__init__"\n'
    )
    shutil.copy(REPO / "requirements" / "build.lock", root / "requirements" / "build.lock")
    (root / "requirements" / "runtime.lock").write_text("# nothing\n")
    for name, value in (("ROOT", root), ("VENV", root / ".venv"), ("REQ", root / "requirements")):
        monkeypatch.setattr(bootstrap, name, value)
    return root


def test_venv_is_made_from_the_locks_then_reused_until_a_lock_changes(
    bootstrap: ModuleType, scratch_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap.ensure_venv("runtime")
    python = bootstrap.venv_bin("python", scratch_project / ".venv")
    assert python.exists()
    assert (scratch_project / ".venv" / ".stamp-runtime").exists()
    listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True)
    assert re.search(r"^setuptools ", listed.stdout, re.M), listed.stdout

    calls: list[list[str]] = []
    monkeypatch.setattr(bootstrap, "pip", calls.append)
    bootstrap.ensure_venv("runtime")
    assert calls == [], "a second run with unchanged locks must not touch pip"

    lock = scratch_project / "requirements" / "runtime.lock"
    lock.write_text(lock.read_text() + "# changed\n")
    bootstrap.ensure_venv("runtime")
    installed = [c[-1] for c in calls]
    assert installed == [str(scratch_project / "requirements" / "build.lock"), str(lock), "."]
    assert all("--require-hashes" in c for c in calls[:2])


def test_this_venv_is_current_so_the_next_run_is_instant(bootstrap: ModuleType) -> None:
    if Path(sys.prefix).resolve() != (REPO / ".venv").resolve():
        pytest.skip("the suite is not running from the bootstrap's .venv")
    assert bootstrap.venv_is_current("dev")
    assert bootstrap.venv_is_current("runtime")
    done = sh_run("cuecard", "--help")
    assert done.returncode == 0, done.stderr
    assert "installing" not in done.stderr
