"""Filler words, counted from what the candidate said, and the words that are not fillers.

Two kinds of filler, counted differently:

- **vocal** ("um", "uh", "er", "hmm"): never words, always fillers. Whisper leaves
  them out of its text unless its decoder is primed with a disfluent previous text,
  which practice passes are (``PRACTICE_PROMPT``; measured in bench/practice_feedback.py:
  without it tiny.en wrote 1 of 60 synthetic "um"/"uh", with it 50 of 60);
- **lexical** ("like", "you know", "sort of", "kind of", "I mean", "basically",
  "literally"): words that are fillers only in some places. "I like Python",
  "do you know Kafka", "a sort of queue" are not; ", like, the main thing",
  "we, you know, sort of needed a plan" are. The rules below decide from the
  words around them, and the table in tests/practice/test_fillers.py says where
  they are right and where they are not.

A primed decoder also writes fillers that were never said ("So, uh, I, uh, so, uh…"),
and a streaming pass writes different ones on every run. So the count comes from one
deterministic pass over the whole answer with word times (``Transcriber.timed_words``),
and ``verify`` keeps a vocal filler only where the audio has its own voiced sound: at
least ``MIN_FILLER_VOICED_S`` of voiced frames between the words around it. An invented
"uh" sits in a silent pause or squeezed between two words, and has none.

``spoken_words`` counts words as they were said (fillers of the vocal kind are
not words; "40%" is two: "forty percent"), so pace is words a minute of speech.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cuecard.speech.transcriber import TimedWord


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())

PRACTICE_PROMPT = "Um, well, uh, so I think, um, that was, uh, the plan."
"""The previous text practice passes give Whisper, so it writes "um" and "uh" down.

A short sentence with the fillers in it steers the decoder's style, not its content;
among the prompts tried in bench/practice_feedback.py it counted the most fillers and did not
raise the word error rate on the speech clips.
"""

FILLER_KINDS: tuple[str, ...] = (
    "um", "uh", "er", "like", "you know", "sort of", "kind of", "I mean", "basically",
    "literally",
)  # fmt: skip
VOCAL = frozenset({"um", "uh", "er"})

_VOCAL_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:u+h*m+|h?m{2,}|hm+)$"), "um"),
    (re.compile(r"^(?:u+h+|a+h+|uhh+)$"), "uh"),
    (re.compile(r"^(?:e+r+m*|e+h+)$"), "er"),
)
_TOKEN = re.compile(r"[A-Za-z0-9][\w'’%$.-]*|[.!?]|[,;:—–]")

_NOT_FILLER_LIKE_BEFORE = _wordset(
    "i you we they he she people would 'd i'd we'd you'd they'd he'd she'd do does did don't "
    "didn't doesn't really also to feel feels felt look looks looked looking seem seems seemed "
    "sound sounds sounded something anything nothing everything more much things stuff someone "
    "somebody exactly not will might may be been would've could should can't cannot dislike "
    "a the it's what who anyone everyone nobody just"
)  # fmt: skip
"""Words after which "like" is a verb or a comparison ("I like", "looks like", "just like")."""
_LIKE_FILLER_BEFORE = _wordset(
    "and but so was were um uh er like i'm we're they're you're he's she's it's"
)
_NOT_FILLER_YOU_KNOW_BEFORE = _wordset(
    "do did don't didn't does doesn't if as would wouldn't to let will might could should may "
    "what whether how when where who why that"
)  # fmt: skip
_NOT_FILLER_YOU_KNOW_AFTER = _wordset(
    "what how why where when who whether if that about the a an him her them it this these "
    "those your my our his their its"
)  # fmt: skip
_KIND_OF_TYPE_BEFORE = _wordset(
    "a an the what this that some any one every which another no these those same all certain "
    "different new right wrong my your our his her their its first only particular specific "
    "whatever other"
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Tok:
    word: str
    """Lower case, without surrounding punctuation."""
    comma_before: bool
    comma_after: bool
    sentence_start: bool


def _tokens(text: str) -> list[_Tok]:
    raw = _TOKEN.findall(text.replace("’", "'"))
    out: list[_Tok] = []
    pending_comma = False
    start = True
    for i, item in enumerate(raw):
        if item in ".!?":
            start, pending_comma = True, False
            continue
        if item in ",;:—–":
            pending_comma = True
            continue
        word = item.lower().rstrip(".-").strip("'")
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        out.append(_Tok(word, pending_comma, nxt in (",", ";", ":", "—", "–"), start))
        pending_comma, start = False, False
    return out


def vocal_kind(word: str) -> str | None:
    """ "um", "uh" or "er" for a hesitation sound however Whisper spells it, else None."""
    w = word.lower().strip(".,!?;:-'\"")
    for pattern, kind in _VOCAL_FORMS:
        if pattern.match(w):
            return kind
    return None


def count_fillers(text: str) -> dict[str, int]:
    """Filler words in ``text`` by kind (kinds with none are left out)."""
    toks = _tokens(text)
    counts: dict[str, int] = {}

    def add(kind: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1

    skip = 0
    for i, tok in enumerate(toks):
        if skip:
            skip -= 1
            continue
        # a vocal filler between two words is not what "like" follows ("I, uh, like Go")
        back = i - 1
        while back >= 0 and vocal_kind(toks[back].word) is not None:
            back -= 1
        prev = toks[back].word if back >= 0 and not tok.sentence_start else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        nxt_word = nxt.word if nxt is not None and not nxt.sentence_start else ""
        if (kind := vocal_kind(tok.word)) is not None:
            add(kind)
        elif tok.word == "like":
            # ", like," is a filler after any word; "Like your country…" opening a sentence
            # is not (a misheard word, or a comparison), "Like, we…" is
            boxed = tok.comma_before and tok.comma_after
            set_off = tok.comma_before or tok.comma_after
            if boxed or (prev not in _NOT_FILLER_LIKE_BEFORE and prev != "" and (
                    set_off or prev in _LIKE_FILLER_BEFORE)) or (
                    tok.sentence_start and tok.comma_after):
                add("like")
        elif tok.word == "you" and nxt_word == "know":
            assert nxt is not None
            boxed = tok.comma_before and nxt.comma_after  # "to, you know, find out why"
            if prev in _NOT_FILLER_YOU_KNOW_BEFORE and not boxed:
                continue
            after = toks[i + 2].word if i + 2 < len(toks) and not nxt.comma_after else ""
            if not boxed and after in _NOT_FILLER_YOU_KNOW_AFTER and not (i + 2 < len(toks) and
                                                           toks[i + 2].sentence_start):
                continue
            add("you know")
            skip = 1
        elif tok.word in ("sort", "kind") and nxt_word == "of":
            if prev not in _KIND_OF_TYPE_BEFORE:
                add(f"{tok.word} of")
                skip = 1
        elif tok.word == "i" and nxt_word == "mean" and nxt is not None:
            if nxt.comma_after or tok.sentence_start or tok.comma_before:
                following = toks[i + 2].word if i + 2 < len(toks) else ""
                if nxt.comma_after or following not in ("it", "that", "what", "to"):
                    add("I mean")
                    skip = 1
        elif tok.word in ("basically", "literally"):
            add(tok.word)
    return counts


_UNITS_SAID = {"%": 1, "$": 1, "x": 1}
_ONES = 20


def _number_words(n: int) -> int:
    """How many words an integer takes to say ("forty" 1, "one hundred twenty" 3)."""
    if n < 0:
        return 1 + _number_words(-n)
    if n < _ONES:
        return 1
    if n < 100:
        return 1 if n % 10 == 0 else 2
    if 1900 <= n <= 2099 and n % 100 != 0:  # years are said in pairs: "twenty twenty-one"
        return _number_words(n // 100) + _number_words(n % 100)
    for size, name_words in ((10**9, 1), (10**6, 1), (1000, 1), (100, 1)):
        if n >= size:
            head, rest = divmod(n, size)
            return _number_words(head) + name_words + (_number_words(rest) if rest else 0)
    return 1


_NUMBER = re.compile(r"^\$?(\d[\d,]*)(?:\.(\d+))?(%|x|k|m)?$", re.IGNORECASE)


def _said(token: str) -> int:
    """Words a token takes to say: "40%" → 2, "1.8" → 3, "$5" → 2, "word" → 1."""
    match = _NUMBER.match(token)
    if not match:
        return 1
    whole = int(match.group(1).replace(",", "") or 0)
    count = _number_words(whole)
    if match.group(2):
        count += 1 + len(match.group(2))  # "point" and each digit
    if token.startswith("$") or match.group(3):
        count += 1
    return count


def spoken_words(text: str) -> int:
    """Words as they were said: vocal fillers are not words, numbers are counted spoken."""
    total = 0
    for raw in re.findall(r"[\w$%'’.,-]+", text):
        token = raw.strip(".,-'’")
        if not token or vocal_kind(token) is not None:
            continue
        parts = [p for p in re.split(r"-(?=[A-Za-z])", token) if p]  # "on-call" is two words
        total += sum(_said(p) for p in parts)
    return total


# -- fillers the audio shows ------------------------------------------------------------------

FRAME_S = 0.02
MIN_FILLER_VOICED_S = 0.12
"""Voiced sound a vocal filler needs of its own, between the words around it. Measured on
the Piper tune clips (tests/practice/clips): every "um"/"uh" said had 0.20-0.44 s; the
decoder's invented ones sit in silence or between two words (0-0.06 s)."""
VOICED_BELOW_PEAK_DB = 30.0
"""A frame is voiced within this many dB of the recording's loud frames (95th percentile)…"""
VOICED_FLOOR_DBFS = -45.0
"""…and above this floor (room noise on the shared human clips is -45 to -55 dBFS)."""
TAIL_S = 0.3
"""Words the decoder puts this long after the last voiced frame are its own ("Thank you.")."""

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class CheckedFillers:
    """What the answer said, with only the fillers its audio shows, and how sure the count is."""

    text: str
    counts: dict[str, int]
    dropped: int
    """Vocal fillers the decoder wrote that the audio did not show (left out of ``text``)."""
    confidence: Confidence


def voiced_frames(audio: npt.NDArray[np.float32], rate: int = 16_000) -> npt.NDArray[np.bool_]:
    """Per 20 ms frame: is there voiced sound (energy near the recording's speech level)?"""
    frame = int(FRAME_S * rate)
    n = len(audio) // frame
    if n == 0:
        return np.zeros(0, dtype=bool)
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    dbfs = 20 * np.log10(rms)
    threshold = max(VOICED_FLOOR_DBFS, float(np.percentile(dbfs, 95)) - VOICED_BELOW_PEAK_DB)
    return np.asarray(dbfs > threshold)


def _voiced_s(voiced: npt.NDArray[np.bool_], lo: float, hi: float) -> float:
    a, b = max(0, int(lo / FRAME_S)), max(0, int(np.ceil(hi / FRAME_S)))
    return float(np.count_nonzero(voiced[a:b])) * FRAME_S


def verify(words: Sequence[TimedWord], audio: npt.NDArray[np.float32],
           rate: int = 16_000) -> CheckedFillers:  # fmt: skip
    """Keep each vocal filler only where the audio shows it; count the fillers in what is left.

    A filler's window runs from the end of the word before it to the start of the word
    after it (or its own times, if wider): the decoder's times for a filler are often
    squeezed to nothing, but the sound is in that gap.
    """
    voiced = voiced_frames(audio, rate)
    loud = np.nonzero(voiced)[0]
    last_voiced = (loud[-1] + 1) * FRAME_S if len(loud) else 0.0
    kept_words = [w for w in words if w.start_s <= last_voiced + TAIL_S]
    kept: list[str] = []
    dropped = 0
    marginal = 0
    for i, word in enumerate(kept_words):
        if vocal_kind(word.text) is None:
            kept.append(word.text)
            continue
        before = next((w for w in reversed(kept_words[:i]) if vocal_kind(w.text) is None), None)
        after = next((w for w in kept_words[i + 1 :] if vocal_kind(w.text) is None), None)
        lo = min(word.start_s, before.end_s if before is not None else 0.0)
        hi = max(word.end_s, after.start_s if after is not None else last_voiced)
        own = _voiced_s(voiced, lo, hi)
        if own < MIN_FILLER_VOICED_S:
            dropped += 1
            # the comma the decoder set after it stays with the word before
            if word.text.endswith((",", ".", "?", "!")) and kept and kept[-1][-1:].isalnum():
                kept[-1] += word.text[-1]
            continue
        marginal += own < 2 * MIN_FILLER_VOICED_S
        kept.append(word.text)
    text = " ".join(kept)
    confidence: Confidence = "high" if not dropped and not marginal else (
        "medium" if dropped + marginal <= 2 else "low")  # fmt: skip
    return CheckedFillers(text, count_fillers(text), dropped, confidence)
