"""Installed as an application (`uv tool install .`, `pipx install .`): the
built wheel in a new, isolated environment gives a working `cuecard`, with
nothing from this checkout on its path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow  # builds a wheel and installs it with uv: end to end


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("cuecard-*.whl")
    return built


def test_the_wheel_carries_the_app_and_its_assets_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for asset in ("demo_interview.flac", "demo_interview.json", "PRIVACY.md", "py.typed"):
        assert any(n.startswith("cuecard/") and n.endswith(asset) for n in names), asset
    assert any("/assets/sample_profile/" in n for n in names)
    assert not [n for n in names if n.startswith(("tests/", "bench/", "tools/", "packaging/"))]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "cuecard = cuecard.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_uv_tool_install_gives_a_working_cuecard(wheel: Path, tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    base_python = getattr(sys, "_base_executable", sys.executable)
    # The locked versions, as README's Install section tells users to do.
    install = [
        str(uv),
        "tool",
        "install",
        "--python",
        base_python,
        "--no-build",
        "-c",
        str(REPO / "requirements" / "runtime.lock"),
        str(wheel),
    ]
    done = subprocess.run([*install, "--offline"], env=env, capture_output=True, text=True)
    if done.returncode != 0:  # not all in uv's cache yet: fetch what is missing
        done = subprocess.run(install, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]

    cuecard = tmp_path / "bin" / "cuecard"
    home = tmp_path / "home"
    home.mkdir()
    clean = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "CUECARD_HOME": str(home / "cc"),
        "LANG": "C.UTF-8",
    }
    run = subprocess.run(
        [str(cuecard), "demo", "--fast", "--json"],
        env=clean,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    events = [json.loads(line) for line in run.stdout.splitlines()]
    kinds = [e["type"] for e in events]
    assert "question" in kinds and "suggestion_done" in kinds and kinds[-1] == "session_end"
    # It ran the installed copy, not this checkout.
    where = subprocess.run(
        [str(cuecard.resolve().parent / "python"), "-c", "import cuecard; print(cuecard.__file__)"],
        env=clean,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(tmp_path / "tools")), where.stdout
