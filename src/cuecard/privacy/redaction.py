"""Optional redaction: personal details become stable placeholders before a prompt leaves.

With ``privacy.redact`` on, e-mail addresses, phone numbers, URLs, postal
codes (US ZIP, UK postcode) and the user's own list of terms (their name,
employers, colleagues) are replaced by ``[EMAIL_1]``, ``[PHONE_1]``,
``[PERSON_1]``, ``[ORG_1]``… in what is sent, and put back in what the user
reads. Within one session the same thing always gets the same placeholder, so
the model can still say "at [ORG_1] you…" and it reads naturally once restored.

Matching is deterministic and careful about the text a transcript produces:
whole words only ("Ann" never hits "Annual"), plural and possessive forms
("Paylane's", "Paylanes") map to the term's placeholder with the ending kept,
case and accents are ignored (Whisper writes "Zoe" for "Zoë", "jose" for
"José"; ``casefold`` handles "ß"/"SS"), and longer terms win over the shorter
terms inside them ("Ann Lee" before "Ann").

Terms may carry a kind: ``person:Ann Lee``, ``org:Paylane``, ``place:Leeds``;
a bare term becomes ``[TERM_n]``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

TERM_KINDS: Final[dict[str, str]] = {
    "person": "PERSON",
    "org": "ORG",
    "company": "ORG",
    "employer": "ORG",
    "place": "PLACE",
    "term": "TERM",
}
LABELS: Final = ("URL", "EMAIL", "PHONE", "POSTCODE", "PERSON", "ORG", "PLACE", "TERM")
_PRIORITY: Final = {label: i for i, label in enumerate(LABELS)}
"""When spans overlap, the earlier label wins: a URL or address swallows the name inside it."""

PLACEHOLDER: Final = re.compile(r"\[(" + "|".join(LABELS) + r")_(\d+)\]")
_PARTIAL_PLACEHOLDER: Final = re.compile(r"\[[A-Z]{0,8}(?:_\d{0,4})?$")

_SUFFIXES: Final = r"(?P<suffix>'s|’s|es|s|'|’)?"

_URL = re.compile(
    r"(?i)(?<![\w@])(?:https?://|www\.)[^\s<>\"'`]+"
    r"|(?<![\w@.])(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|ai|app|co|me|uk|de|fr|eu)"
    r"(?:/[^\s<>\"'`]*)?(?![\w@])"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONES = (
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\w)"),  # +44 20 7946 0958
    re.compile(r"(?<![\w(])(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)"),  # (415) 555-0134
    re.compile(r"(?<![\w+])0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?!\w)"),  # 020 7946 0958
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    "NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_ZIP_AFTER_STATE = re.compile(
    r"\b(?:" + _US_STATES + r"),?\s+(?P<code>\d{5}(?:-\d{4})?)(?!\w)"
)
_ZIP_PLUS4 = re.compile(r"(?<![\w-])(?P<code>\d{5}-\d{4})(?!\w)")
_UK_POSTCODE = re.compile(
    r"(?i)(?<!\w)(?P<code>GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Term:
    """One thing the user wants kept to themselves, and what kind of thing it is."""

    text: str
    label: str = "TERM"

    @classmethod
    def parse(cls, raw: str) -> Term:
        """``org:Paylane`` → Term("Paylane", "ORG"); a bare term is a TERM."""
        head, sep, rest = raw.partition(":")
        if sep and head.strip().lower() in TERM_KINDS and rest.strip():
            return cls(_nfc(rest.strip()), TERM_KINDS[head.strip().lower()])
        return cls(_nfc(raw.strip()))


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int  # end of the redacted part; a kept suffix follows it
    label: str
    key: str  # what makes two mentions "the same"
    restore_to: str


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded text, and for each folded character its index in ``text``."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


class Redactor:
    """Replaces personal details with placeholders, and puts them back.

    One instance per session: it remembers which placeholder stands for what,
    so a name gets the same placeholder in every prompt of the session.
    Deterministic: the same inputs in the same order give the same output.
    """

    def __init__(self, terms: Iterable[str | Term] = (), *, patterns: bool = True) -> None:
        parsed = [t if isinstance(t, Term) else Term.parse(t) for t in terms]
        self._terms = [t for t in parsed if _fold(t.text)[0].strip()]
        self._patterns = patterns
        self._forward: dict[tuple[str, str], str] = {}
        self._back: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._term_regex = self._build_term_regex()

    def _build_term_regex(self) -> re.Pattern[str] | None:
        if not self._terms:
            return None
        # longest first, so "Ann Lee" is tried before "Ann" at the same position
        order = sorted(
            range(len(self._terms)), key=lambda i: (-len(self._terms[i].text), i)
        )
        alternatives = []
        for i in order:
            tokens = _fold(self._terms[i].text)[0].split()
            alternatives.append(f"(?P<t{i}>" + r"\s+".join(re.escape(t) for t in tokens) + ")")
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")" + _SUFFIXES + r"(?!\w)")

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder → what it stands for (for the prompt inspector; stays on the device)."""
        return dict(self._back)

    # -- finding ----------------------------------------------------------------

    def _pattern_spans(self, text: str) -> list[_Span]:
        spans: list[_Span] = []

        def add(start: int, end: int, label: str, key: str) -> None:
            spans.append(_Span(start, end, label, key, text[start:end]))

        for m in _URL.finditer(text):
            url = m.group(0).rstrip(".,;:!?)]}'\"")
            add(m.start(), m.start() + len(url), "URL", url)
        for m in _EMAIL.finditer(text):
            add(m.start(), m.end(), "EMAIL", m.group(0).casefold())
        for pattern in _PHONES:
            for m in pattern.finditer(text):
                digits = _digits(m.group(0))
                if 8 <= len(digits) <= 15:
                    add(m.start(), m.end(), "PHONE", digits.lstrip("0")[-10:])
        for pattern in (_ZIP_AFTER_STATE, _ZIP_PLUS4, _UK_POSTCODE):
            for m in pattern.finditer(text):
                code = m.group("code")
                add(m.start("code"), m.end("code"), "POSTCODE", code.upper().replace(" ", ""))
        return spans

    def _term_spans(self, text: str) -> list[_Span]:
        if self._term_regex is None:
            return []
        folded, index = _fold(text)
        spans = []
        for m in self._term_regex.finditer(folded):
            which = next(k for k, v in m.groupdict().items() if k != "suffix" and v is not None)
            term = self._terms[int(which[1:])]
            start = index[m.start()]
            end_folded = m.start("suffix") if m.group("suffix") else m.end()
            end = index[end_folded - 1] + 1
            spans.append(_Span(start, end, term.label, _fold(term.text)[0], term.text))
        return spans

    # -- replacing --------------------------------------------------------------

    def _placeholder(self, span: _Span) -> str:
        key = (span.label, span.key)
        found = self._forward.get(key)
        if found is None:
            self._counts[span.label] = self._counts.get(span.label, 0) + 1
            found = f"[{span.label}_{self._counts[span.label]}]"
            self._forward[key] = found
            self._back[found] = span.restore_to
        return found

    def redact(self, text: str) -> str:
        """``text`` with every detail replaced by its placeholder (NFC-normalised)."""
        text = _nfc(text)
        candidates = self._term_spans(text)
        if self._patterns:
            candidates += self._pattern_spans(text)
        candidates.sort(key=lambda s: (_PRIORITY[s.label], -(s.end - s.start), s.start))
        chosen: list[_Span] = []
        for span in candidates:
            if all(span.end <= c.start or span.start >= c.end for c in chosen):
                chosen.append(span)
        chosen.sort(key=lambda s: s.start)
        out: list[str] = []
        pos = 0
        for span in chosen:
            out.append(text[pos : span.start])
            out.append(self._placeholder(span))
            pos = span.end
        out.append(text[pos:])
        return "".join(out)

    def restore(self, text: str) -> str:
        """Put back what each known placeholder stands for; unknown ones stay as they are."""
        return PLACEHOLDER.sub(lambda m: self._back.get(m.group(0), m.group(0)), text)

    def stream_restorer(self) -> StreamRestorer:
        return StreamRestorer(self)


class StreamRestorer:
    """Restores a streamed answer piece by piece, holding back a placeholder split across pieces.

    ``[OR`` + ``G_1]'s team`` must reach the screen as ``Paylane's team``, not
    as a flash of ``[OR``.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        cut = text.rfind("[")
        if cut != -1 and _PARTIAL_PLACEHOLDER.match(text[cut:]):
            text, self._held = text[:cut], text[cut:]
        return self._redactor.restore(text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self._redactor.restore(text)

