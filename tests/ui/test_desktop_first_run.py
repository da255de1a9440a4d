"""First run: the choices land in config.toml and the keychain; the self-test runs for real."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from cuecard import config as config_mod
from cuecard.config import Config
from cuecard.ui.desktop.first_run import FirstRunDialog

FAKE_KEY = "sk-test-" + "abcdefghijklmnop"  # built at run time: obviously not a real key


def test_offline_setup_with_a_resume_and_a_passing_self_test(qtbot: QtBot, tmp_path: Path) -> None:
    from cuecard.profile.store import ProfileStore

    wizard = FirstRunDialog(Config(), realtime=False, tripwire=False)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()  # devices: the defaults
    assert wizard.answers.offline.isChecked()
    wizard.next()
    resume = tmp_path / "resume.md"
    resume.write_text("# Experience\n\nRan the payments API for six years.\n", encoding="utf-8")
    wizard.profile.add([resume])
    assert [d.name for d in ProfileStore().documents()] == ["resume.md"]
    wizard.next()
    assert wizard.currentPage() is wizard.selftest
    # Whether this machine has capture devices depends on which tests ran before
    # (the live tests start a PulseAudio server with silent null sinks); with no
    # usable device the self-test plays the demo, which is what is checked here.
    wizard.devices.hear.setEnabled(False)
    wizard.selftest.start()
    qtbot.waitUntil(lambda: wizard.selftest.passed is not None, timeout=30_000)
    report = wizard.selftest.report.text()
    assert wizard.selftest.passed, report
    assert "✔ speech model loaded" in report and "✔ heard and transcribed" in report
    wizard.accept()
    assert config_mod.load().assist.provider == "offline"


def test_a_pasted_key_goes_to_the_keychain(qtbot: QtBot, keychain: object) -> None:
    from cuecard.privacy import secrets

    wizard = FirstRunDialog(Config(), realtime=False, tripwire=False)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    page = wizard.answers
    page.keyed.setChecked(True)
    page.provider.setCurrentText("openai")
    page.key.setText("has a space")
    wizard.next()
    assert wizard.currentPage() is page and "API key" in page.error.text()
    page.key.setText(FAKE_KEY)
    wizard.next()
    assert wizard.currentPage() is wizard.profile
    assert page.key.text() == ""
    assert secrets.get_secret("openai") == FAKE_KEY
    wizard.accept()
    assert config_mod.load().assist.provider == "openai"
