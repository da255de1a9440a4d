"""Where cuecard keeps its files, per OS (platformdirs), and how it creates them privately.

``CUECARD_HOME`` points every directory at one folder: tests use it to stay
hermetic, power users to keep cuecard portable (the habit simonw/llm has with
``LLM_USER_PATH``).

Nothing here creates a directory until a caller is about to write: commands that
only read (``data where``, ``privacy report``, ``config show``) leave no trace.
What cuecard writes (settings that hold redaction terms, logs, the egress
ledger, the vault) is the user's business only, so on POSIX its folders are
0700 and its files 0600, whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import platformdirs

APP = "cuecard"
DIR_MODE = 0o700
FILE_MODE = 0o600


def _home() -> Path | None:
    home = os.environ.get("CUECARD_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))


def log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP, appauthor=False))


def runtime_dir() -> Path:
    """Files that live only while a session runs (device locks): private to the user.

    Where Linux has no XDG_RUNTIME_DIR, platformdirs would fall back to a
    shared /tmp folder anyone can create first; the state dir is private.
    """
    home = _home()
    if home:
        return home / "run"
    if sys.platform not in ("win32", "darwin") and not os.environ.get("XDG_RUNTIME_DIR"):
        return Path(platformdirs.user_state_dir(APP, appauthor=False))
    return Path(platformdirs.user_runtime_dir(APP, appauthor=False))


def config_file() -> Path:
    """The settings file: ``CUECARD_CONFIG`` when set, else ``config.toml`` in the config dir.

    The one place the path is decided, so the reader, the writers (``config
    set``, ``listen --save``, the desktop settings), ``data where`` and ``data
    erase`` always mean the same file.
    """
    chosen = os.environ.get("CUECARD_CONFIG")
    return Path(chosen) if chosen else config_dir() / "config.toml"


def demo_recording() -> Path:
    """The bundled mock interview (a package asset, so it works from a wheel or a bundle)."""
    from importlib import resources

    return Path(str(resources.files("cuecard") / "assets" / "demo_interview.flac"))


def _is_ours(path: Path) -> bool:
    """A folder cuecard may lock down: its own (``…/cuecard/…``) or under ``CUECARD_HOME``.

    Shared parents such as ``~/.config`` or ``~/.local/state`` are never touched.
    """
    home = _home()
    if home is not None and (path == home or path.is_relative_to(home)):
        return True
    return APP in path.parts


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) so that every folder of cuecard's own is 0700.

    ``mkdir(parents=True, mode=…)`` applies the mode to the last folder only, so
    the missing ones are made one by one. An existing folder of ours is
    tightened too (an older cuecard made them 0755). Chmod failures are ignored:
    on Windows the mode bits mean little, and the user's profile is already private.
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
        if _is_ours(folder):
            with contextlib.suppress(OSError):
                folder.chmod(DIR_MODE)
    with contextlib.suppress(OSError):
        if _is_ours(path):
            path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists as a 0600 file in a private folder, before anyone writes to it.

    Created with ``O_CREAT`` and mode 0600 in one call, so there is no moment in
    which it is readable by others (a later ``chmod`` would leave one).
    """
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    os.close(fd)
    with contextlib.suppress(OSError):
        path.chmod(FILE_MODE)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Write a whole text file as 0600 in a private folder (settings, for one)."""
    private_file(path)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
