"""``cuecard data where|export|erase`` and ``cuecard privacy report|policy``.

Also registers ``cuecard keys`` (cli/keys_cmds.py): keys belong to the privacy
layer that owns the keychain.
"""

from __future__ import annotations

import typer

from cuecard.cli import keys_cmds


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
    keys_cmds.register(app)
