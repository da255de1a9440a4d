"""Everything cuecard keeps on this machine, and how to remove all of it.

``cuecard data where`` lists every file under cuecard's config, data and log
directories and every keychain entry it created; ``cuecard data erase --all``
removes them (downloaded speech models excepted: they are public files, not
personal data, and large to fetch again; they are listed so the user can
delete them too).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from cuecard import paths
from cuecard.privacy import ledger_store, secrets
from cuecard.privacy.vault import VAULT_FILE, EraseIncomplete, Vault, vault_files
from cuecard.privacy.vault_keys import VaultError

MODELS_DIR = "models"
PROFILE_DIR = "profile"


@dataclass(frozen=True, slots=True)
class Item:
    kind: str  # file | keychain | env
    what: str  # what it is, in words
    where: str  # a path, or "service / user" for a keychain entry
    size: int = 0


ERASE_MARK: Final = "erase-unfinished"
"""In the data folder while a ``data erase --all`` has not completed: the time it started only."""


def erase_mark() -> Path:
    return paths.data_dir() / ERASE_MARK


def mark_erase_started() -> bool:
    """Note that an ``--all`` erase is under way, so ``--finish`` can complete it later.

    Written before anything is removed: whatever stops the erase (an
    unreachable keychain, a crash, a full disk), ``data erase --finish`` then
    knows an erase the user asked for is unfinished, and finishes it.
    Returns whether the data folder had to be created for it.
    """
    created = not paths.data_dir().exists()
    with contextlib.suppress(OSError):
        paths.write_private_text(erase_mark(), f"{time.time():.0f}\n")
    return created


def erase_unfinished() -> float | None:
    """When the unfinished ``--all`` erase started, or None if there is none."""
    try:
        text = erase_mark().read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    try:
        return float(text)
    except ValueError:
        return 0.0  # the mark's content is damaged: the erase is still unfinished


def clear_erase_mark(*, created_folder: bool = False) -> None:
    with contextlib.suppress(FileNotFoundError):
        erase_mark().unlink()
    if created_folder:
        with contextlib.suppress(OSError):
            paths.data_dir().rmdir()  # only if empty


def _describe(path: Path) -> str:
    data = paths.data_dir()
    if path == erase_mark():
        return "an unfinished `data erase --all` (when it started; `data erase --finish` ends it)"
    if path == paths.config_file():
        return "settings (no secrets; may hold your redaction terms)"
    if path.name.startswith(VAULT_FILE):
        return "kept sessions (encrypted vault)" if path.name == VAULT_FILE else "vault side file"
    if path.name.startswith(ledger_store.LEDGER_FILE):
        if path.name == ledger_store.LEDGER_FILE:
            return "egress ledger (where and how much was sent, never what)"
        return "egress ledger side file"
    with contextlib.suppress(ValueError):
        rel = path.relative_to(data)
        if rel.parts[0] == PROFILE_DIR:
            return "profile document (as you imported it)"
        if rel.parts[0] == MODELS_DIR:
            return "speech model (public download)"
    with contextlib.suppress(ValueError):
        path.relative_to(paths.log_dir())
        return "log (no transcript, prompt or key text)"
    return "cuecard file"


def _roots() -> list[Path]:
    roots: list[Path] = []
    for root in (paths.config_dir(), paths.data_dir(), paths.log_dir()):
        if not any(root == r or root.is_relative_to(r) for r in roots):
            roots.append(root)
    return roots


def files() -> list[Item]:
    """Every file under cuecard's directories, with what it is (reading none of them)."""
    items = []
    for root in _roots():
        if not root.exists():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
            size = path.lstat().st_size
            items.append(Item("file", _describe(path), str(path), size))
    return items


def keychain() -> tuple[list[Item], str | None]:
    """cuecard's keychain entries present now, or the reason the keychain cannot be read."""
    try:
        present = secrets.keychain_entries()
    except secrets.KeychainUnavailable as err:
        return [], str(err)
    items = []
    for user in present:
        what = "vault master key" if user == secrets.VAULT_MASTER_USER else f"{user} API key"
        items.append(Item("keychain", what, f"{secrets.SERVICE} / {user}"))
    return items, None


def env_keys() -> list[Item]:
    """Keys in the environment: not stored by cuecard, but in use while they are set."""
    return [
        Item("env", f"{provider} API key (environment, not stored by cuecard)", var)
        for provider, var in secrets.env_vars().items()
        if os.environ.get(var, "").strip()
    ]


def where() -> dict[str, Any]:
    entries, problem = keychain()
    return {
        "directories": {
            "config": str(paths.config_dir()),
            "data": str(paths.data_dir()),
            "logs": str(paths.log_dir()),
        },
        "files": [asdict(i) for i in files()],
        "keychain": [asdict(i) for i in entries],
        "keychain_error": problem,
        "environment": [asdict(i) for i in env_keys()],
    }


def erase_everything() -> list[str]:
    """Remove every personal thing cuecard keeps; returns what was removed.

    The keychain entries go first (through ``Vault.erase_all`` when there is a
    vault): without the master key no copy of a kept session can be read. Then
    the vault's shredded rows and files (deleted directly if the file is
    unreadable), the profile documents, the egress ledger, the logs and the
    settings file. If the keychain cannot be reached, everything else is still
    removed and ``EraseIncomplete`` names the entries that may remain: a
    half-done erase is never reported as done.
    """
    removed: list[str] = []
    left: list[str] = []
    problem: str | None = None
    path = paths.data_dir() / VAULT_FILE
    vault = None
    if path.exists():
        with contextlib.suppress(VaultError):
            vault = Vault.open(path, retention_days=None)
    if vault is not None:
        try:
            removed += vault.erase_all(profile_dir=paths.data_dir() / PROFILE_DIR)
        except EraseIncomplete as err:
            removed += err.removed
            left = err.left
            problem = str(err)
    else:
        gone, left, reason = secrets.delete_all_entries()
        removed += gone
        if left:
            problem = secrets.entries_left_message(left, reason)
    for file in vault_files(path):
        if file.exists():
            file.unlink()
            removed.append(str(file))
    removed += ledger_store.remove_files()
    for folder in (paths.data_dir() / PROFILE_DIR, paths.log_dir()):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(str(folder))
    config = paths.config_file()
    if config.exists():
        config.unlink()
        removed.append(str(config))
    if left:
        raise EraseIncomplete(problem or "erase incomplete", removed, left)
    return removed


def remaining_after_erase() -> list[Item]:
    """What ``erase --all`` leaves on purpose (downloaded models), for the CLI to say so."""
    return [i for i in files() if i.what.startswith("speech model")]
