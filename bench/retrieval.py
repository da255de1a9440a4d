"""Does the right story come first? Top-1 accuracy, MRR, latency and memory of retrieval.

Scores ``tests/data/retrieval_questions.jsonl`` (paraphrased interviewer questions
over three profiles, see its _SOURCES.md), or with ``--set others``
``tests/data/retrieval_questions_others.jsonl`` (six profiles written by others, in
their own formats: see its _SOURCES.md; report the ``holdout`` split), and prints
JSON, one entry per ranking:

- ``lexical``: BM25 alone;
- ``hybrid``: BM25 plus the competency match (cuecard's default).

For each: top-1 accuracy, MRR (over the top 10), label leaks (offline answers to
the set's questions whose bullets show a writer's label or markup), per-question latency (p50,
p95, max, in ms, after the index is built), index build time, and the extra
resident memory the index costs. A checkout whose ProfileIndex has no
``hybrid`` switch (main before this change) is measured as ``lexical`` only, so
the script also gives the "before" figure: ``PYTHONPATH=<old>/src python
bench/retrieval.py``.

Usage: ./run bench retrieval [--set others]   (or .venv/bin/python bench/retrieval.py)
"""

from __future__ import annotations

import gc
import inspect
import json
import re
import resource
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), else the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_LEAK = re.compile(
    r"^- (?:\*\*|__|#|`|>)|\*\*|__|^- [\w /()-]{2,30}:\s*(?:$|[\w /()-]{2,30}:)"
    r"|^- (?:situation|context|background|task|my part|goal|action|what i did|approach"
    r"|result|outcome|impact|tags?|skills|competencies|date)\b\s*:",
    re.IGNORECASE | re.MULTILINE,
)
"""A bullet that shows a writer's label ("- Action: What I did: …", "- Tags: …") or markup."""


def _folder_chunks(folder: Path) -> list[Any]:
    """Every document in ``folder``, read the way ``cuecard profile add`` reads it."""
    from cuecard.profile.documents import chunk_text, guess_kind
    from cuecard.profile.reading import read_text

    chunks: list[Any] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".md", ".txt") or path.stem.isupper():
            continue
        text = read_text(path)
        chunks += chunk_text(text, path.name, kind=guess_kind(path.name, text))
    return chunks


def _profile_chunks(name: str) -> list[Any]:
    from cuecard.profile.documents import chunk_text
    from cuecard.profile.reading import strip_comments

    if (DATA / "profiles" / name).is_dir() and name not in ("jordan", "public"):
        return _folder_chunks(DATA / "profiles" / name)
    if name == "sample":
        folder = Path(str(resources.files("cuecard") / "assets" / "sample_profile"))
    else:
        folder = DATA / "profiles" / ("public-star" if name == "public" else name)
    kinds = {"resume.md": "resume", "job.md": "job", "stories.md": "stories"}
    chunks: list[Any] = []
    for file, kind in kinds.items():
        path = folder / file
        if path.exists():
            text = strip_comments(path.read_text(encoding="utf-8"))
            chunks += chunk_text(text, file, kind=kind)  # type: ignore[arg-type]
    return chunks


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 3)


def _leaks(question: str, kind: str, found: list[Any]) -> int:
    """1 when the offline answer built from ``found`` shows a label or markup, else 0."""
    from cuecard.assist.offline import compose
    from cuecard.assist.prompting import build_prompt

    answer = compose(build_prompt(question, kind, found[:4], []))
    return 1 if _LEAK.search(answer) else 0


def measure(
    hybrid: bool | None, questions: str = "retrieval_questions.jsonl", semantic: str = "off"
) -> dict[str, Any]:
    from cuecard.profile.retrieval import ProfileIndex

    rows = [
        json.loads(line) for line in (DATA / questions).read_text(encoding="utf-8").splitlines()
    ]
    profiles = sorted({r["profile"] for r in rows})
    if semantic != "off":  # every ranking pays for its own encoding: no vectors from the last
        from cuecard.profile import embedding

        embedding.model()._cache.clear()
    gc.collect()
    before = _rss_mb()
    build_started = time.perf_counter()
    indexes = {}
    for name in profiles:
        chunks = _profile_chunks(name)
        if hybrid is None:
            indexes[name] = ProfileIndex(chunks)
        elif semantic == "off":
            indexes[name] = ProfileIndex(chunks, hybrid=hybrid)
        else:
            indexes[name] = ProfileIndex(chunks, hybrid=hybrid, semantic=semantic)  # type: ignore[arg-type]
    build_ms = (time.perf_counter() - build_started) * 1000
    for name in profiles:  # warm up: the first query pays for lazy imports
        indexes[name].search("warm up", 1)
    hits = 0
    reciprocal = 0.0
    latencies: list[float] = []
    misses: list[dict[str, str]] = []
    per_profile: dict[str, list[int]] = {p: [0, 0] for p in profiles}
    per_split: dict[str, list[float]] = {}
    leaks: dict[str, int] = {}
    for row in rows:
        index = indexes[row["profile"]]
        started = time.perf_counter()
        found = index.search(row["question"], 10, kind=row.get("kind"))
        latencies.append((time.perf_counter() - started) * 1000)
        rank = next((i for i, c in enumerate(found, 1) if row["expect"] in c.title), None)
        split_name = row.get("split", "all")
        leaks[split_name] = leaks.get(split_name, 0) + _leaks(
            row["question"], row.get("kind", "behavioural"), found
        )
        per_profile[row["profile"]][1] += 1
        split = per_split.setdefault(row.get("split", "all"), [0, 0, 0.0])
        split[1] += 1
        split[2] += 1 / rank if rank else 0.0
        if rank == 1:
            split[0] += 1
            hits += 1
            per_profile[row["profile"]][0] += 1
        else:
            misses.append(
                {
                    "question": row["question"],
                    "expected": row["expect"],
                    "split": row.get("split", "all"),
                    "got": found[0].title if found else "(nothing)",
                }
            )
        reciprocal += 1 / rank if rank else 0.0
    after = _rss_mb()
    return {
        "questions": len(rows),
        "top1": round(hits / len(rows), 3),
        "mrr": round(reciprocal / len(rows), 3),
        "top1_by_profile": {p: f"{h}/{n}" for p, (h, n) in per_profile.items()},
        "by_split": {
            name: {
                "top1": f"{int(h)}/{int(n)}",
                "mrr": round(r / n, 3),
                "label_leaks": f"{leaks.get(name, 0)}/{int(n)}",
            }
            for name, (h, n, r) in per_split.items()
        },
        "latency_ms": {
            "p50": _percentile(latencies, 50),
            "p95": _percentile(latencies, 95),
            "max": round(max(latencies), 3),
        },
        "build_ms_all_profiles": round(build_ms, 1),
        "extra_rss_mb": round(after - before, 1),
        "misses": misses,
    }


def main() -> None:
    from cuecard.profile.retrieval import ProfileIndex

    questions = (
        "retrieval_questions_others.jsonl"
        if "others" in sys.argv[1:]
        else "retrieval_questions.jsonl"
    )
    has_switch = "hybrid" in inspect.signature(ProfileIndex).parameters
    import cuecard.profile.retrieval  # noqa: F401  (bm25s, numpy loaded before measuring RSS)

    rss_at_start = _rss_mb()
    result: dict[str, Any] = {"rss_mb_at_start": round(rss_at_start, 1)}
    if has_switch:
        result["lexical"] = measure(False, questions)
        result["hybrid"] = measure(True, questions)
        if "semantic" in inspect.signature(ProfileIndex).parameters:
            from cuecard.profile import embedding

            if embedding.available():
                gc.collect()
                rss = _rss_mb()
                started = time.perf_counter()
                embedding.model()
                result["embedding_model"] = {
                    "load_ms": round((time.perf_counter() - started) * 1000, 1),
                    "extra_rss_mb": round(_rss_mb() - rss, 1),
                    "licence": "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
                }
                result["embedding"] = measure(False, questions, "only")
                result["hybrid+embedding"] = measure(True, questions, "add")
    else:
        result["lexical (this checkout has no hybrid ranking)"] = measure(None, questions)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
