"""Cut the screen texts out of their sources into tests/data/screens.jsonl (run once).

Sources and licences: tests/data/screens_SOURCES.md. Run with CPython 3.11 from the repo
root; the pure-Python bisect and heapq are imported (their C accelerators hidden) so
``inspect`` finds their source.
"""

from __future__ import annotations

import sys

sys.modules["_bisect"] = None  # type: ignore[assignment]
sys.modules["_heapq"] = None  # type: ignore[assignment]

import base64  # noqa: E402
import bisect  # noqa: E402
import collections  # noqa: E402
import heapq  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import textwrap  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

OUT = Path("tests/data/screens.jsonl")
PSF = "CPython 3.11.7 standard library, {} (PSF-2.0)"
rows: list[dict[str, str]] = []


def add(id_: str, theme: str, kind: str, text: str, source: str, split: str) -> None:
    rows.append({"id": id_, "theme": theme, "type": kind, "text": text.rstrip("\n"),
                 "source": source, "split": split})  # fmt: skip


def source(obj: Callable[..., Any], max_lines: int = 26) -> str:
    lines = inspect.getsource(obj).rstrip("\n").split("\n")
    return "\n".join([line for line in lines if len(line) <= 84][:max_lines])


def stub(obj: Callable[..., Any]) -> str:
    signature: list[str] = []
    for line in inspect.getsource(obj).split("\n"):
        signature.append(line)
        if line.rstrip().endswith(":"):
            break
    doc = inspect.getdoc(obj) or ""
    body = ["    " + line if line else "" for line in doc.split("\n")][:18]
    return "\n".join([*signature, '    """', *body, '    """', "    pass"])


def wrap(paragraph: str, width: int) -> str:
    return "\n".join(textwrap.wrap(" ".join(paragraph.split()), width))


def split(i: int) -> str:
    return "tune" if i % 2 == 0 else "test"


def main() -> None:
    code = [(bisect.bisect_left, "bisect.py: bisect_left"),
            (heapq._siftdown, "heapq.py: _siftdown"),
            (heapq._siftup, "heapq.py: _siftup"), (heapq.merge, "heapq.py: merge"),
            (collections.Counter.most_common, "collections/__init__.py: Counter.most_common"),
            (textwrap.dedent, "textwrap.py: dedent")]  # fmt: skip
    for i, (obj, name) in enumerate(code):
        add(f"editor-dark-{i + 1}", "editor-dark", "code", source(obj), PSF.format(name), split(i))
    stubs = [(statistics.median, "median"), (statistics.mode, "mode"),
             (statistics.median_low, "median_low"), (statistics.variance, "variance"),
             (statistics.harmonic_mean, "harmonic_mean")]  # fmt: skip
    for i, (obj, name) in enumerate(stubs):
        add(f"coderpad-{i + 1}", "coderpad", "code", stub(obj),
            PSF.format(f"statistics.py: {name}") + ", signature and docstring",
            split(i))  # fmt: skip
    questions = Path("tests/data/questions.jsonl").read_text(encoding="utf-8")
    turns = [json.loads(line) for line in questions.splitlines()]
    asked = [t for t in turns if t["is_question"] and t["kind"] in ("behavioural", "technical")
             and len(t["text"]) > 50]  # fmt: skip
    random.Random(26).shuffle(asked)
    for i, turn in enumerate(asked[:4]):
        add(f"chat-{i + 1}", "chat", "prose", turn["text"],
            f"tests/data/questions.jsonl line: {turn['source']}", split(i))  # fmt: skip
    design = [t for t in turns if t["is_question"] and t["source"].startswith("donnemartin")]
    random.Random(7).shuffle(design)
    for i, turn in enumerate(design[:4]):
        add(f"slide-{i + 1}", "slide", "prose", wrap(turn["text"], 38),
            f"tests/data/questions.jsonl line: {turn['source']}", split(i))  # fmt: skip
    about = heapq.__about__.strip().split("\n\n")
    apache = Path("/usr/share/common-licenses/Apache-2.0").read_text().split("\n\n")
    pages = [(PSF.format("heapq.py: __about__ (François Pinard's essay)"), about[1:3]),
             (PSF.format("heapq.py: __about__"), about[3:5]),
             ("/usr/share/common-licenses/Apache-2.0, section 1 (verbatim)", apache[3:7]),
             ("/usr/share/common-licenses/Apache-2.0, sections 3-4 (verbatim)",
              apache[16:19])]  # fmt: skip
    for i, (name, paragraphs) in enumerate(pages):
        add(f"small-{i + 1}", "small", "prose", "\n\n".join(wrap(p, 118) for p in paragraphs),
            name, split(i))  # fmt: skip
    problems = [(bisect.insort_left, "bisect.py: insort_left"),
                (statistics.multimode, "statistics.py: multimode"),
                (base64.b64encode, "base64.py: b64encode")]  # fmt: skip
    for i, (obj, name) in enumerate(problems):
        doc = inspect.getdoc(obj) or ""
        text = "\n\n".join(p if p.lstrip().startswith(">>>") else wrap(p, 70)
                           for p in doc.split("\n\n"))  # fmt: skip
        add(f"problem-{i + 1}", "problem-dark", "prose", text, PSF.format(name) + " docstring",
            split(i))  # fmt: skip
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} screens → {OUT}")


if __name__ == "__main__":
    main()
