"""Where cuecard keeps its files, per OS (platformdirs).

``CUECARD_HOME`` points every directory at one folder: tests use it to stay
hermetic, power users to keep cuecard portable (the habit simonw/llm has with
``LLM_USER_PATH``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "cuecard"


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
    return config_dir() / "config.toml"
