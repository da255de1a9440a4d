"""Where the desktop writes settings: only what the user changed, into their own config.toml.

config.toml is the user's file, often with their comments in it, and the
command line edits it too. So the app never rewrites it: ``save_changes``
compares the settings before and after, and sets (or removes) just those keys
line by line, leaving every other line as it was. This module is the one
place the desktop writes config.toml; when ``cuecard.config`` has its own
comment-keeping writer, ``save_changes`` calls it instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from cuecard import config as config_mod
from cuecard import paths
from cuecard.config import Config

Key = tuple[str, ...]


class SaveError(Exception):
    """config.toml could not be written; the message is one line for the window."""


def config_path() -> Path:
    return Path(os.environ.get("CUECARD_CONFIG") or paths.config_file())


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


_HEADER = re.compile(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$")


def _split_comment(rest: str) -> tuple[str, str]:
    """A value and its trailing comment, found where the value alone still parses."""
    for match in re.finditer(r"\s+#", rest):
        value = rest[: match.start()]
        with contextlib.suppress(tomllib.TOMLDecodeError):
            tomllib.loads(f"v = {value}")
            return value, rest[match.start() :]
    return rest, ""


def set_keys(text: str, values: dict[Key, Any]) -> str:
    """``text`` with each key set (``None``: removed), comments and order kept."""
    lines = text.splitlines()
    for key, value in values.items():
        table, name = ".".join(key[:-1]), key[-1]
        start = next(
            (i for i, line in enumerate(lines)
             if (m := _HEADER.match(line)) and m.group(1).strip() == table),
            None,
        )  # fmt: skip
        if start is None:
            if value is None:
                continue
            if lines and lines[-1].strip():
                lines.append("")
            lines += [f"[{table}]", f"{name} = {json.dumps(value)}"]
            continue
        end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])),
                   len(lines))  # fmt: skip
        assignment = re.compile(rf"^(\s*){re.escape(name)}\s*=\s*(.*)$")
        at = next((i for i in range(start + 1, end) if assignment.match(lines[i])), None)
        if value is None:
            if at is not None:
                del lines[at]
            continue
        if at is None:
            last = max((i for i in range(start, end) if lines[i].strip()), default=start)
            lines.insert(last + 1, f"{name} = {json.dumps(value)}")
            continue
        match = assignment.match(lines[at])
        assert match is not None
        _, comment = _split_comment(match.group(2))
        lines[at] = f"{match.group(1)}{name} = {json.dumps(value)}{comment}"
    return "\n".join(lines) + "\n"


def save_changes(old: Config, new: Config, path: Path | None = None) -> Path:
    """Write what changed from ``old`` to ``new`` into config.toml; nothing else is touched.

    If the file's layout defeats a line edit (inline tables, dotted keys), the
    result would not read back as ``new``: then the user's file is kept as
    ``config.toml.bak`` beside a fresh one, never silently changed.
    """
    path = path or config_path()
    diff = changes(old, new)
    if not diff:
        return path
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else config_mod.DEFAULT_TEXT
    except (OSError, UnicodeDecodeError) as err:
        raise SaveError(f"could not read {path}: {getattr(err, 'strerror', None) or err}") from None
    values = _with_siblings(diff, new)
    edited = set_keys(text, values)  # None (default device): line removed
    expected = _expected(text, values)
    if expected is None or _parse(edited) != expected:
        backup = path.with_suffix(".toml.bak")
        with contextlib.suppress(OSError):
            if path.exists():
                backup.write_bytes(path.read_bytes())
        edited = set_keys(config_mod.DEFAULT_TEXT, _with_siblings(changes(Config(), new), new))
    _write(path, edited)
    return path


def _expected(text: str, values: dict[Key, Any]) -> Config | None:
    """What the file should read as after the edit: its own settings, these values changed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    for key, value in values.items():
        table = data
        for part in key[:-1]:
            table = table.setdefault(part, {})
        if value is None:
            table.pop(key[-1], None)
        else:
            table[key[-1]] = value
    try:
        return config_mod.parse(data)
    except config_mod.ConfigError:
        return None


def _with_siblings(diff: dict[Key, Any], new: Config) -> dict[Key, Any]:
    """A sub-table such as [assist.local] replaces its defaults as a whole (model included),
    so a changed key in one is written with its siblings."""
    wanted = _flat(new.model_dump(mode="json"))
    out = dict(diff)
    for key in diff:
        if len(key) > 2:
            out.update({k: v for k, v in wanted.items() if k[:-1] == key[:-1] and v is not None})
    return out


def _parse(text: str) -> Config | None:
    try:
        return config_mod.parse(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, config_mod.ConfigError):
        return None


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
        tmp = path.with_suffix(".toml.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        tmp.replace(path)
    except OSError as err:
        raise SaveError(f"could not save the settings to {path}: {err.strerror or err}") from None
