"""Questions on screen: OCR accuracy per screen type, latency and memory.

Every screen of tests/data/screens.jsonl is drawn by Qt on a private Xvfb display
(tests/screen_pages.py), grabbed through cuecard's own capture path
(``capture.read_region``: ``QScreen.grabWindow`` → ``prepare`` → OCR) and compared
with the text that was drawn: character accuracy = 1 − edit distance / length.
Latency is the wall time of ``read_region`` on a 1280×800 region of the
densest screen, and the OCR child's CPU seconds (load-independent: the shared
machine these figures come from runs other work). RSS added is cuecard's own
process growth; Tesseract runs as a child, whose peak is reported apart.

    PYTHONPATH=src python bench/screen.py [--engine tesseract|rapidocr] [--scale 2]
    [--split all|tune|test] [--repeat 7]

``rapidocr`` needs ``rapidocr-onnxruntime`` installed (it is not a dependency; the
comparison that chose Tesseract is kept runnable).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from typing import Any

from _common import REPO, emit, peak_rss_mb, percentile

sys.path.insert(0, str(REPO / "tests"))

from xserver import running_xvfb


class RapidOcr:
    """RapidOCR (PP-OCRv4 on onnxruntime), lines rebuilt from its boxes like Tesseract's."""

    name = "rapidocr"

    def __init__(self, threads: int = 2) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1,
                               use_cls=False)  # fmt: skip

    def read(self, image: Any) -> str:
        import numpy as np

        pixels = np.frombuffer(image.data, np.uint8).reshape(image.height, image.width)
        found, _ = self.engine(np.stack([pixels] * 3, axis=-1))
        rows = sorted(found or [], key=lambda r: (r[0][0][1], r[0][0][0]))
        if not rows:
            return ""
        adv = statistics.median((r[0][1][0] - r[0][0][0]) / max(1, len(r[1])) for r in rows)
        margin = min(r[0][0][0] for r in rows)
        return "\n".join(" " * round((r[0][0][0] - margin) / adv) + r[1] for r in rows)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("tesseract", "rapidocr"), default="tesseract")
    parser.add_argument("--scale", type=float, default=None)
    parser.add_argument("--split", choices=("all", "tune", "test"), default="all")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with running_xvfb("1280x800") as display:
        os.environ["DISPLAY"] = display
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
        from cuecard.screen import capture
        from cuecard.screen.capture import Region, grab, read_picture
        from cuecard.screen.ocr import OcrEngine, TesseractOcr
        from screen_pages import ScreenPage, char_accuracy, screens

        if args.scale is not None:
            capture.SCALE = args.scale
        rss0 = peak_rss_mb()
        engine: OcrEngine = TesseractOcr() if args.engine == "tesseract" else RapidOcr()
        rows: list[dict[str, Any]] = []
        latency: list[float] = []
        cpu: list[float] = []

        def show(page: ScreenPage) -> None:
            page.setGeometry(0, 0, 1280, 800)
            page.show()
            for _ in range(20):
                app.processEvents()
                time.sleep(0.01)

        chosen = [s for s in screens() if args.split in ("all", s.split)]
        for screen in chosen:
            page = ScreenPage(screen)
            show(page)
            started = time.perf_counter()
            text = read_picture(grab(Region.of(page.region)), engine)
            seconds = time.perf_counter() - started
            rows.append({"id": screen.id, "theme": screen.theme, "type": screen.type,
                         "split": screen.split, "chars": len(screen.text),
                         "accuracy": round(char_accuracy(text, screen.text, screen.type), 4),
                         "seconds": round(seconds, 2)})  # fmt: skip
            if screen.id == "editor-dark-1":  # the densest: latency on a full 1280×800 region
                full = Region(0, 0, 1280, 800)
                for _ in range(args.repeat):
                    cpu0, t0 = children_cpu(), time.perf_counter()
                    read_picture(grab(full), engine)
                    latency.append(time.perf_counter() - t0)
                    cpu.append(children_cpu() - cpu0)
            page.close()
        by_theme: dict[str, list[float]] = {}
        by_type: dict[str, list[float]] = {}
        for row in rows:
            by_theme.setdefault(row["theme"], []).append(row["accuracy"])
            by_type.setdefault(row["type"], []).append(row["accuracy"])
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        emit({
            "engine": engine.name,
            "scale": capture.SCALE,
            "split": args.split,
            "screens": len(rows),
            "accuracy_by_theme": {k: {"mean": round(statistics.mean(v), 4), "min": min(v),
                                      "n": len(v)} for k, v in by_theme.items()},
            "accuracy_by_type": {k: {"mean": round(statistics.mean(v), 4), "min": min(v),
                                     "n": len(v), "bar": 0.98 if k == "code" else 0.99}
                                 for k, v in by_type.items()},
            "latency_1280x800_s": {"p50": percentile(latency, 50), "p95": percentile(latency, 95),
                                   "n": len(latency)},
            "ocr_child_cpu_s": {"p50": percentile(cpu, 50), "p95": percentile(cpu, 95)},
            "rss_added_mb": round(peak_rss_mb() - rss0, 1),
            "ocr_child_peak_rss_mb": round(child_peak, 1),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "screens_detail": rows,
        })  # fmt: skip
        os._exit(0)  # skip Qt's teardown of windows already closed (a PySide6 finaliser crash)


if __name__ == "__main__":
    main()
