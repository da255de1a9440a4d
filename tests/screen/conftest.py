"""Screen tests: Qt offscreen in this process; a real X server (Xvfb) in child processes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

from xserver import running_xvfb


@pytest.fixture
def xvfb() -> Iterator[str]:
    with running_xvfb("1280x800") as display:
        yield display
