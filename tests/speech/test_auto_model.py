"""``speech.model = auto``: the largest model with final lag p95 <= 0.5 s here, measured
once and remembered (issue 22)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from cuecard.speech import auto, model


def test_auto_measures_largest_first_remembers_and_is_used(cuecard_home: Path) -> None:
    choice = auto.choose(compute_type="int8", cpu_threads=1)
    measured = list(choice.final_lag_p95_s)
    assert measured[0] == "base", "the largest installed candidate is measured first"
    lag = choice.final_lag_p95_s[choice.model]
    assert choice.model == "tiny.en" or lag <= auto.TARGET_P95_S
    if choice.model == "tiny.en":
        assert choice.final_lag_p95_s["base"] > auto.TARGET_P95_S
    saved = json.loads(auto.cache_file().read_text(encoding="utf-8"))
    assert saved["model"] == choice.model and saved["cpu_threads"] == 1
    t0 = time.perf_counter()
    again = auto.choose(compute_type="int8", cpu_threads=1)
    assert again.model == choice.model and again.final_lag_p95_s == {}  # remembered
    assert time.perf_counter() - t0 < 0.5
    assert model.locate("auto").name == choice.model
    # other settings are measured afresh
    assert auto.remembered(cpu_threads=2) is None


def test_without_a_measurement_auto_means_the_bundled_model(cuecard_home: Path) -> None:
    assert model.locate("auto").name == model.BUNDLED


def test_auto_with_another_language_takes_the_multilingual_model(cuecard_home: Path) -> None:
    from cuecard.config import parse
    from cuecard.session import load_transcriber

    transcriber = load_transcriber(parse({"speech": {"model": "auto", "language": "es"}}))
    assert transcriber.name == "base" and transcriber.multilingual
    assert not auto.cache_file().exists(), "nothing to measure: only base speaks Spanish"
