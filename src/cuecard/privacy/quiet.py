"""Vendor telemetry and phone-home, switched off before any vendor library loads.

The egress guard sees Python sockets only. Native code opens its own: measured
on onnxruntime 1.32 (which runs the Silero VAD), a default offline session sent
DNS lookups and TLS to ``mobile.events.data.microsoft.com`` every few seconds
from native threads, and wrote a persistent device id under
``~/.cache/Microsoft/DeveloperTools/.onnxruntime``. No Python-level check can
see or stop that, so the only defence is to never let it start: each vendor's
documented off switch is set here, in the environment, before the library is
imported. ``cuecard/__init__.py`` calls ``silence()``, so every entry point
(the CLI, the desktop app, benches, tools, tests) passes through it.

The values are forced, not defaulted: a user's ``ORT_DISABLE_TELEMETRY=0``
must not turn telemetry back on inside cuecard. What is set here, and the test
that traces every thread's ``connect()`` to prove it, are listed in PRIVACY.md.

Surveyed for this list (every package in the runtime lock): the native
libraries' strings name one telemetry host, onnxruntime's
(``mobile.events.data.microsoft.com``), and one download host, hf_xet's (off
above, used only by ``cuecard models download``). The other SDKs (openai,
anthropic, google-genai) send nothing but the request they are asked for; the
switches above close what they could do on their own. ctranslate2, PyAV,
soundfile, soxr, PySide6/Qt, keyring's Secret Service backend and bm25s have
no phone-home to switch off: tests/privacy/test_native_egress.py runs every
command under ``strace -f`` and fails on any destination but the configured
provider.
"""

from __future__ import annotations

import os
from typing import Final

OFF_SWITCHES: Final[dict[str, str]] = {
    # onnxruntime's 1DS telemetry (native threads, a device id file on disk)
    "ORT_DISABLE_TELEMETRY": "1",
    # huggingface_hub: no usage pings, no implicit token, no network unless
    # `cuecard models download` opens its window (privacy.egress); no update check
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "HF_HUB_DISABLE_XET": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    # google-auth (under google-genai): never probe the GCE metadata server
    # (169.254.169.254, metadata.google.internal) for default credentials.
    # Compared with == "true", so the case matters.
    "NO_GCE_CHECK": "true",
    # anthropic's SDK makes OpenTelemetry spans of every call and sends trace
    # context headers; a user's OTel setup (auto-instrumentation, an exporter in
    # the environment) would ship them, prompt metadata included, to a collector.
    "ANTHROPIC_OPEN_TELEMETRY": "false",
    "ANTHROPIC_OPEN_TELEMETRY_PROPAGATION": "false",
    "OTEL_SDK_DISABLED": "true",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
    # the cross-vendor conventions (consoledonottrack.com; DISABLE_TELEMETRY is
    # honoured by huggingface_hub and others), for anything that honours them
    "DO_NOT_TRACK": "1",
    "DISABLE_TELEMETRY": "1",
}
"""Environment variables every cuecard process runs with."""


def silence() -> None:
    """Set every off switch; cheap and idempotent, so it runs on every import of cuecard."""
    for name, value in OFF_SWITCHES.items():
        os.environ[name] = value


def silence_loaded() -> None:
    """Belt and braces for a library already imported: its own API switch, where it has one."""
    import sys

    ort = sys.modules.get("onnxruntime")
    disable = getattr(ort, "disable_telemetry_events", None)
    if callable(disable):
        disable()
