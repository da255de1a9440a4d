"""First run: a welcome, then four short steps, and a check that only says "All set" when true.

1. Your microphone and the call's sound: lists (the system default named and
   testable too), with a verdict in words for each.
2. How answers are made: offline notes, your own key, or a model on this computer.
3. Your résumé (optional).
4. The check: it loads the speech model *first*, then asks the user to speak and
   to play something, and passes only when both channels were really heard and
   transcribed. With no sound system it says so, and offers the demo to show that
   the rest works; it never reports success for a demo it quietly played instead.

Finish writes only the choices that changed into config.toml (``config_file``);
someone already set up (a non-default config, a stored key, profile documents)
never sees this again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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

from cuecard import catalog
from cuecard.config import Config
from cuecard.events import Event, Level, Notice, Utterance
from cuecard.ui.desktop.config_file import SaveError, config_path, save_changes
from cuecard.ui.desktop.devices import QUIET_DBFS, DeviceList, DevicePicker
from cuecard.ui.desktop.engine_thread import EngineBridge, SessionSpec
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.settings_pages import DocList, add_to_profile
from cuecard.ui.desktop.state import silent_channel

if TYPE_CHECKING:
    from cuecard.assist.keycheck import KeyVerdict

STEPS = 4
LISTEN_S = 30.0
"""After the model has loaded: time to speak and to start something playing (counted down
on the page, with what the check still waits for)."""
WHO = {"you": "Your microphone", "interviewer": "The call's sound"}
WAITING_FOR = {"you": "your voice", "interviewer": "the call's sound"}
WIDTH, HEIGHT = 640, 520


def needs_first_run(prefs: dict[str, Any]) -> bool:
    """Only for someone not set up yet: no finished wizard, default settings, no key, no
    profile. Someone who set up with the command line is not asked again."""
    from cuecard import config as config_mod

    if prefs.get("first_run_done"):
        return False
    path = config_path()
    if path.exists():
        try:
            if config_mod.load(path, create=False) != Config():
                return False
        except config_mod.ConfigError:
            return False  # set up, with a mistake: the window says what, not a wizard
    from cuecard.privacy import secrets

    try:
        if any(info.masked for info in secrets.list_keys()):
            return False
    except secrets.SecretsError:
        pass
    from cuecard.profile.store import ProfileStore

    return not ProfileStore().documents()


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to cuecard")
        col = QVBoxLayout(self)
        col.addWidget(
            _label(
                "cuecard listens to your interview on this computer and shows short talking "
                "points, from your own résumé, when the interviewer asks something.",
                "lead",
            )
        )
        col.addWidget(
            _label(
                f"Setting up takes about two minutes, in {STEPS} steps:\n"
                "1. Your microphone and the call's sound\n"
                "2. How answers are made\n"
                "3. Your résumé\n"
                "4. A quick check that cuecard hears you and the call"
            )
        )
        col.addWidget(
            _label("What you say is turned into text on this computer and never leaves it.", "hint")
        )
        col.addStretch(1)  # fmt: skip


class DevicesPage(QWizardPage):
    def __init__(self, cfg: Config, devices: DeviceList | None) -> None:
        super().__init__()
        self.setTitle("Your microphone and the call's sound")
        self.setSubTitle(f"Step 1 of {STEPS}")
        self.picker = DevicePicker(cfg.audio.mic, cfg.audio.loopback, devices=devices)
        col = QVBoxLayout(self)
        col.addWidget(self.picker)
        col.addStretch(1)

    @property
    def hear(self) -> QPushButton:
        return self.picker.test_button


class AnswersPage(QWizardPage):
    def __init__(self, cfg: Config, *, tripwire: bool = True) -> None:
        super().__init__()
        self.cfg = cfg
        self.tripwire = tripwire
        self.setTitle("How should answers be made?")
        self.setSubTitle(f"Step 2 of {STEPS}")
        self.offline = QRadioButton("Offline: notes from your résumé, nothing leaves this computer")
        *others, last = [catalog.info(n).label for n in catalog.keyed()] or [""]
        vendors = f"{', '.join(others)} or {last}" if others else last
        self.keyed = QRadioButton(f"With my own key ({vendors})")
        self.local = QRadioButton("With a model on this computer (Ollama, LM Studio…)")
        group = QButtonGroup(self)
        for button in (self.offline, self.keyed, self.local):
            group.addButton(button)
            button.toggled.connect(self._show)
        self.provider = QComboBox()
        for name in catalog.keyed():
            self.provider.addItem(catalog.info(name).label, name)
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste your key: it goes to your computer's keychain")
        self.key_box = QWidget()
        key_form = QFormLayout(self.key_box)
        key_form.addRow("Provider", self.provider)
        key_form.addRow("Key", self.key)
        self.url = QLineEdit(cfg.assist.local.base_url or "")
        self.model = QLineEdit(cfg.assist.local.model or "")
        self.local_box = QWidget()
        local_form = QFormLayout(self.local_box)
        local_form.addRow("Server address", self.url)
        local_form.addRow("Model", self.model)
        local_form.addRow(_label("Ollama: http://127.0.0.1:11434/v1 · LM Studio: "
                                 "http://127.0.0.1:1234/v1", "hint"))  # fmt: skip
        self.error = _label("", "fieldError")
        col = QVBoxLayout(self)
        for widget in (self.offline, self.keyed, self.key_box, self.local, self.local_box,
                       self.error):  # fmt: skip
            col.addWidget(widget)
        col.addStretch(1)
        keyed = catalog.keyed()
        choice = {"local": self.local, **dict.fromkeys(keyed, self.keyed)}
        choice.get(cfg.assist.provider, self.offline).setChecked(True)
        if cfg.assist.provider in keyed:
            self.provider.setCurrentIndex(self.provider.findData(cfg.assist.provider))
        self._show()

    def _show(self) -> None:
        self.key_box.setVisible(self.keyed.isChecked())
        self.local_box.setVisible(self.local.isChecked())

    def validatePage(self) -> bool:
        """A pasted key is checked with its provider and stored now, so a bad one is
        reported on this page: rejected keys are not stored; a key that could not be
        checked (offline) is stored, and the page says why before letting the user on."""
        self.error.setText("")
        if self.local.isChecked():
            if not self.url.text().strip().startswith(("http://", "https://")):
                self.error.setText("Enter the server's address, starting with http://")
                return False
            return True
        if self.offline.isChecked():
            return True
        from cuecard import catalog
        from cuecard.privacy import secrets

        provider = str(self.provider.currentData())
        if not self.key.text().strip():
            try:
                if secrets.resolve_key(provider) is not None:
                    return True  # a key is already stored or in the environment
            except secrets.SecretsError as err:
                self.error.setText(plain(str(err)))
                return False
        try:
            key = secrets.clean_key(self.key.text())
            secrets.get_secret(provider)  # no keychain: say so before asking the provider
        except secrets.SecretsError as err:
            self.error.setText(plain(str(err)))
            return False
        info = catalog.info(provider)
        verdict = self._check(provider, key)
        if verdict.outcome == "rejected":
            self.error.setText(f"{info.label} rejected this key, so it was not saved. "
                               f"Copy a current one from {info.key_url}")  # fmt: skip
            return False
        try:
            secrets.set_key(provider, key)
        except secrets.SecretsError as err:
            self.error.setText(plain(str(err)))
            return False
        self.key.clear()
        if verdict.outcome == "unchecked":  # stored; the next Next finds it and goes on
            self.error.setText(plain(f"Saved, but not checked: {verdict.reason}. "
                                     "Press Next to go on."))  # fmt: skip
            return False
        return True

    def _check(self, provider: str, key: str) -> KeyVerdict:
        """The key check on a worker thread; this page's buttons wait, the window keeps
        painting (a nested event loop until the one request is answered)."""
        from concurrent.futures import ThreadPoolExecutor

        from PySide6.QtCore import QEventLoop

        from cuecard.assist.keycheck import check_key_blocking
        from cuecard.privacy.egress import startup

        guard = startup(self.cfg, tripwire=self.tripwire)
        wizard = self.wizard()
        self.error.setText("Checking the key…")
        wizard.setEnabled(False)
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="cuecard-keycheck") as pool:
                future = pool.submit(check_key_blocking, self.cfg, provider, key, guard)
                loop = QEventLoop()
                poll = QTimer(self, interval=20)

                def quit_when_answered() -> None:
                    if future.done():
                        loop.quit()

                poll.timeout.connect(quit_when_answered)
                poll.start()
                loop.exec()
                poll.stop()
                return future.result()
        finally:
            wizard.setEnabled(True)
            self.error.setText("")

    def provider_choice(self) -> str:
        if self.local.isChecked():
            return "local"
        return "offline" if self.offline.isChecked() else str(self.provider.currentData())


class ProfilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your résumé (optional)")
        self.setSubTitle(f"Step 3 of {STEPS}")
        self.docs = DocList()
        self.docs.dropped.connect(self.add)
        button = QPushButton("Add your résumé…")
        button.clicked.connect(self._pick)
        self.message = _label(
            "Drop your résumé, the job description or your prepared stories here. Answers "
            "are built from them; without them they can only be general."
        )
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
        said = [f"Added {', '.join(added)}."] if added else []
        self.message.setText(" ".join(said + problems))


class SelfTestPage(QWizardPage):
    """The real pipeline on the chosen devices: model first, then "speak now", then a verdict."""

    def __init__(self, wizard: FirstRunDialog, *, realtime: bool = True) -> None:
        super().__init__()
        self.setTitle("A quick check")
        self.setSubTitle(f"Step 4 of {STEPS}")
        self.wiz = wizard
        self.realtime = realtime
        self.run_button = QPushButton("Start the check")
        self.run_button.clicked.connect(self.start)
        self.demo_button = QPushButton("Try the demo recording instead")
        self.demo_button.clicked.connect(self.start_demo)
        self.demo_button.setVisible(False)
        self.instruction = _label(
            "cuecard loads its speech model (a few seconds), then asks you to say something "
            "and to play a video with someone talking, to make sure it hears both.", "lead")
        self.you = _label(name="verdictLine")
        self.call = _label(name="verdictLine")
        self.countdown = _label(name="hint")
        self.report = _label()
        col = QVBoxLayout(self)
        for widget in (self.instruction, self.you, self.call, self.countdown, self.report,
                       self.run_button, self.demo_button):  # fmt: skip
            col.addWidget(widget)
        col.addStretch(1)
        self.bridge = EngineBridge(self)
        self.bridge.session_event.connect(self._on_event)
        self.bridge.listening.connect(self._on_listening)
        self.bridge.failed.connect(self._on_failed)
        self.listen_s = LISTEN_S
        self._deadline = QTimer(self, singleShot=True)
        self._deadline.timeout.connect(self.finish)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._show_countdown)
        self.passed: bool | None = None
        self.mode = "live"
        self.heard: dict[str, str] = {}
        """What each channel said, kept across "Check again" while its device is the same."""
        self._heard_on: dict[str, str | None] = {}
        self._reset()

    def initializePage(self) -> None:
        problem = self.wiz.devices.picker.found.problem
        self.demo_button.setVisible(bool(problem))
        self.run_button.setVisible(not problem)
        if problem:
            self.instruction.setText(problem)
            self.report.setText("The demo recording can still show that the speech model and "
                                "the answers work on this computer.")  # fmt: skip

    def _reset(self) -> None:
        self.loaded = False
        self.sound: set[str] = set()
        self.problems: list[str] = []
        for label in (self.you, self.call, self.countdown, self.report):
            label.setText("")

    def _keep_heard(self, cfg: Config) -> None:
        """"Check again" keeps a channel already heard, unless its device was changed."""
        devices = {"you": cfg.audio.mic, "interviewer": cfg.audio.loopback}
        for channel in list(self.heard):
            if self.mode != "live" or self._heard_on.get(channel) != devices[channel]:
                del self.heard[channel]
        self._heard_on = devices

    def start(self) -> None:
        self._begin("live")

    def start_demo(self) -> None:
        self._begin("demo")

    def _begin(self, mode: str) -> None:
        self._reset()
        cfg = self.wiz.result_config()
        if mode == "live":
            self._keep_heard(cfg)
        else:
            self.heard.clear()
        self.passed = None
        self.mode = mode
        spec = SessionSpec(kind="live" if mode == "live" else "demo", realtime=self.realtime,
                           answers=mode == "demo", tripwire=self.wiz.tripwire)  # fmt: skip
        self.run_button.setEnabled(False)
        self.demo_button.setEnabled(False)
        self.instruction.setText("Loading the speech model… (a few seconds)")
        self.bridge.start(spec, cfg)

    def waiting_for(self) -> list[str]:
        return [WAITING_FOR[ch] for ch in ("you", "interviewer") if ch not in self.heard]

    def _on_listening(self, state: str) -> None:
        if state == "listening" and not self.loaded:
            self.loaded = True
            if self.mode == "live":
                asks = []
                if "you" not in self.heard:
                    asks.append("say something out loud, like “Hello, this is a test”")
                if "interviewer" not in self.heard:
                    asks.append("play a video with someone talking (or join a test call), so "
                                "cuecard hears the call's sound too")  # fmt: skip
                self.instruction.setText(f"Now {' and '.join(asks)}.")
                self._show_rows()
                self._deadline.start(round(self.listen_s * 1000))
                self._tick.start()
                self._show_countdown()
            else:
                self.instruction.setText("Playing the demo recording…")
        elif state in ("ended", "failed") and self.passed is None and self.loaded:
            self.finish()

    def _show_countdown(self) -> None:
        if not self._deadline.isActive():
            self.countdown.setText("")
            return
        left = max(0, round(self._deadline.remainingTime() / 1000))
        waiting = " and ".join(self.waiting_for())
        self.countdown.setText(f"{left} s left · still waiting for {waiting}")

    def _on_failed(self, reason: str) -> None:
        self.problems.append(plain(reason))
        self.finish()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Utterance) and event.final and event.text.strip():
            if event.speaker not in self.heard:
                self.heard[event.speaker] = event.text.strip()
                self._show_countdown()
        elif isinstance(event, Level) and event.dbfs > QUIET_DBFS:
            self.sound.add(event.channel)
        elif (
            isinstance(event, Notice) and event.level != "info"
            and silent_channel(event.message) is None
        ):  # fmt: skip
            # A channel's "no audio for 10 s" is that channel's verdict line, not a second,
            # contradicting sentence after "heard …".
            self.problems.append(plain(event.message))
        if self.mode == "live" and self.loaded and self.passed is None:
            self._show_rows()
            if "you" in self.heard and "interviewer" in self.heard:
                self.finish()

    def _row(self, channel: str) -> str:
        who = WHO[channel]
        if channel in self.heard:
            return f"✔ {who}: heard “{self.heard[channel][:60]}”"
        if channel in self.sound:
            return f"… {who}: there is sound, no words yet"
        return f"… {who}: waiting"

    def _verdict(self, channel: str) -> str:
        """The one line a channel gets at the end: heard, or what to do about it."""
        if channel in self.heard:
            return self._row(channel)
        who, waited = WHO[channel], f"{self.listen_s:.0f} s"
        if channel == "you":
            if channel in self.sound:
                return (f"✕ {who}: sound, but no words in {waited}; speak up, or pick "
                        "another microphone in step 1 (Back)")  # fmt: skip
            return (f"✕ {who}: nothing in {waited}; is it muted? Or pick another one in "
                    "step 1 (Back)")  # fmt: skip
        if channel in self.sound:
            return (f"✕ {who}: sound, but no words in {waited}; play something with "
                    "speech, then check again")  # fmt: skip
        return (f"✕ {who}: nothing in {waited}; play a video with speech through the device "
                "picked in step 1, then check again")  # fmt: skip

    def _show_rows(self) -> None:
        self.you.setText(self._row("you"))
        self.call.setText(self._row("interviewer"))

    def finish(self) -> None:
        if self.passed is not None:
            return
        self._deadline.stop()
        self._tick.stop()
        self.countdown.setText("")
        self.bridge.stop()
        self.run_button.setEnabled(True)
        self.demo_button.setEnabled(True)
        if self.mode == "demo":
            self._finish_demo()
            return
        you, call = "you" in self.heard, "interviewer" in self.heard
        self.passed = self.loaded and you and call
        if self.loaded:
            self.you.setText(self._verdict("you"))
            self.call.setText(self._verdict("interviewer"))
        else:
            self.you.setText("")
            self.call.setText("")
        if self.passed:
            self.instruction.setText("All set: cuecard hears you and the call.")
            self.report.setText("Press Finish, then Start when your interview begins.")
        else:
            self.instruction.setText(
                "Not quite yet." if self.loaded else "The speech model did not load."
            )
            lines = self.problems[:2]
            if self.heard:
                lines.append("What was heard is kept: Check again waits only for the rest.")
            self.report.setText("\n".join(lines))
        self.run_button.setText("Check again")

    def _finish_demo(self) -> None:
        worked = self.loaded and bool(self.heard)
        self.passed = False  # the demo proves the model, never the user's sound
        if worked:
            self.instruction.setText("The speech model and the answers work on this computer.")
            self.report.setText("Listening to a live call still needs a sound system: turn your "
                                "sound on, then open Settings › Devices to test it.")  # fmt: skip
        else:
            self.instruction.setText("The demo did not play through.")
            self.report.setText(" ".join(self.problems[:2]) or plain(""))
        self.demo_button.setText("Play the demo again")


class FirstRunDialog(QWizard):
    """The short setup; ``cfg`` holds the result after ``accept`` (its changes saved)."""

    def __init__(self, cfg: Config, parent: QWidget | None = None, *, realtime: bool = True,
                 tripwire: bool = True, devices: DeviceList | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Welcome to cuecard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.cfg = cfg
        self.original = cfg
        self.tripwire = tripwire
        self.welcome = WelcomePage()
        self.devices = DevicesPage(cfg, devices)
        self.answers = AnswersPage(cfg, tripwire=tripwire)
        self.profile = ProfilePage()
        self.selftest = SelfTestPage(self, realtime=realtime)
        for page in (self.welcome, self.devices, self.answers, self.profile, self.selftest):
            self.addPage(page)
        self.resize(WIDTH, HEIGHT)

    def result_config(self) -> Config:
        data = self.cfg.model_dump(mode="python")
        data["assist"]["provider"] = self.answers.provider_choice()
        if self.answers.local.isChecked():
            data["assist"]["local"]["base_url"] = self.answers.url.text().strip() or None
            data["assist"]["local"]["model"] = self.answers.model.text().strip() or None
        data["audio"]["mic"] = self.devices.picker.choice("input")
        data["audio"]["loopback"] = self.devices.picker.choice("loopback")
        return Config.model_validate(data)

    def accept(self) -> None:
        self.selftest.bridge.stop()
        self.cfg = self.result_config()
        try:
            save_changes(self.original, self.cfg)  # only what changed: the user's file stays
        except SaveError as err:
            self.selftest.report.setText(str(err))
            return
        super().accept()

    def reject(self) -> None:
        self.selftest.bridge.stop()
        super().reject()
