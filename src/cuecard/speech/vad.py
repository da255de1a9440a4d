"""Streaming Silero VAD: one 32 ms window at a time, state carried between calls.

faster-whisper's own VAD helper works on a whole file; live audio needs the
model's recurrent state (h, c) and the 64-sample context kept per channel, so a
window costs ~0.1 ms and speech start/end are known as the audio arrives. The
ONNX file ships inside faster-whisper, so nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

WINDOW = 512  # samples at 16 kHz = 32 ms, what Silero v5/v6 expects
CONTEXT = 64


class SileroModel:
    """The ONNX session, shared by every channel (it holds no per-stream state)."""

    _instance: SileroModel | None = None
    _guard = threading.Lock()

    def __init__(self) -> None:
        import onnxruntime
        from faster_whisper.utils import get_assets_path

        from cuecard.privacy.quiet import silence_loaded

        silence_loaded()  # the environment switch is the real one; this covers a late import

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        path = os.path.join(get_assets_path(), "silero_vad_v6.onnx")
        self.session: Any = onnxruntime.InferenceSession(
            path, providers=["CPUExecutionProvider"], sess_options=opts
        )

    @classmethod
    def shared(cls) -> SileroModel:
        with cls._guard:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance


class StreamingVad:
    """Speech probability per 32 ms window for one channel."""

    def __init__(self, model: SileroModel | None = None) -> None:
        self._model = model or SileroModel.shared()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def __call__(self, window: npt.NDArray[np.float32]) -> float:
        if window.shape != (WINDOW,):
            raise ValueError(f"VAD windows are {WINDOW} samples, got {window.shape}")
        x = np.concatenate([self._context, window])[None, :].astype(np.float32, copy=False)
        prob, self._h, self._c = self._model.session.run(
            None, {"input": x, "h": self._h, "c": self._c}
        )
        self._context = window[-CONTEXT:].copy()
        return float(np.asarray(prob).reshape(-1)[0])
