"""Questions on screen: a region the candidate picks, read by OCR on this device.

Below the front ends (the desktop overlay and ``cuecard ask --screen``), above
nothing of cuecard's own: it must not import ``ui``, ``cli``, ``session`` or
``assist`` (tests/test_layers.py). Only text leaves this package.
"""
