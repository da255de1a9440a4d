"""The silence watcher: a channel that hears nothing for N seconds gets one visible warning."""

from __future__ import annotations

import pytest

from cuecard.audio.levels import SilenceWatcher
from cuecard.clock import SessionClock
from cuecard.events import Event, Level, Notice, Speaker


class Devices:
    """What LiveSource.drain_notices returns: device events since the last call."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str]] = []

    def drain_notices(self) -> list[tuple[str, str]]:
        out, self.pending = self.pending, []
        return out


def levels(seconds: float, **db: float) -> list[Level]:
    """A Level per channel every 0.25 s, as the speech stage emits them."""
    out: list[Level] = []
    n = int(seconds / 0.25)
    for i in range(n):
        for channel, value in db.items():
            out.append(Level(channel, value, i * 0.25))  # type: ignore[arg-type]
    return out


async def run(watcher: SilenceWatcher, events: list[Event]) -> list[Event]:
    out: list[Event] = []

    async def send(event: Event) -> None:
        out.append(event)

    for event in events:
        await watcher.process(event, send)
    await watcher.finish(send)
    return out


def warnings(out: list[Event], who: Speaker) -> list[Notice]:
    key = "interviewer" if who == "interviewer" else "microphone"
    return [e for e in out if isinstance(e, Notice) and e.level == "warning" and key in e.message]


@pytest.mark.anyio
async def test_both_silent_both_warned_once_after_the_limit() -> None:
    out = await run(SilenceWatcher(SessionClock(), 10.0), levels(30, interviewer=-100, you=-100))
    for who in ("interviewer", "you"):
        (notice,) = warnings(out, who)  # type: ignore[arg-type]
        assert notice.emitted_s >= 10.0 and notice.emitted_s <= 10.5
    assert "is the call playing through another device" in warnings(out, "interviewer")[0].message
    assert sum(isinstance(e, Level) for e in out) == 240, "every level is forwarded"


@pytest.mark.anyio
async def test_a_heard_channel_is_not_warned_and_silence_while_the_other_talks_is_normal() -> None:
    out = await run(SilenceWatcher(SessionClock(), 10.0), levels(30, interviewer=-30, you=-100))
    assert warnings(out, "interviewer") == []
    assert warnings(out, "you") == [], "you listen while the interviewer talks"


@pytest.mark.anyio
async def test_warned_again_after_being_heard_and_falling_silent_again() -> None:
    quiet, heard = levels(12, interviewer=-100, you=-100), levels(2, interviewer=-20, you=-100)
    shift = [Level(e.channel, e.dbfs, e.emitted_s + 12) for e in heard]
    later = [Level(e.channel, e.dbfs, e.emitted_s + 14) for e in quiet]
    out = await run(SilenceWatcher(SessionClock(), 5.0), [*quiet, *shift, *later])
    assert [round(n.emitted_s) for n in warnings(out, "interviewer")] == [5, 19]


@pytest.mark.anyio
async def test_device_notices_from_the_capture_are_forwarded() -> None:
    devices = Devices()
    watcher = SilenceWatcher(SessionClock(), 10.0, source=devices)  # type: ignore[arg-type]
    devices.pending.append(("warning", "lost the device for your microphone; reconnecting…"))
    out = await run(watcher, levels(1, you=-30))
    notices = [e for e in out if isinstance(e, Notice)]
    assert [n.message for n in notices] == ["lost the device for your microphone; reconnecting…"]


@pytest.mark.anyio
async def test_a_warning_is_taken_back_within_a_level_of_the_audio_returning() -> None:
    """Issue 22: the warning stayed up for minutes after the interviewer was heard again."""
    quiet, heard = levels(6, interviewer=-100, you=-100), levels(3, interviewer=-25, you=-100)
    back_at = 6.0
    shift = [Level(e.channel, e.dbfs, e.emitted_s + back_at) for e in heard]
    out = await run(SilenceWatcher(SessionClock(), 5.0), [*quiet, *shift])
    (warning,) = warnings(out, "interviewer")
    cleared = [e for e in out if isinstance(e, Notice) and e.level == "info"]
    assert [n.message for n in cleared] == ["Hearing the interviewer again."]
    assert out.index(warning) < out.index(cleared[0])
    assert back_at <= cleared[0].emitted_s <= back_at + 0.25
    assert not [e for e in out if isinstance(e, Notice) and "microphone again" in e.message]
