"""cuecard: a private, bring-your-own-key interview copilot.

Audio and transcription stay on the device; only the prompt for an answer goes
to the provider the user chose.
"""

import os as _os

# Core dumps off before anything holds a key, a prompt or a transcript (see
# cuecard.privacy.nodump): every entry point and helper process imports cuecard first.
from cuecard.privacy.nodump import forbid_core_dumps as _forbid_core_dumps

_forbid_core_dumps()

# numpy's OpenBLAS starts one thread per core, and the idle ones spin after each
# small matrix product (the mel filterbank of every Whisper pass): measured on the
# demo, that nearly doubled the CPU a session costs for no gain in latency. Set
# before numpy is first imported; a value the user chose is kept.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Vendor telemetry off before any vendor library loads: native code opens sockets
# the egress guard cannot see (see cuecard.privacy.quiet).
from cuecard.privacy.quiet import silence as _silence  # noqa: E402 - after the dump switch

_silence()

__version__ = "0.1.0"
