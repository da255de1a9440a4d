"""Watching the input levels during a live session: warn about a channel that hears nothing.

The speech stage emits a ``Level`` per channel every quarter second. A
channel that stays below ``SILENT_DBFS`` for ``silence_warning_s`` gets one
``Notice`` (the classic mistake: the call plays through a headset while
cuecard records the laptop speakers). Silence in a conversation is normal
while the *other* person talks, so a channel's silence only counts while the
other channel is silent too: a muted microphone is reported during the
pauses, not while the interviewer speaks. The warning is given again after
the channel has been heard and falls silent again.

A warning is taken back as soon as its channel is heard again: an ``info``
notice goes out with the first loud ``Level`` (within a quarter second of the
audio returning), and views replace the warning with it. Without it the
warning stayed up for minutes after the interviewer's audio had returned,
while their speech was being transcribed below it.

This processor also forwards the capture's own device notices (lost,
reconnected, switched) into the event stream, because the source yields only
audio; it picks them up each time an event passes, and Level events pass
four times a second per channel whatever the devices do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from cuecard.clock import SessionClock
from cuecard.events import SPEAKERS, Event, Level, Notice, Speaker

Send = Callable[[Event], Awaitable[None]]

SILENT_DBFS = -70.0
"""Below this RMS level a channel hears nothing (a working microphone's room noise is above)."""
MAX_STEP_S = 1.0
"""Longest gap between two Levels that still counts as continuous silence."""

MESSAGES: dict[Speaker, str] = {
    "interviewer": "No audio from the interviewer for {s:.0f} s — is the call playing through "
    "another device? (`cuecard devices --test`, then --loopback NAME)",
    "you": "No audio from your microphone for {s:.0f} s — is it muted, or is another "
    "microphone in use? (`cuecard devices --test`, then --mic NAME)",
}


HEARD_AGAIN: dict[Speaker, str] = {
    "interviewer": "Hearing the interviewer again.",
    "you": "Hearing your microphone again.",
}


class NoticeSource(Protocol):
    def drain_notices(self) -> list[tuple[Literal["info", "warning"], str]]: ...


class SilenceWatcher:
    """A pipeline processor: forwards everything, adds ``Notice``s about silent channels."""

    def __init__(
        self,
        clock: SessionClock,
        silence_warning_s: float,
        *,
        source: NoticeSource | None = None,
        silent_dbfs: float = SILENT_DBFS,
    ) -> None:
        self.clock = clock
        self.limit_s = silence_warning_s
        self.source = source
        self.silent_dbfs = silent_dbfs
        self.silent_s: dict[Speaker, float] = dict.fromkeys(SPEAKERS, 0.0)
        self.heard_now: dict[Speaker, bool] = dict.fromkeys(SPEAKERS, False)
        self.last_s: dict[Speaker, float | None] = dict.fromkeys(SPEAKERS, None)
        self.warned: dict[Speaker, bool] = dict.fromkeys(SPEAKERS, False)

    async def process(self, event: Event, send: Send) -> None:
        await send(event)
        if self.source is not None:
            for level, message in self.source.drain_notices():
                await send(Notice(level, message, self.clock.now()))
        if isinstance(event, Level):
            notice = self.feed(event)
            if notice is not None:
                await send(notice)

    def feed(self, event: Level) -> Notice | None:
        """Account one level reading; a Notice when a channel just crossed the limit, or
        was heard again after its warning."""
        ch = event.channel
        last, self.last_s[ch] = self.last_s[ch], event.emitted_s
        step = 0.0 if last is None else min(MAX_STEP_S, max(0.0, event.emitted_s - last))
        if event.dbfs > self.silent_dbfs:
            self.heard_now[ch] = True
            self.silent_s[ch] = 0.0
            if self.warned[ch]:
                self.warned[ch] = False
                return Notice("info", HEARD_AGAIN[ch], event.emitted_s)
            return None
        self.heard_now[ch] = False
        other_heard = any(self.heard_now[s] for s in SPEAKERS if s != ch)
        if not other_heard:
            self.silent_s[ch] += step
        if self.silent_s[ch] >= self.limit_s and not self.warned[ch]:
            self.warned[ch] = True
            return Notice("warning", MESSAGES[ch].format(s=self.silent_s[ch]), event.emitted_s)
        return None

    async def finish(self, send: Send) -> None:
        if self.source is not None:
            for level, message in self.source.drain_notices():
                await send(Notice(level, message, self.clock.now()))
