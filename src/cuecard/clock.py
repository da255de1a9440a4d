"""The session clock that stamps ``emitted_s`` on every event."""

from __future__ import annotations

import time


class SessionClock:
    """Seconds since the session's audio started, from a monotonic clock.

    At real-time speed this is the wall time since the first sample; with
    ``--fast`` it still measures how long the work took.
    """

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def reset(self) -> None:
        self._t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._t0
