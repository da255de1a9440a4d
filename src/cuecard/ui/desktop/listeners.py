"""Plain Python callbacks where the overlay would otherwise emit a Qt signal from Python.

PySide6 6.12.0 drops a reference to ``True`` on every ``SignalInstance.emit()``
called from Python (the returned bool is not increfed), so a few thousand
emits abort the interpreter ("deallocating True or False"). Signals Qt emits
from C++ (timers, clicks) are fine, and so is ``QMetaObject.invokeMethod``;
only Python-side ``emit`` is affected. Events stream many times a second for a
whole interview, so the overlay never emits signals from Python: it calls these
listeners directly, on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Listeners:
    """A tiny stand-in for a Qt signal: ``connect(fn)``, then call it to notify everyone."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        self._slots.remove(slot)

    def __call__(self, *args: Any) -> None:
        for slot in list(self._slots):
            slot(*args)
