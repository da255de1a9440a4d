"""What the overlay shows: the shared reducer (``cuecard.ui.view``) plus the listening state.

Events are reduced exactly as in the terminal; the overlay only adds what
belongs to a window: whether the session is loading, listening, paused or
over, which the engine thread reports apart from the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cuecard.events import Event, SessionEnded
from cuecard.ui.view import SessionView

Listening = Literal["idle", "loading", "listening", "paused", "ended", "failed"]


@dataclass
class OverlayState(SessionView):
    """The session as the overlay sees it; ``apply`` every event, then redraw what changed."""

    listening: Listening = "idle"
    screen_read_at: float | None = None
    """When a question was last read from the screen (privacy panel); the picture never is."""

    def apply(self, event: Event) -> None:
        super().apply(event)
        if isinstance(event, SessionEnded):
            self.set_listening("ended")

    def set_listening(self, value: Listening) -> None:
        self.listening = value
        if value in ("paused", "ended", "failed", "idle"):
            self.levels.clear()
        self.changed.add("status")
