"""The desktop bundle's size and cold start (launch → window showing). Prints JSON.

Cold start is timed from starting ``cuecard app`` from the bundle to its window
being mapped on an X server (Xvfb), found with xwininfo every 20 ms, on a
fresh home folder each time (so the first-run window, as a new user sees it).
Before each cold run every file of the bundle is dropped from the page cache
(posix_fadvise DONTNEED, which touches only the bundle's own files), so the
program's ~600 MB are read from disk as on the first launch after a reboot;
libraries of the system (libc, X) stay cached, as they would on a desktop.
Warm runs follow without dropping anything. Target: cold start ≤ 3 s on the
2-core development machine.

Size: the folder as it unpacks (``dist/cuecard``), its file count, and, with
``--archive``, what a .tar.gz of it weighs (what a user downloads).

Usage: ./run bundle && ./run bench bundle_startup [--runs 3] [--archive] [--dist dist/cuecard]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from _common import REPO, summary

sys.path.insert(0, str(REPO / "packaging"))
import smoke  # (the same launch and window check the smoke test uses)


def drop_from_page_cache(folder: Path) -> int:
    dropped = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                dropped += path.stat().st_size
            finally:
                os.close(fd)
    return dropped


class _Counter(io.RawIOBase):
    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.size += len(b)
        return len(b)


def archive_mb(folder: Path) -> float:
    counter = _Counter()
    with tarfile.open(fileobj=counter, mode="w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    return round(counter.size / 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dist", type=Path, default=REPO / "dist" / "cuecard")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--archive", action="store_true")
    args = parser.parse_args()
    dist = args.dist.resolve()
    if not smoke.launcher(dist).is_file():
        sys.exit(f"no bundle in {dist}: build it with ./run bundle")

    files = [p for p in dist.rglob("*") if p.is_file() and not p.is_symlink()]
    result: dict[str, object] = {
        "bundle": str(dist),
        "size_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "files": len(files),
    }
    if args.archive:
        result["tar_gz_mb"] = archive_mb(dist)

    cold: list[float] = []
    warm: list[float] = []
    xvfb, display = smoke.start_xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="cuecard-bench-") as tmp:
            for i in range(args.runs * 2):
                home = Path(tmp) / f"home{i}"
                home.mkdir()
                is_cold = i < args.runs
                if is_cold:
                    drop_from_page_cache(dist)
                    time.sleep(0.5)
                seconds = smoke.time_to_window(dist, display, home)
                if seconds is None:
                    sys.exit("the window did not show within 60 s")
                (cold if is_cold else warm).append(seconds)
    finally:
        xvfb.terminate()
        xvfb.wait()
    result["cold_start_s"] = {
        **summary(cold),
        "min": round(min(cold), 3),
        "all": [round(s, 3) for s in cold],
    }
    result["warm_start_s"] = {
        **summary(warm),
        "min": round(min(warm), 3),
        "all": [round(s, 3) for s in warm],
    }
    result["target_cold_s"] = 3.0
    result["cpus"] = os.cpu_count()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
