"""What the overlay shows: the shared reducer (``cuecard.ui.view``) plus the listening state.

Events are reduced exactly as in the terminal; the overlay only adds what
belongs to a window: whether the session is loading, listening, paused or
over, which the engine thread reports apart from the events, and when its
warning banner has outlived its cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cuecard.audio.levels import HEARD_AGAIN, MESSAGES, SILENT_DBFS
from cuecard.events import Event, Level, Notice, SessionEnded, Speaker, Utterance
from cuecard.ui.view import SessionView

Listening = Literal["idle", "loading", "listening", "typed", "paused", "ended", "failed"]

INFO_S = 8.0
"""An info banner ("capturing the call again") has said what it had to after this long."""


def silent_channel(message: str) -> Speaker | None:
    """The channel a silence warning is about (the watcher's own wording), else None."""
    for channel, template in MESSAGES.items():
        if message.startswith(template.split("{", 1)[0]):
            return channel
    return None


def heard_channel(message: str) -> Speaker | None:
    """The channel a "heard again" notice is about (the watcher's own wording), else None."""
    return next((ch for ch, text in HEARD_AGAIN.items() if message == text), None)


@dataclass
class OverlayState(SessionView):
    """The session as the overlay sees it; ``apply`` every event, then redraw what changed."""

    listening: Listening = "idle"
    devices: dict[str, str] = field(default_factory=dict)
    """Capture devices open now, channel to name (polled from the capture threads)."""
    notice_silent: Speaker | None = None
    """The channel the banner says is silent; it clears when that channel is heard."""
    screen_read_at: float | None = None
    """When a question was last read from the screen (privacy panel); the picture never is."""

    def apply(self, event: Event) -> None:
        if isinstance(event, Notice) and (heard := heard_channel(event.message)) is not None:
            # The watcher takes its warning back; in the overlay the banner going away says
            # it, and an info banner in its place would keep the answer's room for 8 s (or
            # cover the other channel's warning, which still stands).
            if self.notice_silent == heard:
                self.clear_notice()
            return
        super().apply(event)
        if isinstance(event, Notice):
            self.notice_silent = silent_channel(event.message)
        else:
            self._clear_if_heard(event)
        if isinstance(event, SessionEnded):
            self.set_listening("ended")

    def _clear_if_heard(self, event: Event) -> None:
        """A silence warning ends the moment its channel is heard (a Level above the
        watcher's own threshold, four a second, or an utterance): the banner must not stay
        for minutes while the interviewer's words are being transcribed."""
        channel = self.notice_silent
        if channel is None:
            return
        heard = (isinstance(event, Level) and event.channel == channel
                 and event.dbfs > SILENT_DBFS) or (
            isinstance(event, Utterance) and event.speaker == channel
        )  # fmt: skip
        if heard:
            self.clear_notice()

    def clear_notice(self) -> None:
        if self.notice:
            self.notice, self.notice_level, self.notice_silent = "", "info", None
            self.changed.add("status")

    def set_listening(self, value: Listening) -> None:
        self.listening = value
        if value in ("paused", "ended", "failed", "idle", "typed"):
            self.levels.clear()
            if self.notice_silent is not None:
                self.clear_notice()  # nothing is captured: "no audio" is no longer news
        self.changed.add("status")
