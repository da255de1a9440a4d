"""Qt runs headless on the offscreen platform for every desktop test in this process.

The variable must be set before the first QApplication exists (pytest-qt makes
it lazily, in the ``qapp`` fixture), so it is set here at import time.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
