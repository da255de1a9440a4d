"""Text from outside is data: no terminal escape or control sequence gets through.

A provider's answer reaches a terminal, the desktop, a log and an export. An
escape sequence in it could put a command on the clipboard (OSC 52), disguise
a link (OSC 8), retitle the window, move the cursor, or reorder text with
bidi controls. These are removed, whatever terminates them; a sequence split
across two streamed pieces is held back until it is complete (or proven not
to be one), so streaming cannot smuggle one through.
"""

from __future__ import annotations

import re
from typing import Final

_BIDI: Final = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# ESC-introduced: CSI, OSC/DCS/SOS/PM/APC strings (terminated by BEL, ST or ESC \), and any
# other two-character escape. C1 (8-bit) introducers behave the same.
_SEQUENCE: Final = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]|\x1b(?!\\))*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"  # other escapes (charset selection, RIS, ...)
)
# What may still turn into a sequence when more text arrives.
_UNFINISHED: Final = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*$"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]|\x1b(?!\\))*\x1b?$"
    r"|\x1b[ -/]*$"
)
_CONTROLS: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")
"""C0 except tab and newline, DEL, C1, and bidi controls."""

MAX_HELD: Final = 4096
"""An unterminated string longer than this is dropped: it can only be an attack."""


def strip_controls(text: str) -> str:
    """``text`` without escape sequences (whole, as far as they go) and control characters."""
    return _CONTROLS.sub("", _SEQUENCE.sub("", text.replace("\r\n", "\n")))


class StreamSanitizer:
    """``strip_controls`` for text that arrives in pieces."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = _SEQUENCE.sub("", self._held + piece)
        self._held = ""
        match = _UNFINISHED.search(text)
        if match is not None:
            held = text[match.start() :]
            text = text[: match.start()]
            self._held = held if len(held) <= MAX_HELD else ""
        return strip_controls(text)

    def flush(self) -> str:
        """The end of the stream: an unfinished sequence is dropped, never shown."""
        self._held = ""
        return ""
