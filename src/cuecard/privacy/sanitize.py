"""Provider output is data: control and escape sequences are removed before anything shows it.

An answer comes from a server cuecard does not control. Printed raw, its
escape sequences act on the user's terminal: OSC 52 puts text on the
clipboard (``rm -rf ~/*`` waiting for a paste), OSC 8 hides a link behind
innocent words, OSC 0/2 retitle the window, CSI moves the cursor and rewrites
what is already on screen, DCS/APC reach terminal extensions; bidi controls
make text read differently from what it is ("Trojan Source"). rich strips
BEL-terminated OSC but not ESC-\\-terminated, so the job is done here, once,
on strings, before a terminal, the desktop, a log or an export sees them.

The parser follows the DEC/ECMA-48 state machine that terminals use
(vt100.net/emu/dec_ansi_parser), so a sequence is removed whole, payload
included, with whichever terminator it ends: BEL or ST (``ESC \\`` or the C1
ST) for OSC, ST for DCS/SOS/PM/APC, CAN/SUB for any. An unterminated string
is dropped to its end. What is kept is plain text, ``\\n`` and ``\\t``: the
output never holds ESC, another C0 or C1 control, DEL or a bidi control,
whatever the input, so even a sequence this parser misreads cannot act.

Answers stream in pieces and a sequence can be split between two of them
(``ESC ]52;c;`` + ``cm0gLXJm…BEL``); :class:`StreamSanitizer` keeps its parser
state across pieces and holds back no text: what it returns can be shown at
once. This module works on strings only and imports nothing from cuecard.
"""

from __future__ import annotations

import re
from enum import Enum, auto
from typing import Any, Final

__all__ = [
    "BIDI_CONTROLS",
    "GatedTextStream",
    "StreamSanitizer",
    "TerminalSanitizer",
    "install_terminal_gate",
    "is_clean",
    "sanitize",
]

ESC: Final = "\x1b"
BEL: Final = "\x07"
CAN: Final = "\x18"
SUB: Final = "\x1a"
C1_ST: Final = "\x9c"

BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Arabic letter mark, LRM/RLM, embeddings/overrides (LRE…RLO, PDF), isolates (LRI…PDI)."""

_UNSAFE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")
"""Anything that is not plain text: C0 except tab and newline, DEL, C1, bidi controls."""

_KEEP_C0: Final = frozenset("\n\t")


class _State(Enum):
    GROUND = auto()
    ESCAPE = auto()  # after ESC: an intermediate, a final, or the start of CSI/OSC/DCS/…
    CSI = auto()  # parameters and intermediates until a final byte 0x40–0x7E
    OSC = auto()  # a string ended by BEL or ST
    STRING = auto()  # DCS, SOS, PM, APC: a string ended by ST
    STRING_ESC = auto()  # ESC inside a string: ``ESC \\`` is ST, anything else ends it too


_AFTER_ESC: Final[dict[str, _State]] = {
    "[": _State.CSI,
    "]": _State.OSC,
    "P": _State.STRING,  # DCS
    "X": _State.STRING,  # SOS
    "^": _State.STRING,  # PM
    "_": _State.STRING,  # APC
}
_C1_INTRODUCERS: Final[dict[str, _State]] = {
    "\x9b": _State.CSI,
    "\x9d": _State.OSC,
    "\x90": _State.STRING,
    "\x98": _State.STRING,
    "\x9e": _State.STRING,
    "\x9f": _State.STRING,
}


class StreamSanitizer:
    """Strips control and escape sequences from a stream of text pieces.

    One instance per stream: ``feed`` each piece as it arrives and show what
    it returns; ``flush`` at the end (it drops a sequence left unfinished and
    returns ``""``; it exists so callers can treat this like other filters).
    State is a few bytes whatever the input: a sequence's payload is dropped
    as it arrives, never buffered.
    """

    def __init__(self) -> None:
        self._state = _State.GROUND
        self._osc = False  # the string being skipped is an OSC (BEL ends it too)

    @property
    def pending(self) -> bool:
        """True while inside an unfinished sequence (the next piece continues it)."""
        return self._state is not _State.GROUND

    def feed(self, piece: str) -> str:
        if self._state is _State.GROUND and not _UNSAFE.search(piece):
            return piece  # the common case: plain text, returned as is
        out: list[str] = []
        for ch in piece:
            self._step(ch, out)
        return "".join(out)

    def flush(self) -> str:
        self._state = _State.GROUND
        return ""

    def _ground(self, ch: str, out: list[str]) -> None:
        if ch == ESC:
            self._state = _State.ESCAPE
        elif ch in _C1_INTRODUCERS:
            self._enter(_C1_INTRODUCERS[ch], osc=ch == "\x9d")
        elif ch in _KEEP_C0 or not _UNSAFE.match(ch):
            out.append(ch)
        # any other C0, DEL, C1 or bidi control is dropped

    def _enter(self, state: _State, *, osc: bool = False) -> None:
        self._state = _State.STRING if state is _State.OSC else state
        self._osc = osc or state is _State.OSC

    def _step(self, ch: str, out: list[str]) -> None:
        state = self._state
        if state is _State.GROUND:
            self._ground(ch, out)
            return
        if ch in (CAN, SUB):  # cancel any sequence
            self._state = _State.GROUND
            return
        if state is _State.ESCAPE:
            if ch in _AFTER_ESC:
                self._enter(_AFTER_ESC[ch])
            elif ch == ESC:
                pass  # ESC ESC: the first one was lone
            elif "\x20" <= ch <= "\x2f":
                pass  # intermediate byte (``ESC ( B``): wait for the final
            elif "\x30" <= ch <= "\x7e":
                self._state = _State.GROUND  # final byte: ``ESC c``, ``ESC 7``, ``ESC \\``…
            else:
                self._state = _State.GROUND  # lone ESC: drop it, read this char as text
                self._ground(ch, out)
            return
        if state is _State.CSI:
            if "\x40" <= ch <= "\x7e":
                self._state = _State.GROUND
            elif "\x20" <= ch <= "\x3f":
                pass  # parameter or intermediate
            elif ch == ESC:
                self._state = _State.ESCAPE
            else:  # not part of a CSI: abandon it, read this char as text
                self._state = _State.GROUND
                self._ground(ch, out)
            return
        if state is _State.STRING:
            if ch == ESC:
                self._state = _State.STRING_ESC
            elif ch == C1_ST or (self._osc and ch == BEL):
                self._state = _State.GROUND
            return  # payload: dropped
        # STRING_ESC: ``ESC \\`` is ST; ESC + anything else ends the string and starts a sequence
        if ch == "\\":
            self._state = _State.GROUND
        else:
            self._state = _State.ESCAPE
            self._step(ch, out)


def sanitize(text: str) -> str:
    """``text`` without control or escape sequences (an unterminated one is dropped to the end)."""
    stream = StreamSanitizer()
    return stream.feed(text) + stream.flush()


def is_clean(text: str) -> bool:
    """True when ``text`` holds nothing a terminal would act on (plain text, newline, tab)."""
    return _UNSAFE.search(text) is None


# -- the one gate to the terminal ----------------------------------------------------

_RICH_CSI: Final = re.compile(r"[0-9;:]{0,64}m|[0-9]{0,4}[ABCDGK]|\?25[hl]")
"""The CSI sequences cuecard's own rich output uses, and nothing else: colour and style
(SGR), moving the cursor along a line or up and down (a live view redrawing itself),
erasing a line, hiding and showing the cursor. Never a title, the clipboard, a link, a
screen clear or a cursor jump to an absolute position."""
_CSI_MAX: Final = 72


class TerminalSanitizer(StreamSanitizer):
    """The gate's filter: everything ``StreamSanitizer`` removes, except what rich needs.

    Keeps a carriage return and the CSI sequences in ``_RICH_CSI`` (rebuilt from
    what was parsed, never passed through raw); any other sequence, and any
    other control character, is removed as ``sanitize`` removes it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._csi: list[str] | None = None

    def feed(self, piece: str) -> str:
        if self._state is _State.GROUND and not _UNSAFE.search(piece):
            return piece
        out: list[str] = []
        for ch in piece:
            if self._state is _State.GROUND and ch == "\r":
                out.append(ch)
            elif self._state is _State.CSI:
                self._csi_step(ch, out)
            else:
                self._step(ch, out)
                if self._in_csi():  # the step opened one: collect its parameters
                    self._csi = []
        return "".join(out)

    def _in_csi(self) -> bool:
        return self._state is _State.CSI

    def _csi_step(self, ch: str, out: list[str]) -> None:
        params = self._csi if self._csi is not None else []
        if "\x40" <= ch <= "\x7e":
            body = "".join(params) + ch
            if len(params) <= _CSI_MAX and _RICH_CSI.fullmatch(body):
                out.append(ESC + "[" + body)
            self._state = _State.GROUND
            self._csi = None
            return
        if "\x20" <= ch <= "\x3f":
            if len(params) <= _CSI_MAX:
                params.append(ch)
            self._csi = params
            return
        self._csi = None
        self._step(ch, out)  # the base class abandons the CSI the same way


class GatedTextStream:
    """``sys.stdout`` / ``sys.stderr`` behind the gate: every write is filtered first.

    Installed by ``install_terminal_gate`` at the start of every cuecard command, so
    whatever prints (cuecard's own lines, rich, typer's usage errors, a traceback,
    a library's warning) reaches the terminal through ``TerminalSanitizer``: no
    provider's model id, story title, file name or error message can set the
    window title, write the clipboard (OSC 52), hide a link or clear the screen.
    ``buffer`` is gated too (click writes bytes there).
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._filter = TerminalSanitizer()
        self.buffer = _GatedBuffer(self)

    def write(self, text: str) -> int:
        self._inner.write(self._filter.feed(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # encoding, errors, isatty, fileno, flush…
        return getattr(self._inner, name)


class _GatedBuffer:
    def __init__(self, text: GatedTextStream) -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        encoding = getattr(self._text, "encoding", None) or "utf-8"
        self._text.write(bytes(data).decode(encoding, errors="replace"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._text._inner.buffer, name)


def install_terminal_gate() -> None:
    """Put the gate in front of ``sys.stdout`` and ``sys.stderr`` (idempotent)."""
    import sys

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, GatedTextStream):
            setattr(sys, name, GatedTextStream(stream))
