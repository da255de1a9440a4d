"""First run on a real sound system: device lists with verdicts, an honest check, a kept config.

PulseAudio runs privately with a virtual microphone and a "Call Audio" sink
(tests/live/pulse_server.py); clips from ../shared/testdata are played into them
with paplay, as a person speaking and a call playing would.
"""

from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cuecard import config as config_mod
from cuecard import paths
from cuecard.ui.desktop.config_file import config_path
from cuecard.ui.desktop.devices import DeviceList, no_sound_system
from cuecard.ui.desktop.first_run import AnswersPage, FirstRunDialog, needs_first_run
from fakes.provider_server import FakeProviderServer
from live.pulse_server import PulseServer

FAKE_KEY = "sk-test-" + "abcdefghijklmnop"  # built at run time: obviously not a real key
LEFT = Qt.MouseButton.LeftButton
USER_FILE = '# my own notes about this file\n[ui]\ntheme = "light"  # easier on my eyes\n'


def wizard_at(qtbot: QtBot, page: str, **kwargs: object) -> FirstRunDialog:
    cfg = config_mod.load()
    wizard = FirstRunDialog(cfg, realtime=True, tripwire=False, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage() is wizard.welcome
    while wizard.currentPage() is not getattr(wizard, page):
        wizard.next()
    return wizard


def playing(sound: PulseServer) -> None:
    """Until the sound really plays: on a busy machine paplay takes a moment to start, and a
    level test that listened before it did would rightly hear nothing."""
    sound.wait_until(lambda: sound.playing() >= 1, 15, "paplay to start playing")


def test_devices_are_lists_with_a_verdict_for_each_the_default_included(
    qtbot: QtBot, sound: PulseServer, testdata: Path
) -> None:
    wizard = wizard_at(qtbot, "devices")
    assert wizard.devices.subTitle() == "Step 1 of 4"
    picker = wizard.devices.picker
    mics = [picker.mic.itemText(i) for i in range(picker.mic.count())]
    calls = [picker.call.itemText(i) for i in range(picker.call.count())]
    assert mics == ["System default: Virtual Mic", "Virtual Mic"]
    assert calls[0] == "System default: Monitor of Laptop Speakers"
    assert "Monitor of Call Audio" in calls

    # The defaults are tested as they are: the mic hears the speaker, the idle speakers nothing.
    talk = sound.play("micfeed", testdata / "jfk.flac")
    playing(sound)
    where = picker.test_button.mapTo(wizard, picker.test_button.rect().topLeft())
    qtbot.mouseClick(picker.test_button, LEFT)
    qtbot.waitUntil(picker.test_button.isEnabled, timeout=15_000)
    talk.terminate()
    talk.wait(10)
    # The verdicts had their room already: the button did not move under the pointer.
    assert picker.test_button.mapTo(wizard, picker.test_button.rect().topLeft()) == where
    assert picker.verdicts()["input"] == "✔ We hear you"
    assert picker.verdicts()["loopback"].startswith("✕ Nothing")

    picker.call.setCurrentIndex(calls.index("Monitor of Call Audio"))
    call = sound.play("call", testdata / "beckett.wav")
    playing(sound)
    qtbot.mouseClick(picker.test_button, LEFT)
    qtbot.waitUntil(picker.test_button.isEnabled, timeout=15_000)
    call.terminate()
    call.wait(10)
    assert picker.verdicts()["loopback"] == "✔ We hear the call"
    assert wizard.result_config().audio.loopback == "Monitor of Call Audio"
    assert wizard.result_config().audio.mic is None  # the system default stays the default


def test_the_check_counts_down_gives_one_verdict_per_channel_and_keeps_what_it_heard(
    qtbot: QtBot, sound: PulseServer, testdata: Path
) -> None:
    wizard = wizard_at(qtbot, "devices")
    picker = wizard.devices.picker
    picker.call.setCurrentIndex(picker.call.findData("Monitor of Call Audio"))
    while wizard.currentPage() is not wizard.selftest:
        wizard.next()
    check = wizard.selftest
    assert check.run_button.isVisible() and not check.demo_button.isVisible()
    check.listen_s = 8.0  # the check's own limit, shortened so a silent call ends it soon
    check.start()
    assert "Loading the speech model" in check.instruction.text()
    qtbot.waitUntil(lambda: check.loaded, timeout=60_000)  # the model's load is not counted
    asked = check.instruction.text()
    assert "say something" in asked and "play a video" in asked
    # The countdown says how long is left and what the check still waits for.
    left = check.countdown.text()
    assert left.endswith(" s left · still waiting for your voice and the call's sound")
    assert int(left.split(" s left")[0]) in range(6, 9), left
    # Only the user speaks: not enough, and the countdown now waits for the call alone.
    talk = sound.play("micfeed", testdata / "jfk.flac")
    qtbot.waitUntil(lambda: "you" in check.heard, timeout=30_000)
    assert check.passed is None and check.call.text() in (
        "… The call's sound: waiting", "… The call's sound: there is sound, no words yet"
    )  # fmt: skip
    assert check.countdown.text().endswith("still waiting for the call's sound")
    qtbot.waitUntil(lambda: check.passed is not None, timeout=20_000)  # the call stays silent
    talk.terminate()
    talk.wait(10)
    # One verdict line per channel, none contradicting another.
    assert check.passed is False and check.instruction.text() == "Not quite yet."
    assert check.you.text().startswith("✔ Your microphone: heard")
    assert check.call.text().startswith("✕ The call's sound: nothing in 8 s")
    shown = "\n".join((check.you.text(), check.call.text(), check.report.text()))
    assert "No audio from" not in shown and "microphone was not heard" not in shown
    assert all("\n" not in line.text() for line in (check.you, check.call))
    assert check.countdown.text() == "" and check.run_button.text() == "Check again"

    # Check again keeps what was heard: it waits only for the call.
    check.start()
    qtbot.waitUntil(lambda: check.loaded, timeout=60_000)
    assert check.you.text().startswith("✔ Your microphone: heard")
    assert "say something" not in check.instruction.text()
    assert check.countdown.text().endswith("still waiting for the call's sound")
    call = sound.play("call", testdata / "beckett.wav")
    qtbot.waitUntil(lambda: check.passed is not None, timeout=40_000)
    call.terminate()
    call.wait(10)
    assert check.passed, check.report.text()
    assert check.instruction.text() == "All set: cuecard hears you and the call."
    assert check.you.text().startswith("✔") and check.call.text().startswith("✔")


def test_without_a_sound_system_it_never_says_all_set(qtbot: QtBot) -> None:
    nothing = DeviceList(problem=no_sound_system(""))
    wizard = wizard_at(qtbot, "selftest", devices=nothing)
    check = wizard.selftest
    assert not check.run_button.isVisible() and check.demo_button.isVisible()
    assert "can't reach a sound system" in check.instruction.text()
    assert not wizard.devices.picker.test_button.isEnabled()
    check.realtime = False
    check.start_demo()
    qtbot.waitUntil(lambda: check.passed is not None, timeout=90_000)
    assert check.passed is False
    shown = check.instruction.text() + check.report.text()
    assert "All set" not in shown
    assert "speech model and the answers work" in shown and "sound system" in shown


def test_finish_writes_only_the_choices_and_keeps_the_users_file(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from cuecard.profile.store import ProfileStore

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_FILE, encoding="utf-8")
    assert not needs_first_run({})  # a non-default config: set up already
    wizard = wizard_at(qtbot, "answers", devices=DeviceList(problem="none here"))
    page = wizard.answers
    assert page.subTitle() == "Step 2 of 4" and page.offline.isChecked()
    page.local.setChecked(True)
    assert page.local_box.isVisible() and not page.key_box.isVisible()
    page.url.setText("http://127.0.0.1:1234/v1")
    page.model.setText("qwen2.5")
    wizard.next()
    assert wizard.currentPage() is wizard.profile and wizard.profile.subTitle() == "Step 3 of 4"
    resume = tmp_path / "resume.md"
    resume.write_text("# Experience\n\nRan the payments API for six years.\n", encoding="utf-8")
    wizard.profile.add([resume])
    assert [d.name for d in ProfileStore().documents()] == ["resume.md"]
    assert "Added resume.md" in wizard.profile.message.text()
    wizard.accept()
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_FILE.splitlines()[0]) and "easier on my eyes" in text
    cfg = config_mod.load()
    assert cfg.assist.provider == "local" and cfg.assist.local.base_url.endswith(":1234/v1")
    assert cfg.assist.local.model == "qwen2.5" and cfg.ui.theme == "light"


def key_page(qtbot: QtBot, base_url: str) -> tuple[FirstRunDialog, AnswersPage]:
    """The key step, with OpenAI's base_url pointing at the fake provider server."""
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[assist.openai]\nbase_url = "{base_url}"\n', encoding="utf-8")
    wizard = wizard_at(qtbot, "answers", devices=DeviceList(problem="none here"))
    page = wizard.answers
    page.keyed.setChecked(True)
    page.provider.setCurrentIndex(page.provider.findData("openai"))
    return wizard, page


def test_a_pasted_key_is_checked_goes_to_the_keychain_and_then_setup_is_done(
    qtbot: QtBot, keychain: object
) -> None:
    from cuecard.privacy import secrets

    assert needs_first_run({})
    with FakeProviderServer(require_key=FAKE_KEY) as srv:
        wizard, page = key_page(qtbot, srv.openai_base_url)
        page.key.setText("has a space")
        wizard.next()
        assert wizard.currentPage() is page and "API key" in page.error.text()
        assert srv.requests == [], "a malformed key is refused before anything is sent"
        page.key.setText(FAKE_KEY)
        wizard.next()
        assert [(r.method, r.path, r.api_key) for r in srv.requests] == [
            ("GET", "/v1/models", FAKE_KEY)
        ]
    assert wizard.currentPage() is wizard.profile
    assert page.key.text() == ""
    assert secrets.get_secret("openai") == FAKE_KEY
    wizard.accept()
    assert config_mod.load().assist.provider == "openai"
    assert not needs_first_run({})  # someone with a key is not asked again
    assert not needs_first_run({"first_run_done": True})


def test_a_key_the_provider_rejects_is_not_saved_and_the_page_says_so(
    qtbot: QtBot, keychain: object
) -> None:
    from cuecard.privacy import secrets

    with FakeProviderServer(require_key="the-right-key") as srv:
        wizard, page = key_page(qtbot, srv.openai_base_url)
        page.key.setText(FAKE_KEY)
        wizard.next()
    assert wizard.currentPage() is page
    assert page.error.text().startswith("OpenAI rejected this key, so it was not saved.")
    assert "platform.openai.com" in page.error.text() and FAKE_KEY not in page.error.text()
    assert secrets.get_secret("openai") is None
    assert wizard.isEnabled()


def test_an_unreachable_provider_saves_the_key_and_says_it_was_not_checked(
    qtbot: QtBot, keychain: object
) -> None:
    from cuecard.privacy import secrets

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    wizard, page = key_page(qtbot, f"http://127.0.0.1:{port}/v1")
    page.key.setText(FAKE_KEY)
    wizard.next()
    assert wizard.currentPage() is page
    assert page.error.text().startswith("Saved, but not checked:")
    assert secrets.get_secret("openai") == FAKE_KEY
    wizard.next()  # it was said once; the stored key lets the user on
    assert wizard.currentPage() is wizard.profile
