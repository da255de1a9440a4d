"""Every message the window shows points at a place in the app, never at a command line.

The messages come from the real modules that write them (keys, providers,
capture, levels, the egress guard, the speech model), so a new command-line
hint below the UI shows up here as a failure instead of on a candidate's screen.
"""

from __future__ import annotations

import re

import pytest

from cuecard.assist.errors import Vendor, auth, missing_key
from cuecard.audio.backend import Backend
from cuecard.audio.capture import DeviceError, select_device
from cuecard.audio.levels import MESSAGES
from cuecard.privacy import secrets
from cuecard.privacy.policy import EgressBlocked, SubprocessBlocked
from cuecard.ui.desktop.plain import FALLBACK, plain

COMMANDS = "keys|profile|devices|models|data|privacy|config|demo|replay|listen|app|doctor|ask"
COMMAND_LINE = re.compile(
    rf"`|\bcuecard (?:{COMMANDS})\b|--[a-z]|CUECARD_|this shell|\b\w+(?:Error|Exception)\b"
)


def real_messages() -> list[str]:
    vendor = Vendor("openai", "OpenAI")
    out = [
        missing_key(vendor).message,
        auth(vendor, 401).message,
        *(m.format(s=10) for m in MESSAGES.values()),
        str(EgressBlocked("example.com", 443, "answer")),
        str(SubprocessBlocked("ldconfig")),
        secrets._no_keychain_message(),
        Backend.missing_hint(None, "input"),  # type: ignore[arg-type]
        Backend.missing_hint(None, "loopback"),  # type: ignore[arg-type]
        "no openai key: run `cuecard keys set openai` (using the next provider)",
        "your profile is empty: add your résumé with `cuecard profile add resume.pdf`",
        "spending guard: over 20,000 tokens in the last minute (your notes are shown meanwhile); "
        "raise assist.tokens_per_minute to allow more",
        "speech model small.en is not downloaded yet: run `cuecard models download small.en` "
        "(about 460 MB, once)",
        "cannot read the keychain (AssertionError): " + secrets._no_keychain_message(),
        "live capture is not supported on plan9; use `cuecard replay FILE`",
        "cannot reach the sound system (PulseAudio/PipeWire): AssertionError; is it running?",
    ]
    with pytest.raises(DeviceError) as err:
        select_device([], "USB", "input")
    out.append(str(err.value))
    return out


@pytest.mark.parametrize("message", real_messages())
def test_no_command_line_and_no_exception_names(message: str) -> None:
    shown = plain(message)
    assert not COMMAND_LINE.search(shown), (message, shown)
    assert len(shown) > 15 and (shown[0].isupper() or shown.startswith("cuecard "))


def test_the_fix_is_a_place_in_the_app() -> None:
    assert plain("no openai key: run `cuecard keys set openai`") == (
        "No OpenAI key: add your OpenAI key in Settings › Keys"
    )
    assert "Settings › Profile" in plain(
        "your profile is empty: add your résumé with `cuecard profile add resume.pdf`"
    )
    assert "Settings › Devices" in plain(MESSAGES["you"].format(s=10))
    assert "Settings › Answers" in plain("raise assist.tokens_per_minute to allow more")


def test_an_exception_name_alone_becomes_a_sentence() -> None:
    assert plain(
        "cannot reach the sound system (PulseAudio/PipeWire): AssertionError; is it running?"
    ) == "Cannot reach the sound system (PulseAudio/PipeWire); is it running?"
    assert plain("AssertionError") == FALLBACK
    assert plain("RuntimeError: ") == FALLBACK
    assert plain("") == ""
