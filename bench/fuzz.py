"""Fuzz every parser that takes outside input: tracebacks, hangs and memory blow-ups.

The targets (config loader and writer, documents, DOCX and PDF parsers, audio
headers, each vendor's provider stream through its real SDK, tampered ledger
rows through the report, and whatever else ``tests/fuzz/targets.py`` lists) are the ones the
suite runs a seeded slice of; here each runs for ``--n`` inputs (100,000 by
default) in a process of its own, so one target's memory or a hang cannot
colour another's figures. Per target it prints:

- ``inputs``: how many were run;
- ``tracebacks``: inputs that ended in anything but success or the parser's
  own one-line error, with the distinct findings (type, place, first input);
- ``hangs``: inputs that took over 10 s (each is cut off there);
- ``slowest_s`` and ``peak_rss_mb`` (the child's own high-water mark), and
  ``blowups``: 1 when that peak passed 1 GB.

Usage: ./run bench fuzz [--n 100000] [--seed 0] [TARGET ...]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from _common import REPO, emit

HANG_S = 10.0
BLOWUP_MB = 1024.0


class _Hang(Exception):
    pass


def _own_peak_mb() -> float:
    """VmHWM: this process's own peak, not the parent's carried over the exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_one(name: str, n: int, seed: int) -> dict[str, Any]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from fuzz.targets import targets

    target = next(t for t in targets() if t.name == name)
    findings: dict[str, dict[str, Any]] = {}
    counts = {"inputs": 0, "tracebacks": 0, "hangs": 0}
    slowest = [0.0]

    def alarm(signum: int, frame: object) -> None:
        raise _Hang

    signal.signal(signal.SIGALRM, alarm)

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def one(data: object) -> None:
        counts["inputs"] += 1
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, HANG_S)
            try:
                target.run(data, Path(scratch))
            except _Hang:
                counts["hangs"] += 1
                findings.setdefault("hang", {"n": 0, "input": repr(data)[:300]})["n"] += 1
            except target.allowed:
                pass
            except Exception as err:
                counts["tracebacks"] += 1
                where = traceback.extract_tb(err.__traceback__)[-1]
                key = f"{type(err).__name__} at {Path(where.filename).name}:{where.lineno}"
                entry = findings.setdefault(key, {"n": 0, "input": repr(data)[:300]})
                entry["n"] += 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            slowest[0] = max(slowest[0], time.perf_counter() - start)

    began = time.perf_counter()
    one()
    peak = _own_peak_mb()
    return {
        "target": name,
        **counts,
        "blowups": int(peak > BLOWUP_MB),
        "slowest_s": round(slowest[0], 3),
        "peak_rss_mb": peak,
        "wall_s": round(time.perf_counter() - began, 1),
        "findings": findings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="inputs per target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child's own entry
    parser.add_argument("names", nargs="*", help="targets to run (default: all)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    if args.one:
        json.dump(run_one(args.one, args.n, args.seed), sys.stdout)
        return
    from fuzz.targets import targets

    # docx-full starts the sandboxed worker per input (a quarter second): the suite runs a
    # slice of it; the long run parses DOCX in-process ("docx") after the same zip check.
    names = args.names or [t.name for t in targets() if t.name != "docx-full"]
    results = []
    for name in names:
        done = subprocess.run(
            [sys.executable, __file__, "--one", name, "--n", str(args.n), "--seed", str(args.seed)],
            capture_output=True, text=True, check=False,
        )
        try:
            results.append(json.loads(done.stdout))
        except ValueError:  # the child itself died: that is a finding too
            results.append({"target": name, "crashed": done.returncode,
                            "stderr": done.stderr[-500:]})
    emit({"n_per_target": args.n, "seed": args.seed, "targets": results})


if __name__ == "__main__":
    main()
