"""Small per-user window preferences (geometry, shortcuts, first run done): not settings.

They live beside config.toml as ``desktop.json`` and need no validation: a file
that cannot be read is treated as empty, and one that cannot be written costs
only a remembered window position. Like every file of cuecard's, it is 0600 in
a 0700 folder.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cuecard import paths

log = logging.getLogger(__name__)

PREFS_FILE = "desktop.json"


def prefs_path() -> Path:
    return paths.config_dir() / PREFS_FILE


def load_prefs() -> dict[str, Any]:
    try:
        data = json.loads(prefs_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_prefs(data: dict[str, Any]) -> None:
    try:
        paths.write_private_text(prefs_path(), json.dumps(data, indent=1))
    except OSError:
        log.info("could not save window preferences")
