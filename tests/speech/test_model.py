"""The speech model is verified before it loads and never downloaded behind the user's back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuecard.speech import model


def test_bundled_model_passes_its_checksum() -> None:
    loc = model.locate("tiny.en")
    model.verify(loc)  # raises on mismatch
    assert loc.expected_sha256 == model.BUNDLED_SHA256


def test_tampered_model_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    bundled = model.locate("tiny.en").path
    fake = tmp_path / "tiny.en"
    fake.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (fake / name).symlink_to(bundled / name)
    data = bytearray((bundled / "model.bin").read_bytes()[:4096])
    data[100] ^= 0xFF
    (fake / "model.bin").write_bytes(bytes(data))
    loc = model.ModelLocation("tiny.en", fake, model.BUNDLED_SHA256)
    with pytest.raises(model.ModelError, match="integrity check"):
        model.verify(loc)


def test_a_larger_model_is_never_fetched_at_start_up() -> None:
    with pytest.raises(model.ModelError, match="cuecard models download small.en"):
        model.locate("small.en")


def test_unknown_names_and_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(model.ModelError, match="unknown speech model"):
        model.locate("tiny-fr-super")
    with pytest.raises(model.ModelError, match="no model.bin"):
        model.locate(str(tmp_path))
