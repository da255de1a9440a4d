"""Qt runs headless on the offscreen platform for every desktop test in this process.

The variable must be set before the first QApplication exists (pytest-qt makes
it lazily, in the ``qapp`` fixture), so it is set here at import time.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"


# -- a real keychain, for erase-all and the key fields ---------------------------------

from collections.abc import Iterator

import pytest

from privacy.conftest import PrivateKeychain, _clear_cuecard_entries, running_keychain


@pytest.fixture(scope="session")
def ui_keychain() -> Iterator[PrivateKeychain]:
    """The privacy tests' private Secret Service (dbus + gnome-keyring), never the user's."""
    with running_keychain() as keychain:
        yield keychain


@pytest.fixture
def keychain(ui_keychain: PrivateKeychain) -> Iterator[PrivateKeychain]:
    _clear_cuecard_entries()
    yield ui_keychain
    _clear_cuecard_entries()

# In-process windows must not grab keys on whatever X server the shell has: the tests that
# need one start their own Xvfb and name it explicitly.
os.environ.pop("DISPLAY", None)


# -- a real sound system, for the device lists and the first-run check ----------------

from pathlib import Path  # noqa: E402

from live.pulse_server import PulseServer  # noqa: E402


@pytest.fixture
def sound(fresh_pulse: PulseServer) -> PulseServer:
    """The run's one PulseAudio server (tests/conftest.py), every sink present, nothing playing."""
    return fresh_pulse


@pytest.fixture
def testdata_dir(testdata: Path) -> Path:
    return testdata


# -- a private X server -------------------------------------------------------------------

from xserver import running_xvfb  # noqa: E402


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private X server (tests/xserver.py)."""
    with running_xvfb("1280x800") as display:
        yield display


