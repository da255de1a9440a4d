"""What a capture backend is: the device record, an open stream and the OS backend's contract.

These types sit in their own module, below both ``capture`` (which drives
devices) and the per-OS ``backend_*`` modules (which implement them), so a
backend never imports the capture loop that imports it: one direction only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from cuecard.audio.files import Block

__all__ = ["Backend", "Device", "DeviceKind", "InputStream"]

DeviceKind = Literal["input", "loopback"]


@dataclass(frozen=True, slots=True)
class Device:
    """One capturable device as the user sees it in ``cuecard devices``.

    ``id`` is the backend's stable identifier (PulseAudio source name, WASAPI
    endpoint id, CoreAudio device id); ``index`` is the number shown in the
    listing, so ``--mic 2`` picks what the user saw.
    """

    id: str
    name: str
    kind: DeviceKind
    channels: int
    default: bool = False
    index: int = -1


class InputStream(Protocol):
    """An open device; ``read`` blocks for about one block and returns ``(frames, channels)``."""

    channels: int

    def read(self) -> Block: ...

    def close(self) -> None: ...


class Backend(ABC):
    """The OS-specific part: what can be captured, which is the default, and opening it."""

    name: ClassVar[str]

    @abstractmethod
    def devices(self) -> list[Device]:
        """Every input and loopback device now, defaults marked (indexes not yet assigned)."""

    @abstractmethod
    def open(self, device: Device, rate: int, frames: int) -> InputStream:
        """Start capturing ``device`` at ``rate`` Hz in blocks of ``frames``; raise if it cannot."""

    def missing_hint(self, kind: DeviceKind) -> str:
        """What to do when no device of ``kind`` exists, as one sentence."""
        if kind == "input":
            return "no microphone found: plug one in, or pass --mic NAME (see `cuecard devices`)"
        return "no device to capture the call's audio from (see `cuecard devices`)"
