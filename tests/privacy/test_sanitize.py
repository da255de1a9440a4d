"""Provider output is data: escape sequences are removed whole, also when split across pieces.

Each attack below is one a hostile (or compromised) provider can stream; the
payloads are the real ones (OSC 52 with a base64 ``rm -rf ~/*``, OSC 8 with a
link, a window title), so a passing test means a terminal shown the output
would do nothing but print the visible words.
"""

from __future__ import annotations

import base64
import itertools

import pytest

from cuecard.privacy.sanitize import BIDI_CONTROLS, StreamSanitizer, is_clean, sanitize

ESC = "\x1b"
ST = ESC + "\\"
CLIP = base64.b64encode(b"rm -rf ~/*\n").decode()

ATTACKS: dict[str, tuple[str, str]] = {
    # name: (provider output, what the user must see)
    "osc52 clipboard, BEL": (f"Say this{ESC}]52;c;{CLIP}\x07 now", "Say this now"),
    "osc52 clipboard, ST": (f"Say this{ESC}]52;c;{CLIP}{ST} now", "Say this now"),
    "osc52 clipboard, C1 ST": (f"Say this{ESC}]52;c;{CLIP}\x9c now", "Say this now"),
    "osc52 clipboard, C1 OSC": (f"Say this\x9d52;c;{CLIP}\x07 now", "Say this now"),
    "osc8 hyperlink": (
        f"See {ESC}]8;;https://evil.example/x{ST}the docs{ESC}]8;;{ST}.",
        "See the docs.",
    ),
    "window title": (f"{ESC}]0;pwned{ESC}\\{ESC}]2;also\x07- point one", "- point one"),
    "csi colour and cursor": (
        f"{ESC}[31;1mred{ESC}[0m {ESC}[2J{ESC}[H{ESC}[?25lok{ESC}[1A{ESC}[2K",
        "red ok",
    ),
    "c1 csi": ("a\x9b31mb\x9b2Jc", "abc"),
    "dcs": (f"x{ESC}P1$r0;0m{ST}y", "xy"),
    "dcs decrqss with payload containing BEL": (f"x{ESC}Pq\x07#0;2;0;0;0{ST}y", "xy"),
    "sos pm apc": (f"a{ESC}Xsos{ST}b{ESC}^pm{ST}c{ESC}_apc{ST}d", "abcd"),
    "c1 dcs and apc": ("a\x90dcs\x9cb\x9fapc\x9cc", "abc"),
    "reset and save cursor": (f"a{ESC}cb{ESC}7c{ESC}(Bd", "abcd"),
    "lone esc at the end": (f"done{ESC}", "done"),
    "lone esc before unicode": (f"caf{ESC}é", "café"),
    "unterminated osc": (f"keep{ESC}]52;c;{CLIP} everything after is payload", "keep"),
    "cancelled by CAN": (f"a{ESC}]0;title\x18b", "ab"),
    "c0 and del": ("a\x00b\x08c\rd\x7fe\x0bf\x0cg", "abcdefg"),
    "c1 singles": ("a\x85b\x8dc\x9cd", "abcd"),
    "bidi trojan source": ("if admin\u202e\u2066 // check\u2069\u2066 {", "if admin // check {"),
    "bidi marks": ("\u200eA\u200fB\u061cC\u202aD\u202cE\u2067F\u2068G", "ABCDEFG"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_attack_is_removed_whole(name: str) -> None:
    raw, shown = ATTACKS[name]
    assert sanitize(raw) == shown
    assert is_clean(sanitize(raw))


@pytest.mark.parametrize("name", list(ATTACKS))
def test_every_split_into_two_pieces_gives_the_same_text(name: str) -> None:
    raw, shown = ATTACKS[name]
    for cut in range(len(raw) + 1):
        stream = StreamSanitizer()
        pieces = [stream.feed(raw[:cut]), stream.feed(raw[cut:]), stream.flush()]
        assert "".join(pieces) == shown, cut
        assert all(is_clean(p) for p in pieces)


def test_a_sequence_fed_one_character_at_a_time_never_leaks_a_byte() -> None:
    raw = "".join(r for r, _ in ATTACKS.values())
    stream = StreamSanitizer()
    out = [stream.feed(ch) for ch in raw]
    assert all(is_clean(piece) for piece in out)
    assert "".join(out) + stream.flush() == sanitize(raw)


def test_plain_text_newlines_tabs_and_unicode_pass_untouched() -> None:
    text = "- Led the billing migration\n\t- Zoë's team: 40% faster, 東京, emoji 🎉 [ORG_1]"
    assert sanitize(text) == text
    stream = StreamSanitizer()
    assert stream.feed(text) is text  # no copy on the common path
    assert not stream.pending


def test_a_split_osc52_holds_no_text_back_and_resumes_after_the_terminator() -> None:
    stream = StreamSanitizer()
    assert stream.feed("Point one" + ESC) == "Point one"
    assert stream.pending
    assert stream.feed("]52;c;" + CLIP[:6]) == ""
    assert stream.feed(CLIP[6:] + ESC) == ""
    assert stream.feed("\\ and two") == " and two"
    assert not stream.pending


def test_flush_drops_an_unfinished_sequence_and_resets() -> None:
    stream = StreamSanitizer()
    assert stream.feed(f"a{ESC}]8;;https://evil.example") == "a"
    assert stream.flush() == ""
    assert stream.feed("fresh") == "fresh"


def test_nothing_a_terminal_acts_on_survives_any_input() -> None:
    """Every pair of characters drawn from the dangerous alphabet comes out clean."""
    alphabet = [ESC, "[", "]", "P", "\\", "\x07", "\x9b", "\x9d", "\x9c", "\x90", "\x18", "m",
                "5", ";", "a", "\n", "\r", "\x00", "\x7f", "\u202e", "é"]  # fmt: skip
    for a, b, c in itertools.product(alphabet, repeat=3):
        assert is_clean(sanitize(a + b + c + "z")), repr(a + b + c)


def test_bidi_list_is_the_documented_one() -> None:
    expected = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    assert {ord(c) for c in BIDI_CONTROLS} == expected
