"""The install cannot rot: whatever the registry serves today, the bootstrap installs the lock.

A folder of wheels stands in for the package index (pip's own PIP_NO_INDEX and
PIP_FIND_LINKS point it there). It holds a small lock's wheels plus a NEWER
release of a locked dependency that declares an extra, the shape that broke a
plain clone when google-auth 2.63.1 came out. The real run.py, copied into a
scratch project, bootstraps it with the stock pip of every Python 3.11–3.13
found on the machine (3.11's bundled pip 23.2.1 is the one that refused), and
the installed set must be exactly the lock, with the hashes still checked.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from . import tinywheel
from .conftest import REPO

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def stock_pythons() -> dict[str, str]:
    """One interpreter per supported minor version: python3.X on PATH, else pyenv's."""
    found: dict[str, str] = {}
    for minor in (11, 12, 13):
        candidates = [shutil.which(f"python3.{minor}") or ""]
        candidates += sorted(str(p) for p in PYENV.glob(f"3.{minor}.*/bin/python3"))
        for cmd in filter(None, candidates):
            done = subprocess.run(
                [cmd, "-c", "import sys, ensurepip; print(sys.version_info[1])"],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0 and done.stdout.strip() == str(minor):
                found[f"3.{minor}"] = cmd
                break
    return found


PYTHONS = stock_pythons()

APP = """\
import importlib.metadata as md


def main() -> None:
    for name in ("alpha", "beta", "gamma", "tinywheel"):
        print(name, md.version(name))
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_line(wheel: Path) -> str:
    name, version = wheel.name.split("-")[:2]
    return f"{name}=={version} \\\n    --hash=sha256:{sha256(wheel)}\n"


@pytest.fixture
def index_and_project(tmp_path: Path) -> tuple[Path, Path]:
    """The wheel folder, and a project whose lock pins alpha 1.0 → beta[fast] 1.0 → gamma 1.0."""
    wheels = tmp_path / "index"
    wheels.mkdir()
    alpha = tinywheel.write_wheel(
        wheels, "alpha", "1.0", {"alpha.py": ""}, requires=["beta[fast]>=1.0"]
    )
    beta = tinywheel.write_wheel(
        wheels, "beta", "1.0", {"beta.py": ""}, extras={"fast": ["gamma>=1.0"]}
    )
    gamma = tinywheel.write_wheel(wheels, "gamma", "1.0", {"gamma.py": ""})
    backend = tinywheel.write_wheel(
        wheels,
        "tinywheel",
        "1.0",
        {"tinywheel.py": (Path(tinywheel.__file__)).read_text(encoding="utf-8")},
    )
    # Published after the lock was made: newer, and it declares the same extra.
    tinywheel.write_wheel(
        wheels, "beta", "1.1", {"beta.py": "NEWER = True\n"}, extras={"fast": ["gamma>=1.0"]}
    )
    root = tmp_path / "proj"
    (root / "requirements").mkdir(parents=True)
    (root / "src" / "tiny").mkdir(parents=True)
    (root / "src" / "tiny" / "__init__.py").write_text(APP)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["tinywheel"]\nbuild-backend = "tinywheel"\n'
        '[project]\nname = "tiny"\nversion = "0"\ndependencies = ["alpha"]\n'
        '[project.scripts]\ncuecard = "tiny:main"\n'
    )
    (root / "requirements" / "build.lock").write_text(lock_line(backend))
    (root / "requirements" / "runtime.lock").write_text(
        "".join(lock_line(w) for w in (alpha, beta, gamma))
    )
    shutil.copy(REPO / "run.py", root / "run.py")  # the real bootstrap, not a copy of its logic
    return wheels, root


def bootstrap(python: str, root: Path, wheels: Path) -> subprocess.CompletedProcess[str]:
    """`./run cuecard` as a user would start it, with the wheel folder as the only index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_NO_CACHE_DIR="1")
    env["PATH"] = f"{Path(python).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [python, str(root / "run.py"), "cuecard"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=300,
        check=False,
    )


def stock_pip(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import ensurepip; print(ensurepip.version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_machine_has_a_supported_python_to_prove_it_with() -> None:
    assert PYTHONS, "no Python 3.11–3.13 found: the local-index test proves nothing here"


@pytest.mark.slow
@pytest.mark.parametrize("version", sorted(PYTHONS))
def test_bootstrap_installs_exactly_the_lock_whatever_the_index_serves(
    version: str, index_and_project: tuple[Path, Path]
) -> None:
    wheels, root = index_and_project
    done = bootstrap(PYTHONS[version], root, wheels)
    assert done.returncode == 0, f"pip {stock_pip(PYTHONS[version])}: {done.stderr[-2000:]}"
    installed = dict(line.split() for line in done.stdout.splitlines())
    assert installed == {"alpha": "1.0", "beta": "1.0", "gamma": "1.0", "tinywheel": "1.0"}
    python = root / ".venv" / "bin" / "python"
    version_seen = subprocess.run(
        [str(python), "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version_seen.stdout.strip() == version  # the venv is made by the Python under test


@pytest.mark.slow
def test_the_index_is_a_real_trap_for_a_resolving_install(
    index_and_project: tuple[Path, Path], tmp_path: Path
) -> None:
    """Without --no-deps, pip 23.2.1 (3.11's bundled one) refuses this lock, as it did
    the real one: so the test above would catch the flag being dropped."""
    pythons = [p for p in PYTHONS.values() if stock_pip(p) == "23.2.1"]
    if not pythons:
        pytest.skip("no Python here bundles pip 23.2.1")
    wheels, root = index_and_project
    venv = tmp_path / "plain"
    subprocess.run([pythons[0], "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
         "--find-links", str(wheels), "--require-hashes",
         "-r", str(root / "requirements" / "runtime.lock")],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert re.search(r"beta\[fast\]>=1\.0", done.stderr), done.stderr[-1500:]


@pytest.mark.slow
def test_a_tampered_wheel_is_refused(index_and_project: tuple[Path, Path]) -> None:
    wheels, root = index_and_project
    gamma = wheels / "gamma-1.0-py3-none-any.whl"
    tinywheel.write_wheel(wheels, "gamma", "1.0", {"gamma.py": "import os  # planted\n"})
    assert sha256(gamma) not in (root / "requirements" / "runtime.lock").read_text()
    done = bootstrap(next(iter(PYTHONS.values())), root, wheels)
    assert done.returncode == 1
    assert "HASHES" in done.stderr or "hash" in done.stderr.lower(), done.stderr[-1500:]
    assert "run: pip could not install" in done.stderr
    assert not (root / ".venv" / ".stamp-runtime").exists()


@pytest.mark.slow
def test_a_lock_missing_a_dependency_is_one_line_not_an_import_error_later(
    index_and_project: tuple[Path, Path],
) -> None:
    """--no-deps trusts the lock to be complete; the pip check after it proves that."""
    wheels, root = index_and_project
    lock = root / "requirements" / "runtime.lock"
    lock.write_text(re.sub(r"beta==1\.0 \\\n.*\n", "", lock.read_text()))
    done = bootstrap(next(iter(PYTHONS.values())), root, wheels)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("run: the locked packages do not fit together here"), done.stderr
    assert "alpha 1.0 requires beta" in last
