"""What the fuzzers feed each parser, and what counts as a clean refusal.

Shared by the seeded slice in the suite (``tests/fuzz/test_parsers.py``) and
the long on-demand run (``bench/fuzz.py``): one list of targets, so the two
cannot drift. A target is a hypothesis strategy that draws raw input shaped
like what an attacker (or a broken export) hands cuecard, a function that runs
the real parser on it exactly as the CLI does, and the one error type that
parser is allowed to raise. Anything else escaping is a traceback the user
would see: a finding.

The strategies start from valid input and break it (deep nesting, duplicate
keys, lying header fields, zip entries of unknown versions) rather than from
uniform random bytes, which every parser rejects in its first byte.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    run: Callable[[Any, Path], None]
    """Runs the real parser on one input; ``Path`` is a scratch folder it may write in."""
    allowed: tuple[type[BaseException], ...]
    """The errors that are a clean, one-line refusal."""


# -- config.toml: the loader and the comment-keeping writer ------------------------------

_KEYS = ["speech", "audio", "assist", "privacy", "ui", "a", "model", "provider", "fallback",
         "retention_days", "b.c", '"q"', "speech.model", "assist.openai"]
_VALUES = ['"x"', "1", "-1", "1e400", "nan", "inf", "true", "[]", "{}", '"tiny.en"',
           "1979-05-27T07:32:00Z", "0x7fffffffffffffffff", '"""a\nb"""', "'''c'''",
           '["openai", "offline"]', '{ a = 1, a = 2 }', "[1, 'a']", '"\\u0000"', '"\x1b]0;t\x07"']


@st.composite
def _toml(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 5))
        key = draw(st.sampled_from(_KEYS))
        if kind == 0:
            lines.append(f"[{key}]")
        elif kind == 1:
            lines.append(f"[[{key}]]")
        elif kind == 2:  # deep nesting: the RecursionError of the first pass
            depth = draw(st.integers(1, 3000))
            opener = draw(st.sampled_from(["[", "{a=", "[{b=", "{ c = ["]))
            lines.append(f"{key} = " + opener * depth)
        elif kind == 3:
            lines.append(f"{key} = {draw(st.sampled_from(_VALUES))}")
        elif kind == 4:
            lines.append(draw(st.text(max_size=40)))
        else:
            lines.append(f"{key} = {draw(st.sampled_from(_VALUES))}\n{key} = 2")
    return "\n".join(lines)


def _run_config(text: str, scratch: Path) -> None:
    from cuecard import config

    file = scratch / "config.toml"
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(config.ConfigError):  # a clean refusal; the writer gets its go
        config.load(file, create=False)
    # the writer reads the same file through tomlkit, a parser of its own
    config.update({"assist.provider": "offline"}, file=file)


CONFIG = Target("config", _toml(), _run_config, ())  # allowed filled below (lazy import)


# -- audio headers: WAV fields that lie ------------------------------------------------

@st.composite
def _wav(draw: st.DrawFn) -> bytes:
    tag = draw(st.sampled_from([0, 1, 2, 3, 6, 7, 17, 85, 99, 0xFFFE, 0xFFFF]))
    channels = draw(st.sampled_from([0, 1, 2, 3, 8, 255, 65535]))
    rate = draw(st.sampled_from([0, 1, 2, 100, 4000, 8000, 16000, 44100, 192000, 2**31, 2**32 - 1]))
    bits = draw(st.sampled_from([0, 1, 4, 8, 12, 16, 24, 32, 64, 65535]))
    align = draw(st.one_of(st.just(max(1, channels * bits // 8)), st.integers(0, 65535)))
    byte_rate = draw(st.one_of(st.just(rate * align % 2**32), st.integers(0, 2**32 - 1)))
    payload = draw(st.binary(max_size=4096))
    claimed = draw(st.one_of(st.just(len(payload)), st.integers(0, 2**32 - 1)))
    fmt = struct.pack("<HHIIHH", tag, channels, rate % 2**32, byte_rate, align % 65536, bits)
    if draw(st.booleans()):  # WAVE_FORMAT_EXTENSIBLE tail, sometimes truncated
        fmt += draw(st.binary(min_size=0, max_size=24))
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", claimed) + payload
    riff = draw(st.one_of(st.just(len(body)), st.integers(0, 2**32 - 1)))
    data = b"RIFF" + struct.pack("<I", riff) + body
    cut = draw(st.integers(12, len(data)))
    return data[:cut]


def _run_audio(data: bytes, scratch: Path) -> None:
    from cuecard.audio.files import open_recording

    file = scratch / "clip.wav"
    file.write_bytes(data)
    with open_recording(file) as rec:
        total = 0
        for block in rec.blocks(16_000):
            total += len(block)


AUDIO = Target("audio", _wav(), _run_audio, ())


# -- documents: Markdown/text and DOCX zips -----------------------------------------------

@st.composite
def _docx(draw: st.DrawFn) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        names = draw(st.lists(st.sampled_from([
            "[Content_Types].xml", "word/document.xml", "_rels/.rels", "word/styles.xml",
            "docProps/core.xml", "../evil.xml", "word/media/x.png"]), max_size=5, unique=True))
        for name in names:
            body = draw(st.one_of(
                st.just(b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
                        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hi</w:t>'
                        b"</w:r></w:p></w:body></w:document>"),
                st.binary(max_size=200),
            ))
            archive.writestr(name, body)
    data = bytearray(buf.getvalue())
    # flip a few bytes of the headers: versions, methods, flags, sizes
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return bytes(data)


def _run_document(item: tuple[str, bytes], scratch: Path) -> None:
    """The whole reader, as ``profile add`` runs it (DOCX through its sandboxed worker)."""
    from cuecard.profile.documents import load_chunks

    suffix, data = item
    file = scratch / f"doc{suffix}"
    file.write_bytes(data)
    load_chunks(file)


_PROSE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=2000
).map(lambda t: t.encode("utf-8"))
_MARKDOWN_BITS = st.lists(st.sampled_from([
    "# ", "## Story 1 – ", "### ", "**Situation:** ", "- ", "1. ", "```\n", "<!-- ", " -->",
    "Tags: a, b\n", "\n\n", "Pay-\nlane ", "\x1b]0;t\x07", "\u200b", "\ufeff", "| a | b |\n",
]), max_size=60).map(lambda parts: "".join(parts).encode("utf-8"))

DOCUMENTS = Target(
    "documents",
    st.tuples(st.sampled_from([".md", ".txt"]), st.one_of(st.binary(max_size=2000), _PROSE,
                                                          _MARKDOWN_BITS)),
    _run_document,
    (),
)
"""Markdown and text, in-process: the suite's DOCX case goes through the worker
(``DOCX_FULL``); the long run parses DOCX and PDF in-process (``DOCX``, ``PDF``)."""


def _run_docx_full(data: bytes, scratch: Path) -> None:
    _run_document((".docx", data), scratch)


DOCX_FULL = Target("docx-full", _docx(), _run_docx_full, ())


def _run_docx(data: bytes, scratch: Path) -> None:
    """The parent's zip check, then the worker's parser in this process (it must never raise)."""
    from cuecard.profile import extract
    from cuecard.profile.reading import ProfileError, docx_unzipped_size

    file = scratch / "doc.docx"
    file.write_bytes(data)
    try:
        docx_unzipped_size(file)
    except ProfileError:
        return
    extract.extract_docx(str(file))


DOCX = Target("docx", _docx(), _run_docx, ())

_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 72 712 Td (Paylane story) Tj ET\nendstream "
    b"endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R/Size 6>>\n%%EOF\n"
)


@st.composite
def _pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(_PDF)
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.integers(0, 2))
        if action == 0:
            data[at] = draw(st.integers(0, 255))
        elif action == 1:
            data[at:at] = draw(st.sampled_from(
                [b"999999999", b"-1", b"<<", b">>", b"[", b"R", b"/Length 99999999", b"\x00",
                 b"stream\n", b"1 0 R", b"/Encrypt 1 0 R", b"/Filter/FlateDecode"]))
        else:
            del data[at : at + draw(st.integers(1, 20))]
    return bytes(data)


def _run_pdf(data: bytes, scratch: Path) -> None:
    from cuecard.profile import extract

    file = scratch / "doc.pdf"
    file.write_bytes(data)
    extract.extract_pdf(str(file), 30, 200_000)


PDF = Target("pdf", _pdf(), _run_pdf, ())


# -- provider streams: each vendor's real SDK reading events of any shape ------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)
_OPENAI = [
    {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]},
    {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
     "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [],
     "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}},
]
_ANTHROPIC = [
    ("message_start", {"type": "message_start", "message": {
        "id": "m", "type": "message", "role": "assistant", "content": [], "model": "m",
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0,
                             "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "Hi"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                       "stop_sequence": None}, "usage": {"output_tokens": 2}}),
    ("message_stop", {"type": "message_stop"}),
]
_GOOGLE = [
    {"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "index": 0}]},
    {"candidates": [{"content": {"parts": [{"text": "!"}], "role": "model"},
                     "finishReason": "STOP", "index": 0}],
     "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}},
]


@st.composite
def _mutated(draw: st.DrawFn, event: Any) -> Any:
    """The event, with some keys dropped or their values replaced by any JSON."""
    if not isinstance(event, dict) or not draw(st.integers(0, 3)):
        return event
    out = dict(event)
    for key in list(out):
        action = draw(st.integers(0, 5))
        if action == 0:
            del out[key]
        elif action == 1:
            out[key] = draw(_JSON)
        elif action == 2:
            out[key] = draw(_mutated(out[key]))
    return out


@st.composite
def _stream(draw: st.DrawFn) -> tuple[str, bytes]:
    vendor = draw(st.sampled_from(["openai", "anthropic", "google", "local"]))
    parts: list[str] = []
    if vendor == "anthropic":
        events = draw(st.lists(st.sampled_from(_ANTHROPIC), max_size=8)) or _ANTHROPIC
        for name, payload in events:
            body = json.dumps(draw(_mutated(payload)))
            parts.append(f"event: {name}\ndata: {body}\n\n")
    else:
        pool = _GOOGLE if vendor == "google" else _OPENAI
        for payload in draw(st.lists(st.sampled_from(pool), max_size=6)) or pool:
            parts.append(f"data: {json.dumps(draw(_mutated(payload)))}\n\n")
        if vendor != "google" and draw(st.booleans()):
            parts.append("data: [DONE]\n\n")
    if draw(st.integers(0, 9)) == 0:  # a line that is not JSON at all
        parts.insert(draw(st.integers(0, len(parts))), f"data: {draw(st.text(max_size=30))}\n\n")
    return vendor, "".join(parts).encode("utf-8", "surrogatepass")


def _run_stream(item: tuple[str, bytes], scratch: Path) -> None:
    """The vendor's SDK and cuecard's codec over an in-memory transport; no socket opens.

    Allowed: a ``ProviderError`` whose message is one line (what the card shows).
    """
    import asyncio

    import httpx2

    from cuecard.assist.base import Message, ProviderError, TextDelta
    from cuecard.assist.providers import Deadlines, build_provider
    from cuecard.config import ProviderSettings

    vendor, body = item

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    async def one() -> None:
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(answer)) as client:
            provider = build_provider(
                vendor, ProviderSettings(base_url="http://127.0.0.1:9/v1"),
                api_key="sk-fuzz", http_client=client, deadlines=Deadlines(),
            )
            prompt = Prompt(system="rules", messages=(Message("user", "Why us?"),))
            try:
                async for piece in provider.stream(prompt, max_tokens=16):
                    if isinstance(piece, TextDelta):
                        assert isinstance(piece.text, str)
            except ProviderError as err:
                if "\n" in str(err).strip():
                    raise AssertionError(f"a provider error of several lines: {err!r}") from None
                raise
            finally:
                await provider.aclose()

    from cuecard.assist.base import Prompt

    asyncio.run(one())


STREAMS = Target("provider-streams", _stream(), _run_stream, ())


# -- ledger rows: what a tampering user can leave in egress.sqlite3 -----------------------

_CELL = st.one_of(
    st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True),
    st.text(max_size=40), st.binary(max_size=20),
    st.sampled_from(["\x1b]0;owned\x07", "\x1b[2J", "api.openai.com", "allowed", "blocked",
                     "http", "answer", "-1", "1e999", ""]),
)
_LEDGER_COLUMNS = ("run", "entry", "time", "command", "session", "provider", "host", "port",
                   "purpose", "layer", "outcome", "reason", "opened", "bytes_sent",
                   "bytes_received", "duration_s")


def _run_ledger(rows: list[dict[str, Any]], scratch: Path) -> None:
    """Tampered rows through the reader and the report, as ``privacy report`` runs them."""
    import sqlite3
    import time

    from cuecard.privacy import ledger_store
    from cuecard.privacy.ledger import Ledger
    from cuecard.privacy.report import render_text, summarize

    path = scratch / "egress.sqlite3"
    ledger = Ledger()
    writer = ledger_store.LedgerWriter(ledger, path)
    writer.notify(ledger.record(host="127.0.0.1", port=1, purpose="answer", outcome="blocked"))
    writer.close()
    honest = {"run": "r", "time": time.time(), "command": "ask", "session": "",
              "provider": "openai", "host": "api.openai.com", "port": 443, "purpose": "answer",
              "layer": "http", "outcome": "allowed", "reason": "", "opened": 1,
              "bytes_sent": 10, "bytes_received": 10, "duration_s": 0.5}
    with sqlite3.connect(path) as conn:
        for i, row in enumerate(rows):
            values = {**honest, "entry": i + 2, **row}
            cols = ", ".join(values)
            with contextlib.suppress(sqlite3.IntegrityError):  # SQLite itself refused the row
                conn.execute(f"INSERT OR REPLACE INTO egress ({cols}) "
                             f"VALUES ({', '.join('?' * len(values))})", list(values.values()))
    entries = ledger_store.read(ledger_store.Query(), path=path)
    report = summarize(entries)
    text = render_text(report)
    if "\x1b" in text or "\x07" in text:
        raise AssertionError("an escape sequence from a ledger row reached the report")
    with sqlite3.connect(path) as conn:
        sent = conn.execute("SELECT count(*) FROM egress WHERE typeof(bytes_sent) = 'integer' "
                            "AND bytes_sent > 0").fetchone()[0]
    if sent and report.verdict.startswith("nothing"):
        raise AssertionError("rows that sent bytes, and the report says nothing left")


LEDGER = Target(
    "ledger-rows",
    st.lists(st.dictionaries(st.sampled_from(_LEDGER_COLUMNS[2:]), _CELL, max_size=6),
             min_size=1, max_size=4),
    _run_ledger,
    (),
)


def targets() -> list[Target]:
    """Every target with its allowed errors (imported lazily: the bench forks first)."""
    from cuecard.assist.base import ProviderError
    from cuecard.audio.errors import AudioError
    from cuecard.config import ConfigError
    from cuecard.privacy.ledger_store import LedgerStoreError
    from cuecard.profile.reading import ProfileError

    return [
        Target(CONFIG.name, CONFIG.strategy, CONFIG.run, (ConfigError,)),
        Target(AUDIO.name, AUDIO.strategy, AUDIO.run, (AudioError,)),
        Target(DOCUMENTS.name, DOCUMENTS.strategy, DOCUMENTS.run, (ProfileError,)),
        Target(DOCX_FULL.name, DOCX_FULL.strategy, DOCX_FULL.run, (ProfileError,)),
        Target(DOCX.name, DOCX.strategy, DOCX.run, ()),
        Target(PDF.name, PDF.strategy, PDF.run, ()),
        Target(STREAMS.name, STREAMS.strategy, STREAMS.run, (ProviderError,)),
        Target(LEDGER.name, LEDGER.strategy, LEDGER.run, (LedgerStoreError,)),
    ]
