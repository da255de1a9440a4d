"""The OS keychain or nothing: a plaintext keyring backend is refused, however keyring chose it.

The attack: with keyrings.alt importable (Debian's ``python3-keyrings.alt``), or
``PYTHON_KEYRING_BACKEND`` / ``keyringrc.cfg`` pointing at it, keyring writes the
API key and the vault master key base64-encoded into
``~/.local/share/python_keyring``. These tests make the real package importable
for a real ``cuecard`` child process (the Debian package ./run installs; a pip
install of keyrings.alt in the environment works the same), with a home folder
of its own, and check that the key is refused in one line and lands nowhere.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cuecard
from privacy.conftest import PrivateKeychain

KEY = "sk-test-" + "plaintext-canary-" + "0123456789abcdef" + "ABCD"  # fake, built at run time
PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"
DEBIAN = Path("/usr/lib/python3/dist-packages")
SRC = Path(cuecard.__file__).resolve().parents[1]


@pytest.fixture
def keyrings_alt(tmp_path: Path) -> Path:
    """A folder that makes keyrings.alt (code and entry points) importable for a child."""
    spec = (
        importlib.util.find_spec("keyrings.alt")
        if importlib.util.find_spec("keyrings") is not None
        else None
    )
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).parents[1]
    infos = sorted(DEBIAN.glob("keyrings.alt-*.dist-info"))
    if not (DEBIAN / "keyrings" / "alt" / "file.py").is_file() or not infos:
        pytest.fail(
            "keyrings.alt is not installed: `./run` installs python3-keyrings.alt "
            "(apt-get install python3-keyrings.alt)"
        )
    folder = tmp_path / "alt"
    folder.mkdir()
    (folder / "keyrings").symlink_to(DEBIAN / "keyrings")
    (folder / infos[-1].name).symlink_to(infos[-1])
    return folder


def run_cuecard(
    home: Path, alt: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items()
        if k not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "PYTHONPATH")
    }  # fmt: skip
    base.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        CUECARD_HOME=str(home / "cuecard"),
        PYTHONPATH=os.pathsep.join([str(SRC), str(alt)]),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], input=stdin, capture_output=True, text=True,
        env=base, timeout=120, check=False,
    )  # fmt: skip


def assert_refused_and_nothing_written(proc: subprocess.CompletedProcess[str], home: Path) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert PLAINTEXT in line and "refused" in line and "OS keychain" in line
    assert not (home / ".local" / "share" / "python_keyring").exists()
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_plaintext_backend_chosen_by_the_environment_is_refused(
    tmp_path: Path, keyrings_alt: Path
) -> None:
    proc = run_cuecard(
        tmp_path, keyrings_alt, "keys", "set", "openai", stdin=KEY + "\n",
        PYTHON_KEYRING_BACKEND=PLAINTEXT,
    )  # fmt: skip
    assert_refused_and_nothing_written(proc, tmp_path)
    assert "PYTHON_KEYRING_BACKEND" in proc.stderr


def test_plaintext_backend_chosen_by_keyringrc_is_refused(
    tmp_path: Path, keyrings_alt: Path
) -> None:
    config = tmp_path / ".config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text(f"[backend]\ndefault-keyring={PLAINTEXT}\n", encoding="utf-8")
    proc = run_cuecard(tmp_path, keyrings_alt, "keys", "set", "openai", stdin=KEY + "\n")
    assert_refused_and_nothing_written(proc, tmp_path)
    assert "keyringrc.cfg" in proc.stderr


def test_plaintext_backend_chosen_because_it_is_installed_is_refused(
    tmp_path: Path, keyrings_alt: Path
) -> None:
    """No variable, no config: no Secret Service answers, so keyring falls back to the file."""
    proc = run_cuecard(tmp_path, keyrings_alt, "keys", "set", "openai", stdin=KEY + "\n")
    assert_refused_and_nothing_written(proc, tmp_path)
    assert "uninstall" in proc.stderr


def test_the_vault_key_is_refused_too(tmp_path: Path, keyrings_alt: Path) -> None:
    """Keeping a session needs the vault master key: it must not go to the file either."""
    from cuecard.privacy import secrets

    probe = (
        "from cuecard.privacy import secrets\n"
        "try:\n"
        f"    secrets.set_secret({secrets.VAULT_MASTER_USER!r}, 'a' * 44)\n"
        "except secrets.KeychainRefused as err:\n"
        "    print('REFUSED', err)\n"
    )
    env = {
        **os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "share"),
        "PYTHON_KEYRING_BACKEND": PLAINTEXT,
        "PYTHONPATH": os.pathsep.join([str(SRC), str(keyrings_alt)]),
    }  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.stdout.startswith("REFUSED"), proc.stdout + proc.stderr
    assert not (tmp_path / "share" / "python_keyring").exists()


def test_doctor_names_the_backend_in_use(keychain: PrivateKeychain, tmp_path: Path) -> None:
    env = {**os.environ, **keychain.env, "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [sys.executable, "-m", "cuecard", "doctor"], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    line = next(line for line in proc.stdout.splitlines() if "keychain" in line)
    assert "keyring.backends.SecretService.Keyring" in line, proc.stdout


def test_doctor_shows_a_refused_backend_as_a_problem(tmp_path: Path, keyrings_alt: Path) -> None:
    proc = run_cuecard(tmp_path, keyrings_alt, "doctor", PYTHON_KEYRING_BACKEND=PLAINTEXT)
    line = next(line for line in proc.stdout.splitlines() if "keychain" in line)
    assert PLAINTEXT in line and "refused" in line, proc.stdout
