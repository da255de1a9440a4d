"""Where the desktop writes settings: only what the user changed, into their own config.toml.

config.toml is the user's file, often with their comments in it, and the
command line edits it too. So the app never rewrites it: ``save_changes``
compares the settings before and after and hands just those keys to
``cuecard.config.update``, the one comment-keeping writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cuecard import config as config_mod
from cuecard import paths
from cuecard.config import Config

Key = tuple[str, ...]


class SaveError(Exception):
    """config.toml could not be written; the message is one line for the window."""


def config_path() -> Path:
    return paths.config_file()


def _flat(data: dict[str, Any], prefix: Key = ()) -> dict[Key, Any]:
    out: dict[Key, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, (*prefix, key)))
        else:
            out[(*prefix, key)] = value
    return out


def changes(old: Config, new: Config) -> dict[Key, Any]:
    """Every setting whose value differs, as ``("assist", "provider") -> "openai"``."""
    before = _flat(old.model_dump(mode="json"))
    after = _flat(new.model_dump(mode="json"))
    return {key: value for key, value in after.items() if before.get(key) != value}


def save_changes(old: Config, new: Config, path: Path | None = None) -> Path:
    """Write what changed from ``old`` to ``new`` into config.toml; nothing else is touched.

    Through ``cuecard.config.update``, the one writer (the command line's ``config set``
    uses it too): the user's comments and order stay, and the result is validated
    before a byte is written.
    """
    path = path or config_path()
    diff = changes(old, new)
    if not diff:
        return path
    values = {
        ".".join(key): (config_mod.unset() if value is None else value)
        for key, value in _with_siblings(diff, new).items()
    }
    try:
        config_mod.update(values, file=path)
    except config_mod.ConfigError as err:
        raise SaveError(str(err)) from None
    return path


def _with_siblings(diff: dict[Key, Any], new: Config) -> dict[Key, Any]:
    """A sub-table such as [assist.local] replaces its defaults as a whole (model included),
    so a changed key in one is written with its siblings."""
    wanted = _flat(new.model_dump(mode="json"))
    out = dict(diff)
    for key in diff:
        if len(key) > 2:
            out.update({k: v for k, v in wanted.items() if k[:-1] == key[:-1] and v is not None})
    return out
