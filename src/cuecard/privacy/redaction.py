"""Optional redaction: personal details become stable placeholders before a prompt leaves.

With ``privacy.redact`` on, e-mail addresses, phone numbers, URLs, postal
codes (US ZIP, UK postcode) and the user's own list of terms (their name,
employers, colleagues) are replaced by ``[EMAIL_1]``, ``[PHONE_1]``,
``[PERSON_1]``, ``[ORG_1]``… in what is sent, and put back in what the user
reads. Within one session the same thing always gets the same placeholder, so
the model can still say "at [ORG_1] you…" and it reads naturally once restored.

Matching is deterministic and careful about the text real documents and
transcripts contain:

- whole words only ("Ann" never hits "Annual"), where ``_``, ``-``, ``.``
  and a change from lower to upper case also end a word, so a file name or a
  title is caught: ``Alex_Rivera_Resume.md``, ``AlexRiveraCV.pdf``;
- the words of a term may be joined by spaces, line breaks, underscores,
  hyphens, dots or nothing (``Alex Rivera``, ``alex_rivera``, ``AlexRivera``);
  a word may be hyphenated at a line break (``Pay-\nlane``, or ``Pay- lane`` once
  a document reader has joined the lines, a soft hyphen included);
- plural and possessive forms ("Paylane's", "Paylanes") map to the term's
  placeholder with the ending kept;
- case, accents and look-alikes are ignored: NFKC (fullwidth ``Ａｌｅｘ``,
  ligatures, mathematical letters), the Cyrillic and Greek letters that look
  Latin (``Аlex`` with a Cyrillic А), invisible characters inside a name
  (every default-ignorable code point and format character: zero-width
  spaces and joiners, the combining grapheme joiner, variation selectors,
  tags, the Mongolian vowel separator, Hangul fillers, bidi controls), and a
  compatibility symbol glued to a name (``Paylane™`` reads as "Paylane" and
  "TM", not "PaylaneTM"); Whisper writes "Zoe"
  for "Zoë", ``casefold`` handles "ß"/"SS";
- longer terms win over the shorter terms inside them ("Ann Lee" before "Ann").

Terms may carry a kind: ``person:Ann Lee``, ``org:Paylane``, ``place:Leeds``;
a bare term becomes ``[TERM_n]``. For a ``person:`` the common ways to write
the same name are derived and matched too (see :meth:`Redactor.variants`):
surname first ("Rivera, Alex"), initials ("A. Rivera", "Alex R."), and the
first name or surname alone when no other term shares it and it is written
capitalised (so "person:Will Smith" hides "Will" but not "you will").

This module works on strings only; it imports nothing from the answer side.
"""

from __future__ import annotations

import functools
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
_START: Final = r"(?<![^\W_])"
_END: Final = r"(?![^\W_])"
"""Word edges where ``_`` is a separator, not a letter (``\\b`` counts it as one)."""

_CAMEL: Final = "\x1f"
"""Put into the folded text where lower case turns upper (``AlexRivera``): a word edge."""
_SEP: Final = r"[\s_\-‐‑.\x1f]*"
"""Between the words of a term: spaces, line breaks, ``_``, hyphens, dots, a case change."""
_INTRA: Final = r"(?:\x1f|[\-‐‑\xad]\s*)?"
"""Inside a word: a case change (``PayLane``), a hyphen or soft hyphen, with the line break
after it, or the space a document reader left when it joined the lines (``Pay- lane``)."""
_SPLIT: Final = re.compile(r"([\s_\-‐‑.,]+)")

_DEFAULT_IGNORABLE: Final = (
    (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
"""Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15), less the
soft hyphen (a hyphen to matching): characters a renderer draws as nothing, such as the
combining grapheme joiner, variation selectors, tags, the Mongolian vowel separator and
the Hangul fillers. Inside a name they would split it for matching and not for a reader."""


def _invisible(ch: str) -> bool:
    """Drawn as nothing: a default-ignorable code point or any other format character."""
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _DEFAULT_IGNORABLE):
        return True
    return unicodedata.category(ch) == "Cf" and ch != "\u00ad"
_LOOKALIKES: Final = str.maketrans(
    # Cyrillic and Greek letters drawn like Latin ones (Unicode confusables.txt, the
    # letters a keyboard layout or a homograph trick puts into a Latin name). NFKC
    # covers fullwidth and mathematical forms; these need a table, kept here rather
    # than a dependency for forty characters.
    "АВЕКМНОРСТХУІЈЅԚԜҮҺӀаеорсухіјѕһԁԛԝүӏ"
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαειονρυχγκ"
    "ıȷɑɡ",
    "ABEKMHOPCTXYIJSQWYHIaeopcyxijshdqwyl"
    "ABEZHIKMNOPTYXaeiovpuxyk"
    "ijag",
)
_PARTICLES: Final = frozenset(
    ("van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos",
     "das", "al", "bin", "ibn", "ter", "ten", "st")
)  # fmt: skip
"""Lower-case words that belong to a surname ("van der Berg", "de la Cruz")."""

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


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character as matching sees it: no case, accents, width or look-alike left.

    Invisible characters fold to nothing and a soft hyphen to a hyphen. A symbol or
    number sign whose compatibility form is letters or digits (``™`` is "TM", ``²`` is
    "2") is preceded by a word edge, so ``Paylane™`` ends the name where a reader
    sees it end.
    """
    if ch == "\u00ad":
        return "-"
    if _invisible(ch):
        return ""
    compat = unicodedata.normalize("NFKC", ch)
    if any(_invisible(c) for c in compat):  # U+3164 → U+1160, a filler too
        compat = "".join(c for c in compat if not _invisible(c))
    edge = ""
    kind = unicodedata.category(ch)
    if compat != ch and (kind[0] == "S" or kind == "No") and any(c.isalnum() for c in compat):
        edge = _CAMEL
    decomposed = unicodedata.normalize("NFD", compat.translate(_LOOKALIKES))
    return edge + "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold(text: str, *, camel: bool = False) -> tuple[str, list[int]]:
    """Folded text, and for each folded character its index in ``text``.

    With ``camel``, a lower-to-upper change (``AlexRivera``) is marked with
    ``_CAMEL`` so that it ends a word as ``_`` or a space would.
    """
    out: list[str] = []
    index: list[int] = []
    previous_lower = False
    for i, ch in enumerate(text):
        if camel and previous_lower and ch.isupper():
            out.append(_CAMEL)
            index.append(i)
        folded = _fold_char(ch)
        out.append(folded)
        index.extend([i] * len(folded))
        if folded:
            previous_lower = ch.islower()
    return "".join(out), index


def _word_regex(word: str) -> str:
    return _INTRA.join(re.escape(c) for c in word)


def _phrase_regex(folded: str) -> str:
    """A folded term or variant as a pattern: its words joined by any separator.

    A comma stays required (it is what makes "Rivera, Alex" surname-first);
    the dot after an initial is optional ("A. Rivera", "A Rivera").
    """
    parts = [p for p in _SPLIT.split(folded.strip()) if p]
    while parts and _SPLIT.fullmatch(parts[0]):
        parts.pop(0)
    out: list[str] = []
    previous_word = ""
    for n, part in enumerate(parts):
        if _SPLIT.fullmatch(part):
            last = n == len(parts) - 1
            if "," in part and not last:
                out.append(r"\s*,\s*")
            elif "." in part and len(previous_word) == 1:
                out.append(r"\.?" if last else r"\.?" + _SEP)  # "Alex R." ends at its dot
            elif not last:
                out.append(_SEP)
            previous_word = ""
        else:
            out.append(_word_regex(part))
            previous_word = part
    return "".join(out)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@dataclass(frozen=True, slots=True)
class _Variant:
    text: str  # how it reads: "Rivera, Alex"
    capitalised: bool = False  # matched only when written with a capital (a name alone)


@dataclass(frozen=True, slots=True)
class _Alternative:
    term: int  # index into the terms
    folded: str
    capitalised: bool


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(_nfc(text).strip()) if w and not _SPLIT.fullmatch(w)]


def _person_parts(text: str) -> tuple[str, list[str], str] | None:
    """First name, middle names, surname ("Anna van der Berg": surname "van der Berg")."""
    words = _words(text)
    if len(words) < 2:
        return None
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in _PARTICLES:
        cut -= 1
    return words[0], words[1:cut], " ".join(words[cut:])


def _derive_variants(terms: list[Term]) -> list[list[_Variant]]:
    """For each term its own spelling first, then, for a person, the usual other ways.

    A first name or surname alone is derived only when it is unambiguous: no
    other person term has the same one and no term is spelled that way.
    """
    folded_terms = {_fold(t.text)[0] for t in terms}
    people = [_person_parts(t.text) if t.label == "PERSON" else None for t in terms]
    firsts = [_fold(p[0])[0] for p in people if p]
    lasts = [_fold(p[2])[0] for p in people if p]
    out: list[list[_Variant]] = []
    for term, parts in zip(terms, people, strict=True):
        variants = [_Variant(term.text)]
        if parts is not None:
            first, middle, last = parts
            initials = " ".join(f"{w[0]}." for w in [first, *middle])
            spelled = [
                f"{first} {last}",
                f"{last}, {' '.join([first, *middle])}",
                f"{last}, {first}",
                f"{initials} {last}",
                f"{first[0]}. {last}",
                f"{first} {_words(last)[-1][0].upper()}.",
            ]
            variants += [_Variant(v) for v in spelled]
            for alone, pool in ((first, firsts), (last, lasts)):
                key = _fold(alone)[0]
                if len(key) >= 2 and pool.count(key) == 1 and key not in folded_terms:
                    variants.append(_Variant(alone, capitalised=True))
        unique: dict[str, _Variant] = {}
        for v in variants:
            unique.setdefault(_fold(v.text)[0], v)
        out.append(list(unique.values()))
    return out


class Redactor:
    """Replaces personal details with placeholders, and puts them back.

    One instance per session: it remembers which placeholder stands for what,
    so a name gets the same placeholder in every prompt of the session.
    Deterministic: the same inputs in the same order give the same output.
    """

    def __init__(self, terms: Iterable[str | Term] = (), *, patterns: bool = True) -> None:
        parsed = [t if isinstance(t, Term) else Term.parse(t) for t in terms]
        self._terms = [t for t in parsed if _words(t.text)]
        self._patterns = patterns
        self._forward: dict[tuple[str, str], str] = {}
        self._back: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._variants = _derive_variants(self._terms)
        self._alternatives: list[_Alternative] = []
        self._term_regex = self._build_term_regex()

    def _build_term_regex(self) -> re.Pattern[str] | None:
        seen: set[str] = set()
        # each term as written first, then the derived spellings: a spelling that two
        # terms share belongs to the one that was written that way
        ranked = [(0 if n == 0 else 1, i, v) for i, vs in enumerate(self._variants)
                  for n, v in enumerate(vs)]  # fmt: skip
        for _, i, variant in sorted(ranked, key=lambda r: (r[0], r[1])):
            folded = _fold(variant.text)[0]
            if folded in seen:
                continue
            seen.add(folded)
            self._alternatives.append(_Alternative(i, folded, variant.capitalised))
        if not self._alternatives:
            return None
        # longest first, so "Ann Lee" is tried before "Ann" at the same position
        order = sorted(
            range(len(self._alternatives)),
            key=lambda k: (-len(self._alternatives[k].folded), k),
        )
        branches = [f"(?P<a{k}>{_phrase_regex(self._alternatives[k].folded)})" for k in order]
        return re.compile(_START + "(?:" + "|".join(branches) + ")" + _SUFFIXES + _END)

    def variants(self) -> dict[str, list[str]]:
        """Each term, as the user wrote it, and every spelling of it that is matched.

        For ``privacy report --json`` and the settings: the user sees that
        "person:Alex Rivera" also hides "Rivera, Alex", "A. Rivera" and
        "Alex". Underscores, hyphens, case, accents and look-alikes are
        matched for every spelling and are not listed.
        """
        return {
            term.text: [v.text for v in self._variants[i]] for i, term in enumerate(self._terms)
        }

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
        folded, index = _fold(text, camel=True)
        spans = []
        for m in self._term_regex.finditer(folded):
            which = next(k for k, v in m.groupdict().items() if k != "suffix" and v is not None)
            alternative = self._alternatives[int(which[1:])]
            start = index[m.start()]
            if alternative.capitalised and not text[start].isupper():
                continue  # "Will" alone is a name only when written as one
            term = self._terms[alternative.term]
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

