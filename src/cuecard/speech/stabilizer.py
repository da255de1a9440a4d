"""Partial text that never jumps back (LocalAgreement-2).

A word becomes stable once two successive passes over the growing utterance
agree on it; stable words are frozen on screen and passed to Whisper as a forced
prefix, so neither later partials nor the final change them.
"""

from __future__ import annotations

import re

_PUNCT = re.compile(r"[^\w']+")


def norm(word: str) -> str:
    return _PUNCT.sub("", word.casefold())


class Stabilizer:
    """Tracks one utterance's stable prefix across passes."""

    def __init__(self) -> None:
        self.stable_words: list[str] = []
        self._previous_tail: list[str] = []

    @property
    def stable(self) -> str:
        return " ".join(self.stable_words)

    def update(self, continuation: str, *, holdback: int = 1) -> tuple[str, str]:
        """Take a pass's text after the stable prefix; return (text, stable).

        The last ``holdback`` words of a pass never become stable: they sit at
        the edge of the audio heard so far, where Whisper guesses most.
        """
        tail = continuation.split()
        agreed = 0
        for new, old in zip(
            tail[: max(0, len(tail) - holdback)], self._previous_tail, strict=False
        ):
            if norm(new) != norm(old) or not norm(new):
                break
            agreed += 1
        self.stable_words += tail[:agreed]
        self._previous_tail = tail[agreed:]
        return self._join(tail[agreed:]), self.stable

    def commit(self, words: list[str]) -> None:
        """Make ``words`` stable now (they were heard before a pause)."""
        self.stable_words += words
        self._previous_tail = []

    def finish(self, continuation: str) -> str:
        """The final text: the stable words, then the final pass's continuation."""
        self.stable_words += continuation.split()
        self._previous_tail = []
        return self.stable

    def _join(self, tail: list[str]) -> str:
        return " ".join(self.stable_words + tail)
