"""Messages from below, rewritten for someone who only has the window.

The lower layers write one-line messages for the command line: "run `cuecard
keys set openai`", "pass --mic NAME", "put the key in CUECARD_OPENAI_KEY for
this shell". In the desktop app those point nowhere: the fix is a place in the
app (Settings › Keys), and a raw exception name ("AssertionError") means
nothing to a stressed candidate. Every message the window shows goes through
``plain`` first; the table below maps each command-line fix to the place in
the app that does the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

FALLBACK = "Something went wrong. Try again; if it keeps happening, restart cuecard."

_EXCEPTION = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Group)"

# (pattern, replacement), applied in order. Specific fixes first, generic clean-up last.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), r)
    for p, r in (
        # keys
        (
            r"\s*(?:,|;|—|-)?\s*or put the key in CUECARD_\w+(?:\s*/\s*CUECARD_\w+)* for this "
            r"shell(?: instead)?",
            "",
        ),
        (r"\s+or set CUECARD_\w+", ""),
        (r";\s*on a headless machine[^)]*", ""),
        (r"run `cuecard keys set (\w+)`", "add your {1} key in Settings › Keys"),
        (r"`cuecard keys set(?: \w+)?`", "Settings › Keys"),
        (r"\b(openai|anthropic|google) key\b", "{1} key"),
        # profile
        (
            r"(?:add your résumé )?with `cuecard profile add[^`]*`",
            "add your résumé in Settings › Profile",
        ),
        (r"`cuecard profile (?:list|remove)[^`]*`[^;.]*", "see Settings › Profile"),
        # devices
        (
            r"\(`cuecard devices(?: --test)?`, then --(?:mic|loopback) NAME\)",
            "(pick it in Settings › Devices, where Test shows what each device hears)",
        ),
        (r"\((?:see|check with) `cuecard devices[^`]*`\)", "(see Settings › Devices)"),
        (r"check with `cuecard devices[^`]*`", "check in Settings › Devices"),
        (r"pass --mic NAME", "pick one in Settings › Devices"),
        (r"pick two with --mic and --loopback", "pick two different ones in Settings › Devices"),
        (r"--(?:mic|loopback) [\w'\"]+:", "the chosen device:"),
        # speech model
        (
            r"run `cuecard models download [^`]*`[^;.]*",
            "choose tiny.en (it comes with cuecard) in Settings › Speech",
        ),
        (r"`cuecard models download[^`]*`", "a download from the command line"),
        # privacy and data
        (r"`cuecard privacy report` lists", "the privacy light in the status bar lists"),
        (r"`cuecard data erase --all`", "Erase all my data (privacy panel › Your data)"),
        (r";?\s*`cuecard data export[^`]*`[^;]*;?", ";"),
        (r"`cuecard data where` lists them", "the privacy panel lists what is kept"),
        # sessions
        (r"\s*(?:;|,|:|—)?\s*(?:use|try) `cuecard replay[^`]*`", ""),
        (r"`cuecard demo --gui`", "the demo"),
        # settings by their config key
        (r"raise assist\.tokens_per_minute", "raise Tokens per minute in Settings › Answers"),
        (r"`cuecard config show`", "Settings"),
        # anything else that is a command line
        (r"\s*\(?`cuecard [^`]*`\)?", ""),
        (r"\s*,?\s*(?:or )?`[^`]*`", ""),
        # exception names, never shown
        (rf"\s*\({_EXCEPTION}(?::[^)]*)?\)", ""),
        (rf"\b{_EXCEPTION}\b:?\s*", ""),
    )
)


_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google"}


def _replace(replacement: str) -> Callable[[re.Match[str]], str]:
    def sub(match: re.Match[str]) -> str:
        groups = [match.group(0), *(_NAMES.get(g, g) for g in match.groups(""))]
        return replacement.format(*groups)

    return sub


def plain(message: str) -> str:
    """``message`` with command-line fixes turned into places in the app, one line."""
    text = " ".join(str(message).split())
    if not text:
        return ""
    for pattern, replacement in _RULES:
        text = pattern.sub(_replace(replacement), text)
    for place in set(re.findall(r"Settings › \w+", text)):  # said once is enough
        first = text.index(place) + len(place)
        text = text[:first] + text[first:].replace(f" (see {place})", "")
    text = re.sub(r"[:;,]\s*(?=[;:,.])", "", text)
    text = re.sub(r"\s*;\s*(?:;\s*)+", "; ", text)
    text = re.sub(r"\s+([,;.:)])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = text.strip(" ;,:—-")
    if not re.search(r"[A-Za-z]{3}", text):
        return FALLBACK
    return text if text.startswith("cuecard") else text[:1].upper() + text[1:]
