"""Streaming resampling to 16 kHz, block by block, with no clicks at block borders.

Whisper and the VAD want 16 kHz. Resampling each block on its own would
restart the filter at every border (a click every half second, and a few
samples lost or gained each time); ``soxr.ResampleStream`` keeps the filter
state between blocks, so the concatenated output equals a one-shot resample of
the whole file. Each channel is filtered independently.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

from cuecard.audio.files import Block, clean
from cuecard.events import SAMPLE_RATE

__all__ = ["Resampler"]


class Resampler:
    """Turns ``(frames, channels)`` float32 blocks at ``in_rate`` into blocks at ``out_rate``.

    Call :meth:`process` for each block in order and :meth:`flush` once at the
    end for the filter's tail. Already at ``out_rate``: the blocks pass
    through untouched (no filter, no delay). Output is clipped to [-1, 1]
    again, because a steep filter overshoots on clipped input.
    """

    def __init__(
        self, in_rate: int, channels: int, out_rate: int = SAMPLE_RATE, quality: str = "HQ"
    ) -> None:
        if in_rate <= 0 or out_rate <= 0 or channels <= 0:
            raise ValueError(f"bad resampler shape: {in_rate} Hz -> {out_rate} Hz, {channels} ch")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.channels = channels
        self._stream = (
            None
            if in_rate == out_rate
            else soxr.ResampleStream(in_rate, out_rate, channels, dtype="float32", quality=quality)
        )

    @property
    def passthrough(self) -> bool:
        return self._stream is None

    def process(self, block: npt.NDArray[np.float32]) -> Block:
        """Resample the next block; the output may be a few frames shorter or longer."""
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"expected (frames, {self.channels}) samples, got {block.shape}")
        if self._stream is None:
            return block
        out = self._stream.resample_chunk(np.ascontiguousarray(block), last=False)
        return clean(out.reshape(-1, self.channels))

    def flush(self) -> Block:
        """The filter's remaining output; call once after the last block."""
        if self._stream is None:
            return np.zeros((0, self.channels), dtype=np.float32)
        empty = np.zeros((0, self.channels), dtype=np.float32)
        out = self._stream.resample_chunk(empty, last=True)
        return clean(out.reshape(-1, self.channels))
