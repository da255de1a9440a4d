"""The bundled app's entry point: ``cuecard`` with no Python installed.

``import cuecard`` must be the first import that can load a vendor library:
it forces every vendor's telemetry off switch into the environment
(cuecard.privacy.quiet) before onnxruntime, CTranslate2 or huggingface_hub
read it. A PyInstaller runtime hook runs before this file, so a hook that
imported one of them would load it unsilenced; this file refuses to start
rather than run a session whose native threads might phone home.
"""

import sys
from pathlib import Path

_VENDORS = ("onnxruntime", "ctranslate2", "faster_whisper", "huggingface_hub", "tokenizers", "av")

_early = [name for name in _VENDORS if name in sys.modules]
if _early:
    sys.exit(f"cuecard: {', '.join(_early)} loaded before cuecard; this build is broken, report it")

import cuecard  # noqa: E402, F401  (sets the off switches; must precede every vendor import)
from cuecard.cli import main  # noqa: E402

if __name__ == "__main__":
    # The desktop launcher (cuecard-app, cuecard.app) starts the overlay when
    # it is double-clicked, i.e. run with no arguments.
    if len(sys.argv) == 1 and Path(sys.executable).stem.lower() == "cuecard-app":
        sys.argv.append("app")
    main()
