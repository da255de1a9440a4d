"""The desktop overlay: an always-on-top window a stressed person can read at a glance.

The window only reads events and sends commands; the session runs on its own
thread and asyncio loop (``engine_thread``), so the window never waits on
audio, models or the network. Qt is imported only here and below, never by the
CLI's top level, so ``cuecard --help`` stays fast.
"""

from __future__ import annotations

__all__ = ["run_app"]


def run_app(*, demo: bool = False, fast: bool = False) -> int:
    """Open the overlay (``cuecard app``; ``demo=True`` for ``cuecard demo --gui``)."""
    from cuecard.ui.desktop.app import run_app as _run

    return _run(demo=demo, fast=fast)
