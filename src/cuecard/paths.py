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
    os.close(open_private(path, append=True))
    with contextlib.suppress(OSError):
        path.chmod(FILE_MODE)
    return path


def open_private(path: Path, *, append: bool = False, read: bool = False) -> int:
    """A descriptor for writing ``path`` that only its owner can read, new or not.

    ``O_CREAT`` with 0600 sets the mode of a new file only: a file that already
    existed (the user's ``review.html``, 0644) kept its mode, and so its
    readers. So the descriptor is also ``fchmod``-ed to 0600 before a byte is
    written. The folder is the caller's business (a path the user chose is
    never created). A symlink is not followed. ``read``: open it for reading too.
    """
    flags = (os.O_RDWR if read else os.O_WRONLY) | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_APPEND if append else os.O_TRUNC
    fd = os.open(path, flags, FILE_MODE)
    fchmod = getattr(os, "fchmod", None)  # not on Windows before 3.13; the mode means little there
    if fchmod is not None:
        try:
            fchmod(fd, FILE_MODE)
        except OSError:
            os.close(fd)
            raise
    return fd


def write_private_file(path: Path, data: str | bytes) -> None:
    """Write a whole file as 0600, whether or not it existed (exports the user names)."""
    fd = open_private(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_private_text(path: Path, text: str) -> None:
    """Write a whole text file as 0600 in a private folder (settings, for one)."""
    private_file(path)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
