"""Fixtures for the privacy tests: a real keychain, real loopback servers.

The keychain is a real Secret Service (gnome-keyring) on a private D-Bus session
bus started for this test run, used through keyring's SecretService backend.
It is private on purpose, even on a desktop that has its own session bus: these
tests delete cuecard's keychain entries, and must never touch a developer's
real keys. If it cannot start, the tests fail with the reason; they never skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from privacy.support import LoopbackServer

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
CUECARD_USERS = ("openai", "anthropic", "google", "vault-master-key")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- the real keychain ---------------------------------------------------------------


class PrivateKeychain:
    """A dbus-daemon and a gnome-keyring-daemon (secrets component) of our own."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cuecard-keychain-"))
        self.env: dict[str, str] = {}
        self._dbus_pid: int | None = None
        self._keyring_proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        for tool in ("dbus-daemon", "gnome-keyring-daemon"):
            if shutil.which(tool) is None:
                raise RuntimeError(
                    f"{tool} is not installed: the keychain tests need a real Secret Service "
                    "(apt-get install dbus gnome-keyring)"
                )
        home = self.root / "home"
        runtime = self.root / "run"
        home.mkdir()
        runtime.mkdir(mode=0o700)
        daemon_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
        }
        out = subprocess.run(
            ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
            capture_output=True,
            text=True,
            env=daemon_env,
            timeout=20,
            check=False,
        )
        lines = out.stdout.split()
        if out.returncode != 0 or len(lines) < 2:
            raise RuntimeError(f"dbus-daemon did not start: {out.stderr.strip() or out.stdout}")
        address, self._dbus_pid = lines[0], int(lines[1])
        daemon_env["DBUS_SESSION_BUS_ADDRESS"] = address
        # --foreground keeps it our child, so we can end it by its own pid.
        self._keyring_proc = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=daemon_env,
        )
        assert self._keyring_proc.stdin is not None
        self._keyring_proc.stdin.write(b"test-keychain-password")
        self._keyring_proc.stdin.close()
        self.env = {"DBUS_SESSION_BUS_ADDRESS": address, "PYTHON_KEYRING_BACKEND": SECRET_SERVICE}
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Poll until a real write/read/delete round-trips through the Secret Service."""
        probe = (
            "import keyring.backends.SecretService as s; k = s.Keyring(); "
            "k.set_password('cuecard-probe', 'p', 'ok'); "
            "assert k.get_password('cuecard-probe', 'p') == 'ok'; "
            "k.delete_password('cuecard-probe', 'p')"
        )
        env = {**os.environ, **self.env}
        deadline = time.monotonic() + 20
        last = ""
        while time.monotonic() < deadline:
            if self._keyring_proc is not None and self._keyring_proc.poll() is not None:
                err = self._keyring_proc.stderr.read().decode() if self._keyring_proc.stderr else ""
                raise RuntimeError(f"gnome-keyring-daemon exited: {err.strip()}")
            res = subprocess.run(
                [sys.executable, "-c", probe],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if res.returncode == 0:
                return
            last = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else ""
            time.sleep(0.2)
        raise RuntimeError(f"the Secret Service did not become usable: {last}")

    def stop(self) -> None:
        if self._keyring_proc is not None and self._keyring_proc.poll() is None:
            self._keyring_proc.terminate()
            try:
                self._keyring_proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._keyring_proc.kill()
        if self._dbus_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._dbus_pid, signal.SIGTERM)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running_keychain() -> Iterator[PrivateKeychain]:
    """A private Secret Service (dbus + gnome-keyring) as keyring's backend, never the user's."""
    keychain = PrivateKeychain()
    try:
        keychain.start()
    except Exception as err:
        keychain.stop()
        pytest.fail(f"cannot start a real Secret Service keychain for the tests: {err}")
    saved = {k: os.environ.get(k) for k in keychain.env}
    os.environ.update(keychain.env)
    import keyring
    from keyring.backends import SecretService

    previous = keyring.get_keyring()
    keyring.set_keyring(SecretService.Keyring())
    try:
        yield keychain
    finally:
        keyring.set_keyring(previous)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        keychain.stop()


@pytest.fixture(scope="session")
def private_keychain() -> Iterator[PrivateKeychain]:
    with running_keychain() as keychain:
        yield keychain


def _clear_cuecard_entries() -> None:
    import keyring
    from keyring.errors import PasswordDeleteError

    for user in CUECARD_USERS:
        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password("cuecard", user)


@pytest.fixture(autouse=True)
def keychain(private_keychain: PrivateKeychain) -> Iterator[PrivateKeychain]:
    """Every privacy test starts and ends with no cuecard entry in the keychain."""
    _clear_cuecard_entries()
    yield private_keychain
    _clear_cuecard_entries()


@pytest.fixture
def subprocess_env(cuecard_home: Path, keychain: PrivateKeychain) -> dict[str, str]:
    """Environment for running cuecard in a child process against the same home and keychain."""
    env = {**os.environ, **keychain.env, "CUECARD_HOME": str(cuecard_home)}
    for var in ("CUECARD_OPENAI_KEY", "CUECARD_ANTHROPIC_KEY", "CUECARD_GOOGLE_KEY"):
        env.pop(var, None)
    return env


# -- loopback HTTP servers -----------------------------------------------------------


@pytest.fixture
def allowed_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def other_server() -> Iterator[LoopbackServer]:
    """A second loopback server on a port no config names: it must never be reached."""
    server = LoopbackServer().start()
    yield server
    server.stop()
