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

from privacy.conftest import PrivateKeychain, _clear_cuecard_entries


@pytest.fixture(scope="session")
def ui_keychain() -> Iterator[PrivateKeychain]:
    """The privacy tests' private Secret Service (dbus + gnome-keyring), never the user's."""
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


@pytest.fixture
def keychain(ui_keychain: PrivateKeychain) -> Iterator[PrivateKeychain]:
    _clear_cuecard_entries()
    yield ui_keychain
    _clear_cuecard_entries()
