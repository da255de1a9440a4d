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
