"""Real audio files for the audio tests, written into each test's temp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.signals import tone


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def stereo_tone(tmp_path: Path) -> Callable[..., Path]:
    """A stereo file: 440 Hz on the left (interviewer), 1000 Hz on the right (you)."""

    def make(
        name: str = "tone.wav", rate: int = 44_100, seconds: float = 1.0, **kwargs: str
    ) -> Path:
        data = np.stack([tone(440, seconds, rate), tone(1000, seconds, rate)], axis=1)
        path = tmp_path / name
        sf.write(path, data, rate, **kwargs)
        return path

    return make
