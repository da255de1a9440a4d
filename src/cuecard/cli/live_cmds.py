"""Commands that use live devices or the desktop: listen, devices, app."""

from __future__ import annotations

import typer

from cuecard.cli.common import fail


def open_app(*, demo: bool = False) -> None:
    """Open the desktop overlay (``cuecard app`` / ``cuecard demo --gui``)."""
    fail("the desktop app is not part of this build yet: use the terminal view")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
