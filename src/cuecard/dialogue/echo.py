"""Dropping the interviewer's voice when it leaks into your microphone.

On laptop speakers the microphone hears the call too, so the same sentence
would be transcribed twice: once from the loopback (``interviewer``) and
once, a little later and a little worse, from the microphone (``you``). An
echo is recognised by both signs at once: the ``you`` utterance overlaps an
interviewer utterance in time, and most of its words (or words very like
them) appear in what the interviewer said then. Such a ``you`` utterance is dropped with all
its partials; the interviewer's copy (the clean one) is kept.

``you`` partials are held back while an interviewer utterance is concurrent,
and during the first ``HOLD_S`` of any ``you`` utterance (the echo's
transcript can come out before the interviewer's), so an echo rarely shows
even for a moment. A ``you`` final close to interviewer speech is decided
once the interviewer's transcript has reached past it, or ``HOLD_FINAL_MAX_S``
later on the session clock (every event, Levels included, moves it on). A ``you`` partial
that was already shown and is then recognised as echo gets no final.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from cuecard.events import Event, Utterance

log = logging.getLogger(__name__)

Send = Callable[[Event], Awaitable[None]]

SLACK_S = 0.3
"""A ``you`` utterance starting this long after an interviewer utterance ended is still concurrent.

Small on purpose: an answer that repeats the question ("I want to work at
Northwind.") starts after a reaction time, an echo starts with the question.
"""
LEAD_S = 1.0
"""...and one ending this long before an interviewer utterance starts (the VADs cut a
sentence at different pauses, so a fragment of the echo can sit just before it)."""
HOLD_FINAL_MAX_S = 2.0
"""A ``you`` final near interviewer speech waits for the interviewer's transcript to reach
past it (it can come out later, more so on a busy CPU), but no longer than this (clock)."""
MATCH = 0.6
"""Share of the ``you`` words (by length) the interviewer also said that makes an echo."""
HOLD_S = 1.5
"""``you`` partials of an utterance younger than this are not shown yet."""
KEEP_S = 60.0
"""How long interviewer utterances are remembered for comparison."""

_WORD = re.compile(r"[a-z0-9']+")
SIMILAR = 0.75
"""Two words this similar (difflib ratio) are the same word heard twice ("America"/"Americans")."""


def words(text: str) -> list[str]:
    """Lower-case words of two letters or more (one-letter words carry no evidence)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1]


def _similar(word: str, theirs: set[str]) -> bool:
    if word in theirs:
        return True
    return any(
        SequenceMatcher(None, word, other, autojunk=False).ratio() >= SIMILAR for other in theirs
    )


def is_echo(you: str, interviewer: list[str]) -> bool:
    """Whether ``you`` repeats the concurrent interviewer utterances ``interviewer``.

    The microphone's copy goes through speakers, a room and another Whisper
    pass, so its words come out a little different ("I fell in America" for
    "my fellow Americans"): a word counts as heard when the interviewer said
    a similar one, and the share is weighted by word length, so long words
    (the evidence) count more than "in" or "to". One- and two-word
    utterances are echo only when every word was said; an utterance of
    nothing but one-letter fragments ("S.") is a fragment of the echo.
    """
    if not you.strip():
        return False
    said = words(you)
    theirs = {w for text in interviewer for w in words(text)}
    if not theirs:
        return False
    if not said:
        return True
    heard = [w for w in said if _similar(w, theirs)]
    if len(said) < 3:
        return len(heard) == len(said)
    return sum(map(len, heard)) / sum(map(len, said)) >= MATCH


def _short_inside(you: Utterance, concurrent: list[_Seen]) -> bool:
    """A one- or two-word mic utterance (final) heard entirely while the interviewer spoke.

    Finals only: an early partial of a long sentence is short too, and
    dropping it would drop the whole utterance.

    Two Whisper passes over two or three words of the same sound can disagree
    completely ("as not." against "Lock!"), so words cannot decide it; timing
    can. What a candidate says in two words over the interviewer ("yeah",
    "right") is not worth answering, so nothing of value is lost.
    """
    if len(words(you.text)) > 2:
        return False
    return any(seen.start_s <= you.start_s and you.end_s <= seen.end_s + SLACK_S
               for seen in concurrent)  # fmt: skip


@dataclass
class _Seen:
    start_s: float
    end_s: float
    text: str


class EchoFilter:
    """A pipeline processor: forwards every event except ``you`` utterances that echo."""

    def __init__(self) -> None:
        self.interviewer: dict[int, _Seen] = {}
        self.dropped: set[int] = set()
        self.shown: dict[int, Utterance] = {}
        self.held: list[Utterance] = []
        self.heard_until = 0.0  # audio time the interviewer's transcript has reached
        self.echoes = 0

    def _concurrent(self, start_s: float, end_s: float) -> list[_Seen]:
        return sorted(
            (
                seen
                for seen in self.interviewer.values()
                if seen.start_s - LEAD_S <= end_s and seen.end_s + SLACK_S >= start_s
            ),
            key=lambda seen: seen.start_s,
        )

    def _near_interviewer(self, event: Utterance) -> bool:
        return any(seen.end_s >= event.start_s - LEAD_S for seen in self.interviewer.values())

    async def process(self, event: Event, send: Send) -> None:
        if isinstance(event, Utterance) and event.speaker == "interviewer":
            self._remember(event)  # before releasing: it may be what a held final echoes
        await self._release(event.emitted_s, send)
        if not isinstance(event, Utterance) or event.speaker == "interviewer":
            await send(event)
            return
        if event.id in self.dropped:
            return
        if event.final and self._near_interviewer(event):
            self.held.append(event)
            return
        await self._decide(event, send)

    async def _decide(self, event: Utterance, send: Send) -> None:
        concurrent = self._concurrent(event.start_s, event.end_s)
        if concurrent and (
            is_echo(event.text, [seen.text for seen in concurrent])
            or (event.final and _short_inside(event, concurrent))
        ):
            self._drop(event.id)
            return
        if not event.final and (concurrent or event.end_s - event.start_s < HOLD_S):
            return
        if event.final:
            self.shown.pop(event.id, None)
        else:
            self.shown[event.id] = event
        await send(event)

    async def _release(self, now: float | None, send: Send) -> None:
        """Decide the held finals whose wait is over (all of them when ``now`` is None)."""
        ready = [
            u for u in self.held
            if now is None or now >= u.emitted_s + HOLD_FINAL_MAX_S
            or self.heard_until >= u.end_s + LEAD_S
        ]  # fmt: skip
        if ready:
            self.held = [u for u in self.held if u not in ready]
            for utterance in ready:
                await self._decide(utterance, send)

    def _remember(self, event: Utterance) -> None:
        self.interviewer[event.id] = _Seen(event.start_s, event.end_s, event.text)
        self.heard_until = max(self.heard_until, event.end_s)
        horizon = event.end_s - KEEP_S
        for uid in [uid for uid, seen in self.interviewer.items() if seen.end_s < horizon]:
            del self.interviewer[uid]
        # A ``you`` partial already on screen that turns out to be this sentence's echo.
        for uid, shown in list(self.shown.items()):
            concurrent = self._concurrent(shown.start_s, shown.end_s)
            if concurrent and is_echo(shown.text, [seen.text for seen in concurrent]):
                del self.shown[uid]
                self._drop(uid)

    def _drop(self, uid: int) -> None:
        if uid not in self.dropped:
            self.dropped.add(uid)
            self.echoes += 1
            log.debug("dropped a microphone utterance that echoed the interviewer")

    async def finish(self, send: Send) -> None:
        await self._release(None, send)
