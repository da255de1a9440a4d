"""Where cuecard keeps its files, per OS (platformdirs).

``CUECARD_HOME`` points every directory at one folder: tests use it to stay
hermetic, power users to keep cuecard portable (the habit simonw/llm has with
``LLM_USER_PATH``).
"""

from __future__ import annotations

import os
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


def config_file() -> Path:
    return config_dir() / "config.toml"


def demo_recording() -> Path:
    """The bundled mock interview (a package asset, so it works from a wheel or a bundle)."""
    from importlib import resources

    return Path(str(resources.files("cuecard") / "assets" / "demo_interview.flac"))
