"""Streaming resampling to 16 kHz: lengths, frequencies, and seamless block borders."""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from audio.signals import peak_hz, tone
from cuecard.audio.resample import Resampler


def run_blocks(resampler: Resampler, data: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Feed ``data`` in blocks of uneven sizes (cycling through ``sizes``)."""
    out, start, i = [], 0, 0
    while start < len(data):
        size = sizes[i % len(sizes)]
        out.append(resampler.process(data[start : start + size]))
        start += size
        i += 1
    out.append(resampler.flush())
    return np.concatenate(out)


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000, 96_000])
def test_resamples_to_16k_keeping_duration_and_frequency(rate: int) -> None:
    data = np.stack([tone(1000, 2.0, rate), tone(3000 if rate > 8_000 else 2500, 2.0, rate)], 1)
    out = run_blocks(Resampler(rate, 2), data, [rate // 2, 1234, 7, rate // 3])
    assert out.dtype == np.float32
    assert out.shape == (32_000, 2)  # exactly 2 s at 16 kHz
    assert abs(peak_hz(out[:, 0], 16_000) - 1000) < 2
    assert abs(peak_hz(out[:, 1], 16_000) - (3000 if rate > 8_000 else 2500)) < 2


@pytest.mark.parametrize("rate", [8_000, 44_100, 48_000, 96_000])
def test_block_borders_are_seamless(rate: int) -> None:
    """Blocked output equals resampling the whole signal at once: no clicks, nothing lost."""
    data = tone(440, 3.0, rate).reshape(-1, 1)
    blocked = run_blocks(Resampler(rate, 1), data, [rate // 2, 999, 1])
    whole = soxr.resample(data, rate, 16_000, quality="HQ")
    assert blocked.shape == whole.shape
    np.testing.assert_allclose(blocked, whole, atol=1e-6)
    # and, independently of soxr agreeing with itself, no jump larger than the sine's own
    steepest = 0.5 * 2 * np.sin(np.pi * 440 / 16_000)
    assert np.abs(np.diff(blocked[100:-100, 0])).max() < steepest * 1.05


def test_16k_passes_through_untouched() -> None:
    resampler = Resampler(16_000, 1)
    assert resampler.passthrough
    block = tone(440, 0.5, 16_000).reshape(-1, 1)
    assert resampler.process(block) is block
    assert resampler.flush().shape == (0, 1)


def test_overshoot_from_clipped_input_is_clipped_again() -> None:
    square = np.sign(tone(300, 1.0, 44_100)).astype(np.float32).reshape(-1, 1)
    out = run_blocks(Resampler(44_100, 1), square, [22_050])
    assert np.abs(out).max() <= 1.0
    assert np.abs(out).max() > 0.99


def test_wrong_block_shape_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="expected"):
        Resampler(44_100, 2).process(np.zeros((10, 1), np.float32))
