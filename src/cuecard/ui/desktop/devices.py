"""Choosing the microphone and the call's audio from lists, with a plain verdict for each.

Used by the first run and by Settings. Device names are what the user sees in
their sound settings; the first entry of each list is the system default, named
("System default: Laptop Mic"), so it can be tested like any other. "Test"
records both for a couple of seconds on a worker thread and says in words what
it heard: "We hear you", "Too quiet", "Nothing".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QWidget

from cuecard.ui.desktop.plain import plain

TEST_S = 2.0
"""Long enough to say a few words; short enough to run twice without thinking."""
QUIET_DBFS = -50.0
"""Below this, speech is there but too weak for reliable transcription."""
SILENT_DBFS = -70.0
"""Below this a device hears nothing (a working microphone's room noise is above)."""

Kind = Literal["input", "loopback"]
Tone = Literal["ok", "warn", "bad"]


@dataclass(frozen=True, slots=True)
class Verdict:
    tone: Tone
    text: str


def verdict(kind: Kind, dbfs: float | None) -> Verdict:
    """What a level means for a person, in words (the numbers stay in the tooltip)."""
    if dbfs is None:
        return Verdict("bad", "✕ Can't open this device: pick another one")
    if dbfs < SILENT_DBFS:
        if kind == "input":
            return Verdict("bad", "✕ Nothing: is the microphone muted, or is it the wrong one?")
        return Verdict("bad", "✕ Nothing: play a video with sound, then test again")
    if dbfs < QUIET_DBFS:
        if kind == "input":
            return Verdict("warn", "! Too quiet: speak up, or move closer to the microphone")
        return Verdict("warn", "! Too quiet: turn the call's volume up")
    return Verdict("ok", "✔ We hear you" if kind == "input" else "✔ We hear the call")


@dataclass
class DeviceList:
    """What the sound system offers now, or why there is nothing (one line for the window)."""

    backend: Any = None
    devices: tuple[Any, ...] = ()
    problem: str = ""

    def of(self, kind: Kind) -> list[Any]:
        return [d for d in self.devices if d.kind == kind]

    def default(self, kind: Kind) -> Any | None:
        found = self.of(kind)
        return next((d for d in found if d.default), found[0] if found else None)


def load_devices() -> DeviceList:
    """Ask the sound system for its devices; never raises (a missing one is a ``problem``)."""
    from cuecard.audio.capture import backend_for_platform, list_devices
    from cuecard.audio.errors import AudioError

    try:
        backend = backend_for_platform()
        devices = list_devices(backend)
    except AudioError as err:
        return DeviceList(problem=no_sound_system(str(err)))
    except Exception:  # a sound library failing in its own way: same advice
        return DeviceList(problem=no_sound_system(""))
    return DeviceList(backend, tuple(devices))


def no_sound_system(detail: str) -> str:
    base = "cuecard can't reach a sound system on this computer, so it can't hear anything"
    hint = plain(detail) if detail else ""
    return f"{base}. {hint}" if hint else f"{base}. Is your sound turned on?"


def config_name(device: Any, devices: tuple[Any, ...]) -> str:
    """How config.toml names a device: its name, or its id when two devices share the name."""
    same = [d for d in devices if d.name.casefold() == device.name.casefold()]
    return str(device.name if len(same) == 1 else device.id)


class DevicePicker(QWidget):
    """Microphone and call-audio lists, a Test button, and a verdict under each list."""

    def __init__(self, mic: str | None, loopback: str | None, parent: QWidget | None = None,
                 devices: DeviceList | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.found = devices if devices is not None else load_devices()
        self.mic = QComboBox()
        self.mic.setObjectName("micList")
        self.call = QComboBox()
        self.call.setObjectName("callList")
        self.mic_verdict = self._verdict_label()
        self.call_verdict = self._verdict_label()
        self.test_button = QPushButton(f"Test both ({TEST_S:.0f} s)")
        self.test_button.clicked.connect(self.test)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("hint")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Your microphone", self.mic)
        form.addRow("", self.mic_verdict)
        form.addRow("The call's sound", self.call)
        form.addRow("", self.call_verdict)
        form.addRow("", self.test_button)
        form.addRow(self.message)
        self.result: dict[int, float | None] | None = None
        self._testing: list[tuple[QLabel, Kind, Any]] = []
        self._poll = QTimer(self, interval=100)
        self._poll.timeout.connect(self._show_result)
        self._fill(self.mic, "input", mic)
        self._fill(self.call, "loopback", loopback)
        if self.found.problem:
            self.message.setText(self.found.problem)
            self.test_button.setEnabled(False)
        else:
            self.message.setText(
                "Test listens for a moment: say something, and play a video with sound "
                "(or join a test call) so the call's sound is heard too."
            )

    @staticmethod
    def _verdict_label() -> QLabel:
        """Shown from the start ("not tested yet") with room for two lines, so a verdict
        arriving never pushes the Test button down under the pointer."""
        label = QLabel("· not tested yet")
        label.setObjectName("verdict")
        label.setProperty("tone", "none")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return label

    def showEvent(self, event: QShowEvent) -> None:
        """Two lines of room per verdict, in the font the style sheet really gave it."""
        super().showEvent(event)
        for label in (self.mic_verdict, self.call_verdict):
            label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 2)

    def _fill(self, combo: QComboBox, kind: Kind, wanted: str | None) -> None:
        default = self.found.default(kind)
        name = f": {default.name}" if default is not None else ""
        combo.addItem(f"System default{name}", None)
        for device in self.found.of(kind):
            combo.addItem(device.name, config_name(device, self.found.devices))
        if wanted:
            index = combo.findData(wanted)
            if index < 0:
                low = wanted.casefold()
                index = next((i for i in range(1, combo.count())
                              if low in combo.itemText(i).casefold()), -1)  # fmt: skip
            if index < 0:  # configured, but not plugged in now: keep it, say so
                combo.addItem(f"{wanted} (not connected now)", wanted)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
        combo.setEnabled(not self.found.problem)

    def choice(self, kind: Kind) -> str | None:
        """What config.toml should say: a device name, or None for the system default."""
        combo = self.mic if kind == "input" else self.call
        data = combo.currentData()
        return str(data) if data else None

    def device(self, kind: Kind) -> Any | None:
        """The device the current choice means now (the default resolved)."""
        wanted = self.choice(kind)
        if wanted is None:
            return self.found.default(kind)
        for device in self.found.devices:
            if config_name(device, self.found.devices) == wanted:
                return device
        return None

    # -- the level test ---------------------------------------------------------
    def test(self) -> None:
        from cuecard.audio.capture import measure_levels

        chosen = [(self.mic_verdict, "input", self.device("input")),
                  (self.call_verdict, "loopback", self.device("loopback"))]  # fmt: skip
        self._testing = [(label, kind, dev) for label, kind, dev in chosen]  # type: ignore[misc]
        devices = [dev for _, _, dev in self._testing if dev is not None]
        for label, _, dev in self._testing:
            label.setVisible(True)
            self._tone(label, "warn" if dev is not None else "bad",
                       "Listening… say something now" if dev is not None
                       else "✕ There is no such device now: pick another one")  # fmt: skip
        if not devices:
            return
        self.test_button.setEnabled(False)
        self.result = None
        backend = self.found.backend

        def run() -> None:
            self.result = measure_levels(backend, devices, TEST_S)

        threading.Thread(target=run, name="cuecard-level-test", daemon=True).start()
        self._poll.start()

    def _show_result(self) -> None:
        result = self.result
        if result is None:
            return
        self._poll.stop()
        self.test_button.setEnabled(True)
        for label, kind, dev in self._testing:
            if dev is None:
                continue
            dbfs = result.get(dev.index)
            said = verdict(kind, dbfs)
            self._tone(label, said.tone, said.text)
            label.setToolTip(f"{dev.name}: {dbfs:.0f} dBFS" if dbfs is not None else dev.name)

    def verdicts(self) -> dict[Kind, str]:
        return {"input": self.mic_verdict.text(), "loopback": self.call_verdict.text()}

    @staticmethod
    def _tone(label: QLabel, tone: Tone, text: str) -> None:
        label.setText(text)
        label.setProperty("tone", tone)
        style = label.style()
        style.unpolish(label)
        style.polish(label)
