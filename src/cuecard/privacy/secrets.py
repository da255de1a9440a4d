"""API keys: in the OS keychain, never in a file, a log or an error message.

Resolution order (simonw/llm's habit): an explicit ``--key`` for one command,
then ``CUECARD_<PROVIDER>_KEY`` in the environment (CI, power users), then the
OS keychain via ``keyring`` (service ``cuecard``, user = provider name). The
same keychain service holds the vault's master key (user ``vault-master-key``).

A key only ever leaves this module inside a ``ResolvedKey``, whose repr is
masked, so an accidental ``print``/``log`` of it shows ``sk-…abcd`` at most.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from cuecard import catalog

SERVICE: Final = "cuecard"
PROVIDERS: Final = catalog.KEYED
VAULT_MASTER_USER: Final = "vault-master-key"
KEYCHAIN_USERS: Final = (*PROVIDERS, VAULT_MASTER_USER)
"""Every keychain entry cuecard may create, for ``data where`` and ``data erase --all``."""

ENV_VARS: Final[dict[str, str]] = {
    name: catalog.PROVIDERS[name].env_var or "" for name in catalog.KEYED
}
DISPLAY_NAMES: Final[dict[str, str]] = {
    name: catalog.PROVIDERS[name].label for name in catalog.KEYED
}
_KNOWN_PREFIXES: Final = ("sk-ant-", "sk-proj-", "sk-", "AIza")
"""Vendors' public key prefixes: showing them says which kind of key, and nothing secret."""

KeySource = Literal["argument", "env", "keychain"]


class SecretsError(Exception):
    """A one-line, actionable problem with keys or the keychain."""


class KeychainUnavailable(SecretsError):
    """There is no usable OS keychain (none installed, locked, or D-Bus unreachable)."""


class MissingKey(SecretsError):
    """A provider needs a key and none was found anywhere."""


class BadKey(SecretsError):
    """What was entered cannot be a key (empty, spaces, control characters)."""


def _check_provider(provider: str) -> str:
    if provider not in PROVIDERS:
        raise SecretsError(f"unknown provider {provider!r}: keys are for {', '.join(PROVIDERS)}")
    return provider


def mask(key: str) -> str:
    """``sk-…abcd``: a vendor prefix (public) and the last four characters, nothing else.

    Keys shorter than 12 characters show no tail at all: four characters of a
    short secret are too large a share of it.
    """
    prefix = next((p for p in _KNOWN_PREFIXES if key.startswith(p)), "")
    if len(key) < 12:
        return f"{prefix}…"
    return f"{prefix}…{key[-4:]}"


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """A key and where it came from; its repr never shows the key."""

    provider: str
    value: str = field(repr=False)
    source: KeySource

    @property
    def masked(self) -> str:
        return mask(self.value)

    def __repr__(self) -> str:
        return (
            f"ResolvedKey(provider={self.provider!r}, value={self.masked!r}, "
            f"source={self.source!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``keys list`` shows: never the key, only its masked tail and origin."""

    provider: str
    masked: str | None
    source: KeySource | None
    in_keychain: bool


# -- the keychain ------------------------------------------------------------------


def _no_keychain_message(*, env_hint: bool = True) -> str:
    if sys.platform.startswith("linux"):
        fix = (
            "install and unlock a Secret Service keychain (gnome-keyring or KWallet; on a "
            "headless machine start it with `dbus-run-session` and `gnome-keyring-daemon "
            "--unlock`)"
        )
    elif sys.platform == "darwin":
        fix = "unlock your login keychain (Keychain Access)"
    else:
        fix = "make sure Windows Credential Manager is available for your account"
    if not env_hint:
        return f"no usable OS keychain: {fix}"
    return (
        f"no usable OS keychain: {fix}, or put the key in CUECARD_OPENAI_KEY / "
        "CUECARD_ANTHROPIC_KEY / CUECARD_GOOGLE_KEY for this shell instead"
    )


@contextlib.contextmanager
def _keychain(action: str, *, env_hint: bool = True) -> Iterator[None]:
    """Turn every keychain failure into one line that says what to do.

    Messages never quote the backend's exception text: it is not ours to vet.
    ``env_hint``: mention the CUECARD_*_KEY variables (not for the vault key).
    """
    import keyring.errors

    def unavailable() -> str:
        return _no_keychain_message(env_hint=env_hint)

    try:
        yield
    except SecretsError:
        raise
    except keyring.errors.KeyringLocked:
        raise KeychainUnavailable(
            f"cannot {action}: your OS keychain is locked; unlock it (log in to the desktop, or "
            "`gnome-keyring-daemon --unlock`) and try again"
        ) from None
    except keyring.errors.NoKeyringError:
        raise KeychainUnavailable(unavailable()) from None
    except Exception as err:
        # RuntimeError: a forced backend that cannot start (e.g. no D-Bus session bus);
        # secretstorage/jeepney errors have no common base class
        raise KeychainUnavailable(
            f"cannot {action} ({type(err).__name__}): {unavailable()}"
        ) from None


def _backend_is_usable() -> bool:
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    return not isinstance(backend, fail.Keyring | null.Keyring)


def keychain_backend() -> str:
    """The keychain backend's name, or raise ``KeychainUnavailable`` (for ``doctor``)."""
    import keyring

    with _keychain("open the keychain"):
        if not _backend_is_usable():
            raise KeychainUnavailable(_no_keychain_message())
        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__qualname__}"


def get_secret(user: str) -> str | None:
    """Read one cuecard keychain entry (a provider key or the vault master key)."""
    import keyring

    hint = user in PROVIDERS
    with _keychain("read the keychain", env_hint=hint):
        if not _backend_is_usable():
            raise KeychainUnavailable(_no_keychain_message(env_hint=hint))
        return keyring.get_password(SERVICE, user)


def set_secret(user: str, value: str) -> None:
    """Store an entry and read it back: a backend that silently drops it is no keychain."""
    import keyring

    hint = user in PROVIDERS
    with _keychain("write to the keychain", env_hint=hint):
        if not _backend_is_usable():
            raise KeychainUnavailable(_no_keychain_message(env_hint=hint))
        keyring.set_password(SERVICE, user, value)
        if keyring.get_password(SERVICE, user) != value:
            raise KeychainUnavailable(
                "the OS keychain did not keep the entry: " + _no_keychain_message(env_hint=hint)
            )


def delete_secret(user: str) -> bool:
    """Remove an entry; False if there was none."""
    import keyring
    import keyring.errors

    hint = user in PROVIDERS
    with _keychain("change the keychain", env_hint=hint):
        if not _backend_is_usable():
            raise KeychainUnavailable(_no_keychain_message(env_hint=hint))
        if keyring.get_password(SERVICE, user) is None:
            return False
        try:
            keyring.delete_password(SERVICE, user)
        except keyring.errors.PasswordDeleteError:
            return False
        return True


def keychain_entries() -> list[str]:
    """Which cuecard entries the keychain holds now (names only), for ``data where``."""
    return [user for user in KEYCHAIN_USERS if get_secret(user) is not None]


# -- provider keys -----------------------------------------------------------------


def clean_key(value: str) -> str:
    """Trim what a paste adds (spaces, a newline) and refuse what cannot be a key."""
    key = value.strip()
    if not key:
        raise BadKey("no key given: paste the key from your provider's dashboard")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise BadKey("that does not look like an API key: it contains spaces or control characters")
    if len(key) > 1024:
        raise BadKey("that does not look like an API key: it is longer than 1024 characters")
    return key


def set_key(provider: str, value: str) -> ResolvedKey:
    """Store a provider's key in the keychain (the only place cuecard stores keys)."""
    provider = _check_provider(provider)
    key = clean_key(value)
    set_secret(provider, key)
    return ResolvedKey(provider, key, "keychain")


def delete_key(provider: str) -> bool:
    return delete_secret(_check_provider(provider))


def resolve_key(provider: str, explicit: str | None = None) -> ResolvedKey | None:
    """The key to use: ``explicit`` (``--key``), then the environment, then the keychain.

    A missing keychain is not an error here when a key was found earlier in
    the order; it is when the keychain was the last hope (it says how to fix).
    """
    provider = _check_provider(provider)
    if explicit is not None and explicit.strip():
        return ResolvedKey(provider, clean_key(explicit), "argument")
    env = os.environ.get(ENV_VARS[provider], "").strip()
    if env:
        return ResolvedKey(provider, clean_key(env), "env")
    stored = get_secret(provider)
    if stored:
        return ResolvedKey(provider, stored, "keychain")
    return None


def require_key(provider: str, explicit: str | None = None) -> ResolvedKey:
    found = resolve_key(provider, explicit)
    if found is None:
        raise MissingKey(
            f"no {DISPLAY_NAMES[provider]} key: run `cuecard keys set {provider}` "
            f"or set {ENV_VARS[provider]}"
        )
    return found


def list_keys() -> list[KeyInfo]:
    """Each provider: the key in force (masked), where it comes from, and if the keychain has one.

    Without a keychain, environment keys are still listed; the keychain column
    is then False.
    """
    infos: list[KeyInfo] = []
    keychain_ok = True
    for provider in PROVIDERS:
        stored: str | None = None
        if keychain_ok:
            try:
                stored = get_secret(provider)
            except KeychainUnavailable:
                keychain_ok = False
        env = os.environ.get(ENV_VARS[provider], "").strip()
        if env:
            infos.append(KeyInfo(provider, mask(env), "env", stored is not None))
        elif stored:
            infos.append(KeyInfo(provider, mask(stored), "keychain", True))
        else:
            infos.append(KeyInfo(provider, None, None, False))
    if not keychain_ok and not any(i.source for i in infos):
        raise KeychainUnavailable(_no_keychain_message())
    return infos
