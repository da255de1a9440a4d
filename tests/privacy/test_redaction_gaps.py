"""Redaction gaps an attacker found, closed on the real path: a name hyphenated at a line
break in every document type, invisible code points inside a name, NFKC artefacts (``™``).

Each case runs the real CLI: ``profile add`` reads the document with cuecard's own
readers, ``ask`` retrieves it, redacts the prompt and sends it to the fake provider, whose
recorded request body is what a provider would see.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

import cuecard
from fakes.provider_server import FakeProviderServer, Reply

SRC = str(Path(cuecard.__file__).resolve().parents[1])
LEAK = re.compile(r"pay\W*lane", re.IGNORECASE)
"""Paylane in any spelling a reader would still recognise ("Pay- lane", "Pay-\\nlane")."""


def _pdf_bytes() -> object:
    """tests/profile/conftest.py's real-PDF writer (``profile`` is also a stdlib module name)."""
    path = Path(__file__).resolve().parents[1] / "profile" / "conftest.py"
    spec = importlib.util.spec_from_file_location("profile_documents_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pdf_bytes


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(default=Reply(text="- Lead with [ORG_1]")) as srv:
        yield srv


def cuecard(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "cuecard", *args], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip


def configure(home: Path, srv: FakeProviderServer) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(
        f'[assist]\nprovider = "local"\n[assist.local]\nbase_url = "{srv.openai_base_url}"\n'
        '[privacy]\nredact = true\nredact_terms = ["org:Paylane"]\n',
        encoding="utf-8",
    )


def sent_after(srv: FakeProviderServer, *args: str) -> str:
    """Run ``ask`` and return the body of the one generation request it made."""
    before = len(srv.generations)
    proc = cuecard("ask", *args)
    assert proc.returncode == 0, proc.stderr
    requests = srv.generations[before:]
    assert len(requests) == 1
    return json.dumps(requests[0].body, ensure_ascii=False)


LINES = [
    "Experience",
    "Senior engineer. I led the checkout rebuild at Pay-",
    "lane, which cut failed zeppelin payments by 30 percent.",
]


def write_document(folder: Path, fmt: str) -> Path:
    if fmt == "pdf":
        path = folder / "resume.pdf"
        path.write_bytes(_pdf_bytes()([LINES]))  # type: ignore[operator]
    elif fmt == "docx":
        path = folder / "resume.docx"
        document = docx.Document()
        document.add_heading(LINES[0], level=1)
        run = document.add_paragraph().add_run(LINES[1])
        run.add_break()  # a line break inside the paragraph, as a word processor keeps it
        run.add_text(LINES[2])
        document.save(str(path))
    elif fmt == "md":
        path = folder / "resume.md"
        path.write_text(f"# {LINES[0]}\n\n{LINES[1]}\n{LINES[2]}\n", encoding="utf-8")
    else:
        path = folder / "resume.txt"
        path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "md", "docx", "txt"])
def test_a_name_hyphenated_at_a_line_break_is_redacted_in_every_document_type(
    fmt: str, tmp_path: Path, cuecard_home: Path, server: FakeProviderServer
) -> None:
    configure(cuecard_home, server)
    added = cuecard("profile", "add", str(write_document(tmp_path, fmt)))
    assert added.returncode == 0, added.stderr
    body = sent_after(server, "Tell me about the zeppelin payments work")
    # the document's chunk must be in the prompt for this test to mean anything
    assert "failed zeppelin payments" in body
    leak = LEAK.search(body)
    assert leak is None, body[max(0, leak.start() - 60) : leak.end() + 20]
    assert "[ORG_1]" in body


INVISIBLE = {
    "combining grapheme joiner": "Pay\u034flane",
    "variation selector 16": "Pay\ufe0flane",
    "tag latin capital A": "Pay\U000e0041lane",
    "mongolian vowel separator": "Pay\u180elane",
    "hangul filler": "Pay\u3164lane",
    "zero width joiner": "Pay\u200dlane",
    "soft hyphen": "Pay\u00adlane",
    "word joiner": "Pay\u2060lane",
}
NFKC = {"trade mark": "Paylane™", "service mark": "Paylane℠", "registered": "Paylane®",
        "superscript two": "Paylane²"}  # fmt: skip


def test_invisible_characters_and_nfkc_artefacts_do_not_defeat_redaction(
    cuecard_home: Path, server: FakeProviderServer
) -> None:
    """Every case in one real prompt (one CLI run, for speed), each checked on its own."""
    configure(cuecard_home, server)
    cases = {**INVISIBLE, **NFKC}
    question = "; ".join(f"case{i} {text} end" for i, text in enumerate(cases.values()))
    body = json.loads(sent_after(server, f"Compare {question}?", "--sample"))
    sent = json.dumps(body, ensure_ascii=False)
    leaked = {}
    for i, name in enumerate(cases):
        found = re.search(rf"case{i} (.*?) end", sent)
        assert found is not None, f"case {name} is missing from the prompt"
        segment = "".join(ch for ch in found.group(1) if ch.isprintable() and ch != "\u3164")
        if "[ORG_1]" not in segment or LEAK.search(segment) or "Pay" in segment:
            leaked[name] = found.group(1)
    assert leaked == {}
