"""Test signals and measurements shared by the audio tests (import as ``audio.signals``)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

Tone = npt.NDArray[np.float32]


def tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> Tone:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(samples: npt.NDArray[np.floating], rate: int) -> float:
    """The strongest frequency, to 1 Hz resolution at least (zero-padded FFT)."""
    n = max(len(samples), rate)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), n))
    return float(np.argmax(spectrum) * rate / n)


def write_av(path: Path, data: Tone, rate: int, fmt: str, codec: str) -> Path:
    """Encode ``data`` (frames, channels) with FFmpeg: M4A/AAC, WebM/Opus, MP3 ..."""
    channels = data.shape[1]
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = layout  # type: ignore[attr-defined]
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data.T), format="fltp", layout=layout
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):  # type: ignore[attr-defined]
            container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[attr-defined]
            container.mux(packet)
    return path
