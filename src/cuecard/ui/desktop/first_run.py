"""First run: pick devices, choose offline or paste a key, add a résumé, then a 10-second self-test.

Short on purpose: four pages, each skippable except the choice of how answers
are made. The self-test runs the real pipeline for ten seconds (live devices
when this build has capture and the user picked them, else the bundled demo)
and says plainly what worked: the speech model loaded, speech was heard and
transcribed, both channels had a level, the answer engine is ready.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from cuecard.config import Config
from cuecard.events import Event, Level, Notice, Utterance
from cuecard.ui.desktop.engine_thread import EngineBridge, SessionSpec, live_capture_available
from cuecard.ui.desktop.settings import KEY_PROVIDERS, DocList, save_config

SELF_TEST_S = 10.0
DEFAULT_DEVICE = "(system default)"


def add_to_profile(files: list[Path]) -> tuple[list[str], list[str]]:
    """Add documents to the profile; returns (names added, one-line problems)."""
    from cuecard.profile.documents import ProfileError
    from cuecard.profile.store import ProfileStore

    store, added, problems = ProfileStore(), [], []
    for path in files:
        try:
            added.append(store.add(path).name)
        except ProfileError as err:
            problems.append(str(err))
    return added, problems


class DevicesPage(QWizardPage):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.setTitle("Your microphone and the call's audio")
        self.mic, self.loopback = QComboBox(), QComboBox()
        self.levels = QLabel()
        self.levels.setWordWrap(True)
        self.hear = QPushButton("Hear them (1 s)")
        self.hear.clicked.connect(self.measure)
        form = QFormLayout(self)
        form.addRow("Microphone (you)", self.mic)
        form.addRow("Call audio (interviewer)", self.loopback)
        form.addRow(self.hear)
        form.addRow(self.levels)
        self._devices: list[Any] = []
        self._result: dict[int, float | None] | None = None
        self._poll = QTimer(self, interval=100)
        self._poll.timeout.connect(self._show_levels)
        self._load(cfg)

    def _load(self, cfg: Config) -> None:
        for combo in (self.mic, self.loopback):
            combo.addItem(DEFAULT_DEVICE)
        if not live_capture_available():
            self.levels.setText("This build has no live capture yet: the self-test uses the demo.")
            self.hear.setEnabled(False)
            return
        try:
            from cuecard.audio.capture import backend_for_platform, list_devices

            self._backend = backend_for_platform()
            self._devices = list_devices(self._backend)
        except Exception as err:
            self.levels.setText(f"cannot list devices: {err}")
            self.hear.setEnabled(False)
            return
        for device in self._devices:
            combo = self.mic if device.kind == "input" else self.loopback
            combo.addItem(device.name)
        for combo, wanted in ((self.mic, cfg.audio.mic), (self.loopback, cfg.audio.loopback)):
            if wanted:
                combo.setCurrentText(wanted)

    def choice(self, combo: QComboBox) -> str | None:
        text = combo.currentText()
        return None if text == DEFAULT_DEVICE else text

    def measure(self) -> None:
        from cuecard.audio.capture import measure_levels

        chosen = [d for d in self._devices if d.name in (self.mic.currentText(),
                                                          self.loopback.currentText())]  # fmt: skip
        if not chosen:
            self.levels.setText("pick a device first")
            return
        self.hear.setEnabled(False)
        self.levels.setText("listening… speak, and play something in the call app")
        self._result = None

        def run() -> None:
            self._result = measure_levels(self._backend, chosen, 1.0)

        threading.Thread(target=run, daemon=True).start()
        self._poll.start()

    def _show_levels(self) -> None:
        if self._result is None:
            return
        self._poll.stop()
        self.hear.setEnabled(True)
        names = {d.index: d.name for d in self._devices}
        self.levels.setText("; ".join(
            f"{names[i]}: {'no signal' if db is None or db < -60 else f'{db:.0f} dBFS'}"
            for i, db in self._result.items()
        ))  # fmt: skip


class AnswersPage(QWizardPage):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.setTitle("How should answers be made?")
        self.offline = QRadioButton("Offline: talking points from your own notes, nothing leaves")
        self.keyed = QRadioButton("With my own key:")
        group = QButtonGroup(self)
        group.addButton(self.offline)
        group.addButton(self.keyed)
        self.provider = QComboBox()
        self.provider.addItems(list(KEY_PROVIDERS))
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste your API key: it goes to the OS keychain")
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        col = QVBoxLayout(self)
        for widget in (self.offline, self.keyed, self.provider, self.key, self.error):
            col.addWidget(widget)
        keyed = cfg.assist.provider in KEY_PROVIDERS
        (self.keyed if keyed else self.offline).setChecked(True)
        if keyed:
            self.provider.setCurrentText(cfg.assist.provider)

    def validatePage(self) -> bool:
        """A pasted key is stored now, so a bad one is reported on this page."""
        if self.offline.isChecked():
            return True
        from cuecard.privacy import secrets

        provider = self.provider.currentText()
        if not self.key.text().strip():
            try:
                if secrets.resolve_key(provider) is not None:
                    return True  # a key is already stored or in the environment
            except secrets.SecretsError as err:
                self.error.setText(str(err))
                return False
        try:
            secrets.set_key(provider, self.key.text())
        except secrets.SecretsError as err:
            self.error.setText(str(err))
            return False
        self.key.clear()
        self.error.setText("")
        return True

    def provider_choice(self) -> str:
        return "offline" if self.offline.isChecked() else self.provider.currentText()


class ProfilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your résumé (optional)")
        self.docs = DocList()
        self.docs.dropped.connect(self.add)
        button = QPushButton("Add résumé…")
        button.clicked.connect(self._pick)
        self.message = QLabel("Drop your résumé, the job description or your stories here.")
        self.message.setWordWrap(True)
        col = QVBoxLayout(self)
        col.addWidget(self.message)
        col.addWidget(self.docs, 1)
        col.addWidget(button)

    def _pick(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add your résumé", str(Path.home()),
                                                "Documents (*.pdf *.docx *.md *.txt)")  # fmt: skip
        self.add([Path(n) for n in names])

    def add(self, files: list[Path]) -> None:
        added, problems = add_to_profile(files)
        for name in added:
            self.docs.addItem(name)
        self.message.setText("; ".join([f"added {', '.join(added)}"] * bool(added) + problems))


class SelfTestPage(QWizardPage):
    """Ten seconds of the real pipeline; the report says what worked and what did not."""

    def __init__(self, wizard: FirstRunDialog, *, realtime: bool = True) -> None:
        super().__init__()
        self.setTitle("A 10-second self-test")
        self.wiz = wizard
        self.realtime = realtime
        self.run_button = QPushButton("Run the self-test")
        self.run_button.clicked.connect(self.start)
        self.report = QLabel("It plays ten seconds through speech recognition and answering.")
        self.report.setWordWrap(True)
        col = QVBoxLayout(self)
        col.addWidget(self.run_button)
        col.addWidget(self.report, 1)
        self.bridge = EngineBridge(self)
        self.bridge.session_event.connect(self._on_event)
        self.bridge.listening.connect(self._on_listening)
        self.bridge.failed.connect(self._on_failed)
        self.passed: bool | None = None
        self._reset()

    def _reset(self) -> None:
        self.loaded = False
        self.heard: list[str] = []
        self.levels: set[str] = set()
        self.problems: list[str] = []

    def start(self) -> None:
        self._reset()
        self.passed = None
        cfg = self.wiz.result_config()
        live = live_capture_available() and self.wiz.devices.hear.isEnabled()
        spec = SessionSpec(kind="live" if live else "demo", realtime=self.realtime,
                           tripwire=self.wiz.tripwire)  # fmt: skip
        self.source = "your devices" if live else "the bundled demo"
        self.run_button.setEnabled(False)
        self.report.setText(f"loading the speech model, then listening to {self.source}…")
        self.bridge.start(spec, cfg)
        QTimer.singleShot(round(SELF_TEST_S * 1000), self.finish)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Utterance) and event.final:
            self.heard.append(event.speaker)
        elif isinstance(event, Level) and event.dbfs > -60:
            self.levels.add(event.channel)
        elif isinstance(event, Notice) and event.level != "info":
            self.problems.append(event.message)

    def _on_listening(self, state: str) -> None:
        if state == "listening":
            self.loaded = True
        if state in ("ended", "failed") and self.passed is None and self.loaded:
            self.finish()

    def _on_failed(self, reason: str) -> None:
        self.problems.append(reason)
        self.finish()

    def finish(self) -> None:
        if self.passed is not None:
            return
        self.bridge.stop()
        lines = [
            ("✔" if self.loaded else "✘") + " speech model loaded",
            ("✔" if self.heard else "✘") + f" heard and transcribed {len(self.heard)} turn(s) "
            f"from {self.source}",
            ("✔" if len(self.levels) == 2 else "•") + " level on "
            + (", ".join(sorted(self.levels)) or "no channel"),
        ]  # fmt: skip
        lines += [f"! {p}" for p in self.problems]
        self.passed = self.loaded and bool(self.heard)
        lines.append("All set." if self.passed else "Something is not working: see above.")
        self.report.setText("\n".join(lines))
        self.run_button.setEnabled(True)
        self.run_button.setText("Run it again")


class FirstRunDialog(QWizard):
    """The short setup; ``cfg`` holds the result after ``accept`` (also saved to config.toml)."""

    def __init__(self, cfg: Config, parent: QWidget | None = None, *, realtime: bool = True,
                 tripwire: bool = True) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Welcome to cuecard")
        self.cfg = cfg
        self.tripwire = tripwire
        self.devices = DevicesPage(cfg)
        self.answers = AnswersPage(cfg)
        self.profile = ProfilePage()
        self.selftest = SelfTestPage(self, realtime=realtime)
        for page in (self.devices, self.answers, self.profile, self.selftest):
            self.addPage(page)
        self.resize(560, 420)

    def result_config(self) -> Config:
        data = self.cfg.model_dump(mode="python")
        data["assist"]["provider"] = self.answers.provider_choice()
        data["audio"]["mic"] = self.devices.choice(self.devices.mic)
        data["audio"]["loopback"] = self.devices.choice(self.devices.loopback)
        return Config.model_validate(data)

    def accept(self) -> None:
        self.selftest.bridge.stop()
        self.cfg = self.result_config()
        save_config(self.cfg)
        super().accept()

    def reject(self) -> None:
        self.selftest.bridge.stop()
        super().reject()
