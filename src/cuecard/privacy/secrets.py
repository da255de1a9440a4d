"""API keys: in the OS keychain, never in a file, a log or an error message.

Resolution order (simonw/llm's habit): an explicit key for one command (read
with ``--key-stdin``, never from the command line),
then ``CUECARD_<PROVIDER>_KEY`` in the environment (CI, power users), then the
OS keychain via ``keyring`` (service ``cuecard``, user = provider name). The
same keychain service holds the vault's master key (user ``vault-master-key``).

A key only ever leaves this module inside a ``ResolvedKey``, whose repr is
masked, so an accidental ``print``/``log`` of it shows ``sk-…abcd`` at most.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from cuecard import catalog

SERVICE: Final = "cuecard"
VAULT_MASTER_USER: Final = "vault-master-key"


def providers() -> tuple[str, ...]:
    """Providers whose key cuecard keeps: the catalog's keyed rows, read now (a row added to
    the table is a keychain user, an environment variable and a ``keys`` choice at once)."""
    return catalog.keyed()


def keychain_users() -> tuple[str, ...]:
    """Every keychain entry cuecard may create, for ``data where`` and ``data erase --all``."""
    return (*providers(), VAULT_MASTER_USER)


def env_var(provider: str) -> str:
    """The variable that overrides the keychain for ``provider`` (``CUECARD_OPENAI_KEY`` …)."""
    return catalog.info(provider).env_var or ""


def env_vars() -> dict[str, str]:
    """Each keyed provider and its key variable."""
    return {name: env_var(name) for name in providers()}


def display_name(provider: str) -> str:
    return catalog.info(provider).label


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
    if provider not in providers():
        raise SecretsError(
            f"unknown provider {provider!r}: keys are for {', '.join(providers())}"
        )
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


OS_BACKENDS: Final = frozenset(
    {
        "keyring.backends.SecretService.Keyring",  # GNOME Keyring, KeePassXC… over D-Bus
        "keyring.backends.libsecret.Keyring",  # the same Secret Service, through libsecret
        "keyring.backends.kwallet.DBusKeyring",  # KDE Wallet
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",  # macOS Keychain
        "keyring.backends.Windows.WinVaultKeyring",  # Windows Credential Locker
    }
)
"""The only keyring backends cuecard stores a secret in: the operating systems' own keychains.

Named by exact class, not ``isinstance``: a plugin's subclass of one of them
is not the OS keychain. Everything else is refused, above all keyrings.alt's
``PlaintextKeyring`` and ``EncryptedKeyring`` (a file in the home folder that
a backup copies next to the vault it unlocks), the null and fail backends, and
any backend cuecard does not know. A chainer is accepted only when every
backend it chains is one of these.
"""


class KeychainRefused(KeychainUnavailable):
    """keyring chose a backend that is not an OS keychain (a file, a plugin, nothing)."""


def _name(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _chosen_by() -> str:
    """Why keyring uses the backend it does: the variable, a config file, or an install."""
    if os.environ.get("PYTHON_KEYRING_BACKEND", "").strip():
        return "PYTHON_KEYRING_BACKEND chooses it: unset that variable"
    with contextlib.suppress(Exception):
        from keyring.util import platform_

        config = os.path.join(platform_.config_root(), "keyringrc.cfg")
        if os.path.isfile(config):
            return f"{config} chooses it: remove its default-keyring line"
    return (
        "it is installed and no OS keychain answered: uninstall it (pip uninstall "
        "keyrings.alt, or apt remove python3-keyrings.alt)"
    )


def _os_keychain() -> object:
    """keyring's backend, if it is an OS keychain; else raise a one-line refusal."""
    import keyring
    from keyring.backends import chainer, fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise KeychainUnavailable("no usable OS keychain")  # the caller's message says more
    name = _name(backend)
    if name in OS_BACKENDS:
        return backend
    if type(backend) is chainer.ChainerBackend:
        chained = [_name(b) for b in backend.backends]
        if chained and all(n in OS_BACKENDS for n in chained):
            return backend
        bad = [n for n in chained if n not in OS_BACKENDS]
        name = ", ".join(bad) if bad else "an empty chain"
    raise KeychainRefused(
        f"refused the keyring backend {name}: it is not your OS keychain (keys kept there can "
        f"end up in a plain file); {_chosen_by()}, so that keys go to {_os_keychain_name()}"
    )


def _os_keychain_name() -> str:
    if sys.platform.startswith("linux"):
        return "the Secret Service (gnome-keyring or KWallet)"
    if sys.platform == "darwin":
        return "the macOS Keychain"
    return "the Windows Credential Locker"


def _require_os_keychain(hint: bool) -> None:
    try:
        _os_keychain()
    except KeychainRefused:
        raise
    except KeychainUnavailable:
        raise KeychainUnavailable(_no_keychain_message(env_hint=hint)) from None


def keychain_backend() -> str:
    """The keychain backend's name, or raise ``KeychainUnavailable`` (for ``doctor``)."""
    with _keychain("open the keychain"):
        _require_os_keychain(True)
        import keyring

        return _name(keyring.get_keyring())


def get_secret(user: str) -> str | None:
    """Read one cuecard keychain entry (a provider key or the vault master key)."""
    import keyring

    hint = user in providers()
    with _keychain("read the keychain", env_hint=hint):
        _require_os_keychain(hint)
        return keyring.get_password(SERVICE, user)


def set_secret(user: str, value: str) -> None:
    """Store an entry and read it back: a backend that silently drops it is no keychain."""
    import keyring

    hint = user in providers()
    with _keychain("write to the keychain", env_hint=hint):
        _require_os_keychain(hint)
        keyring.set_password(SERVICE, user, value)
        if keyring.get_password(SERVICE, user) != value:
            raise KeychainUnavailable(
                "the OS keychain did not keep the entry: " + _no_keychain_message(env_hint=hint)
            )


def delete_secret(user: str) -> bool:
    """Remove an entry; False if there was none."""
    import keyring
    import keyring.errors

    # no CUECARD_*_KEY hint: an environment variable does not help to remove a key
    with _keychain("change the keychain", env_hint=False):
        _require_os_keychain(False)
        if keyring.get_password(SERVICE, user) is None:
            return False
        try:
            keyring.delete_password(SERVICE, user)
        except keyring.errors.PasswordDeleteError:
            return False
        return True


def keychain_entries() -> list[str]:
    """Which cuecard entries the keychain holds now (names only), for ``data where``."""
    return [user for user in keychain_users() if get_secret(user) is not None]


def entry_name(user: str) -> str:
    return f"{SERVICE} / {user}"


def delete_all_entries() -> tuple[list[str], list[str], str | None]:
    """Delete every cuecard keychain entry: (removed, left, why they were left).

    When the keychain cannot be reached, every entry not yet deleted is
    "left": cuecard cannot see which of them exist, so it names them all
    rather than claim they are gone.
    """
    removed: list[str] = []
    users = keychain_users()
    for i, user in enumerate(users):
        try:
            if delete_secret(user):
                removed.append(f"keychain entry {entry_name(user)}")
        except KeychainUnavailable as err:
            return removed, [entry_name(u) for u in users[i:]], str(err)
    return removed, [], None


def entries_left_message(left: list[str], problem: str | None) -> str:
    """One line: which keychain entries may remain, why, and what to do."""
    return (
        f"erase incomplete: could not remove from the OS keychain ({problem}): "
        f"{', '.join(left)} may still be there, and with the vault key a copy of the vault "
        "made before the erase could still be decrypted; everything else listed was removed. "
        "Run `cuecard data erase --finish` (or `cuecard data erase --all` again) once the "
        "keychain can be reached"
    )


# -- keys never in argv ------------------------------------------------------------

_KEY_SHAPE: Final = re.compile(
    r"(?<![A-Za-z0-9_\-])"  # a whole word: `sk-notes.md` and `task-sk-1` are not keys
    r"(?:sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{30,})"
    r"(?![A-Za-z0-9_\-])"
)
"""A vendor key (OpenAI, Anthropic, Google), alone or inside a longer argument."""


def key_in_argv(argv: list[str]) -> str | None:
    """Why these command-line arguments must be refused, or None.

    Any user of the computer can read another's command lines (``ps``,
    ``/proc/*/cmdline``), so a key must never be one. ``--key`` itself is
    refused whatever follows it; so is any argument shaped like a vendor
    key. The reason never quotes the argument.
    """
    for arg in argv:
        if arg == "--":
            continue
        if arg == "--key" or arg.startswith("--key="):
            return (
                "--key is not accepted: a key on the command line is visible to every user "
                "of this computer; use --key-stdin, `cuecard keys set`, or CUECARD_*_KEY"
            )
        if _KEY_SHAPE.search(arg):
            return (
                "refused: an argument looks like an API key, and a key on the command line is "
                "visible to every user of this computer; use --key-stdin or `cuecard keys set`"
            )
    return None


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
    """The key to use: ``explicit`` (``--key-stdin``), then the environment, then the keychain.

    A missing keychain is not an error here when a key was found earlier in
    the order; it is when the keychain was the last hope (it says how to fix).
    """
    provider = _check_provider(provider)
    if explicit is not None and explicit.strip():
        return ResolvedKey(provider, clean_key(explicit), "argument")
    env = os.environ.get(env_var(provider), "").strip()
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
            f"no {display_name(provider)} key: run `cuecard keys set {provider}` "
            f"or set {env_var(provider)}"
        )
    return found


def list_keys() -> list[KeyInfo]:
    """Each provider: the key in force (masked), where it comes from, and if the keychain has one.

    Without a keychain, environment keys are still listed; the keychain column
    is then False.
    """
    infos: list[KeyInfo] = []
    keychain_ok = True
    for provider in providers():
        stored: str | None = None
        if keychain_ok:
            try:
                stored = get_secret(provider)
            except KeychainUnavailable:
                keychain_ok = False
        env = os.environ.get(env_var(provider), "").strip()
        if env:
            infos.append(KeyInfo(provider, mask(env), "env", stored is not None))
        elif stored:
            infos.append(KeyInfo(provider, mask(stored), "keychain", True))
        else:
            infos.append(KeyInfo(provider, None, None, False))
    if not keychain_ok and not any(i.source for i in infos):
        raise KeychainUnavailable(_no_keychain_message())
    return infos
