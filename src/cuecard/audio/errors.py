"""The one exception the audio stage raises for bad input.

Every problem with a recording or a device (missing file, not audio, too many
channels, a decoder failing half-way) becomes an ``AudioError`` whose message is
one line that names the file and says what to do, so the CLI can print it with
``cuecard.cli.common.fail`` instead of a traceback.
"""

from __future__ import annotations

FORMATS = "WAV, FLAC, MP3, OGG, M4A"
"""What the help and the error messages promise cuecard reads."""


class AudioError(Exception):
    """A recording or device cuecard cannot use; ``str(err)`` is one actionable line."""

    def __init__(self, message: str) -> None:
        # A decoder's message can carry newlines; the promise is one line.
        super().__init__(" ".join(message.split()))
