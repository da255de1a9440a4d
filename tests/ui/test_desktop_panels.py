"""Settings, privacy panel and erase-all, on real backends (config file, keychain, vault)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from cuecard import config as config_mod
from cuecard.config import Config
from cuecard.events import PromptSent
from cuecard.ui.desktop.app import OverlayWindow
from cuecard.ui.desktop.config_file import save_changes
from cuecard.ui.desktop.prefs import prefs_path, save_prefs
from cuecard.ui.desktop.privacy_panel import PrivacyPanel
from cuecard.ui.desktop.settings import PAGES, SettingsDialog, config_path
from cuecard.ui.desktop.state import OverlayState


def test_settings_mark_an_invalid_value_inline_before_save(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_page("Display")
    size = dialog.fields[("ui", "font_size")]
    assert isinstance(size.widget, QLineEdit)
    size.widget.selectAll()
    qtbot.keyClicks(size.widget, "200")
    # Marked while typing: outlined, explained under the field, Save off; nothing written.
    assert size.widget.property("invalid") is True
    assert size.error.isVisible() and "48" in size.error.text()
    assert not dialog.save_button.isEnabled()
    assert dialog.invalid_fields() == [("ui", "font_size")]
    assert not config_path().exists()

    size.widget.setText("abc")
    assert "whole number" in size.error.text()
    size.widget.setText("26")
    assert size.widget.property("invalid") is False and not size.error.isVisible()
    assert dialog.save_button.isEnabled()

    opacity = dialog.fields[("ui", "opacity")].widget
    assert isinstance(opacity, QLineEdit)
    opacity.setText("0.1")
    assert dialog.invalid_fields() == [("ui", "opacity")]
    opacity.setText("0.9")

    saved: list[Config] = []
    dialog.applied.connect(saved.append)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved and saved[0].ui.font_size == 26
    # What was written is what `cuecard` reads back.
    assert config_mod.load().ui.font_size == 26
    assert config_mod.load().ui.opacity == 0.9


def test_settings_round_trip_every_section_and_fit_a_laptop_screen(qtbot: QtBot) -> None:
    cfg = Config.model_validate({
        "assist": {"provider": "local", "fallback": ["anthropic"],
                   "local": {"model": "qwen", "base_url": "http://127.0.0.1:9/v1"}},
        "privacy": {"redact": True, "redact_terms": ["Alex Rivera", 'Quote "me"']},
        "ui": {"theme": "light"},
    })  # fmt: skip
    save_changes(Config(), cfg)  # what the dialog writes is what `cuecard` reads back
    assert config_mod.load() == cfg
    dialog = SettingsDialog(cfg)
    qtbot.addWidget(dialog)
    dialog.show()
    for page in PAGES:  # every page, with its longest texts, fits 1280×800
        dialog.show_page(page)
        assert dialog.page == page
        hint = dialog.sizeHint().expandedTo(dialog.size())
        assert hint.width() <= 1280 and hint.height() <= 800, (page, hint)
        assert dialog.minimumSizeHint().width() <= 1280
    fallback = dialog.fields[("assist", "fallback")].widget
    assert isinstance(fallback, QLineEdit)
    fallback.setText("anthropic, nonsense")
    assert dialog.invalid_fields() == [("assist", "fallback")]
    fallback.setText("anthropic, offline")
    assert dialog.save()
    assert config_mod.load() == cfg.model_copy(
        update={"assist": cfg.assist.model_copy(update={"fallback": ["anthropic", "offline"]})}
    )


def test_window_applies_saved_settings(qtbot: QtBot) -> None:
    win = OverlayWindow(Config())
    qtbot.addWidget(win)
    win.on_settings_saved(Config.model_validate({"ui": {"theme": "light", "font_size": 22}}))
    assert win.theme.name == "light" and "font-size: 22px" in win.styleSheet()
    win.close()


def test_prompt_inspector_shows_exactly_what_was_sent(qtbot: QtBot) -> None:
    state = OverlayState()
    state.apply(PromptSent(7, "openai", "api.openai.com", "SYSTEM rules\nQUESTION x", True, 3.2))
    panel = PrivacyPanel(state)
    qtbot.addWidget(panel)
    panel.show_tab("prompts")
    panel.refresh()
    assert panel.prompt_list.count() == 1
    assert (
        "openai" in panel.prompt_list.item(0).text()
        and "redacted" in panel.prompt_list.item(0).text()
    )
    assert panel.prompt_text.toPlainText().endswith("SYSTEM rules\nQUESTION x")


def test_erase_all_empties_vault_profile_and_keychain(
    qtbot: QtBot, keychain: object, tmp_path: Path
) -> None:
    from cuecard.privacy import secrets
    from cuecard.privacy.vault import Vault, vault_files, vault_path
    from cuecard.profile.store import ProfileStore

    # Real data in every place: a key stored through the settings dialog, a kept
    # session in the vault (which creates the master key), a profile document, settings.
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    dialog.keys.key_edits["anthropic"].setText("sk-ant-test-" + "0123456789abcdef")
    save_key = dialog.findChild(QPushButton, "save_key_anthropic")
    assert save_key is not None
    qtbot.mouseClick(save_key, Qt.MouseButton.LeftButton)
    assert dialog.keys.key_edits["anthropic"].text() == ""  # never shown again
    assert "cdef" in dialog.keys.key_status["anthropic"].text()
    assert "0123456789" not in dialog.keys.key_status["anthropic"].text()
    with Vault.open() as vault, vault.start_session() as writer:
        writer.append("utterance", {"speaker": "you", "text": "something private"})
    resume = tmp_path / "resume.md"
    resume.write_text("# Experience\n\nBuilt payment APIs for six years.\n", encoding="utf-8")
    dialog.profile.add_documents([resume])
    assert dialog.profile.docs.count() == 1
    assert dialog.save()
    save_prefs({"first_run_done": True})
    assert set(secrets.keychain_entries()) == {"anthropic", "vault-master-key"}
    with Vault.open() as vault:
        assert len(vault.list_sessions()) == 1

    win = OverlayWindow(Config())
    qtbot.addWidget(win)
    win.open_privacy("data")
    panel = win._privacy_panel
    assert isinstance(panel, PrivacyPanel)
    assert "2 keychain entries" in panel.data_summary.text()
    qtbot.mouseClick(panel.erase_button, Qt.MouseButton.LeftButton)
    box = panel.confirm_box
    assert box is not None and box.isVisible()  # one confirmation, nothing erased yet
    assert set(secrets.keychain_entries()) == {"anthropic", "vault-master-key"}
    confirm = box.findChild(QPushButton, "confirmErase")
    assert confirm is not None
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)

    assert secrets.keychain_entries() == []
    assert not any(p.exists() for p in vault_files(vault_path()))
    with Vault.open() as vault:
        assert vault.list_sessions() == []
    assert ProfileStore().documents() == []
    assert not config_path().exists() and not prefs_path().exists()
    assert "Erased" in panel.erase_result.text()
    assert "0 keychain entries" in panel.data_summary.text()
    win.close()


def test_a_desktop_session_is_kept_in_the_vault_when_the_user_opted_in(
    qtbot: QtBot, keychain: object
) -> None:
    from cuecard.privacy.vault import Vault
    from cuecard.ui.desktop.engine_thread import SessionSpec

    cfg = Config.model_validate({"privacy": {"keep_sessions": True}})
    win = OverlayWindow(cfg, default_spec=SessionSpec(kind="demo", realtime=False, tripwire=False))
    qtbot.addWidget(win)
    win.show()
    win.start_session()
    qtbot.waitUntil(lambda: win.state.listening == "ended", timeout=90_000)
    shown = [line.text for line in win.state.lines if line.final]
    win.bridge.stop()
    win.close()
    assert shown
    with Vault.open() as vault:
        sessions = vault.list_sessions()
        assert len(sessions) == 1
        export = json.dumps(vault.export(None), ensure_ascii=False)
    assert all(text in export for text in shown)


def test_program_launches_are_not_connections_and_empty_panes_say_so(qtbot: QtBot) -> None:
    from cuecard.privacy.ledger import process_ledger

    ledger = process_ledger()
    saved = ledger.entries()
    ledger.clear()
    try:
        panel = PrivacyPanel(OverlayState())
        qtbot.addWidget(panel)
        panel.show()
        # Nothing happened yet: each pane says so instead of showing an empty box.
        assert panel.ledger_empty.isVisible() and not panel.table.isVisible()
        assert "stayed on this device" in panel.ledger_empty.text()
        assert not panel.ledger_summary.isVisible()  # said once, not twice
        assert "no microphone or call audio is open" in panel.devices_label.text()
        panel.show_tab("prompts")
        assert panel.prompts_empty.isVisible() and not panel.prompt_split.isVisible()

        # A program start (the dynamic loader's cache lookup) is no destination.
        ledger.record(host="ldconfig", port=0, purpose="subprocess", outcome="allowed",
                      layer="process")  # fmt: skip
        panel.show_tab("ledger")
        panel.refresh()
        assert panel.table.rowCount() == 0 and panel.ledger_empty.isVisible()
        assert not panel.ledger_summary.isVisible()
        assert "ldconfig" in panel.programs.text() and panel.programs.isVisible()

        ledger.record(host="127.0.0.1", port=11434, purpose="answer", outcome="allowed",
                      label="local")  # fmt: skip
        panel.refresh()
        shown = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
        assert panel.table.rowCount() == 1 and "127.0.0.1:11434" in shown
        assert not any(cell.endswith(":0") for cell in shown)
        assert "1 connection(s), all to providers you configured" in panel.ledger_summary.text()
    finally:
        ledger.clear()
        for entry in saved:
            ledger.record(**{k: v for k, v in entry.to_dict().items()
                             if k not in ("id", "time", "duration_s", "command",
                                          "session")})  # fmt: skip


def test_small_layout_faults_stay_fixed(qtbot: QtBot) -> None:
    """Seen in the screenshots: a gap in Settings › Privacy, blank space atop the F1 help,
    radio buttons that vanish in the dark theme."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication, QRadioButton, QStyle, QStyleOptionButton

    from cuecard.ui.desktop.devices import DeviceList
    from cuecard.ui.desktop.first_run import FirstRunDialog

    win = OverlayWindow(Config(), system_keys=False)
    qtbot.addWidget(win)
    win.show()

    # Settings › Privacy: the hint sits right under the names box, not a box-height below.
    dialog = win.settings_dialog("Privacy")
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(10):  # the page's layout settles over a few passes
        QApplication.processEvents()
    terms = dialog.fields[("privacy", "redact_terms")].widget
    box = terms.parentWidget()
    assert box is not None
    hint = next(w for w in box.findChildren(QLabel) if w.objectName() == "hint")
    below = hint.mapTo(dialog, hint.rect().topLeft()).y()
    bottom = terms.mapTo(dialog, terms.rect().bottomLeft()).y()
    assert 0 <= below - bottom <= 8, (below, bottom)
    assert hint.height() <= hint.heightForWidth(hint.width()) + 4  # its text at its top
    dialog.reject()

    # F1: the list starts at the top of the panel.
    win.show_help()
    QApplication.processEvents()
    label = win.help_overlay.label
    assert label.y() <= 16 and label.height() <= label.heightForWidth(label.width()) + 4
    win.show_help()

    # The wizard's radio buttons, in the dark theme, stand out from the page (3:1 at least,
    # the contrast WCAG asks of a control's outline).
    wizard = FirstRunDialog(Config(), win, devices=DeviceList(problem="none here"),
                            tripwire=False)  # fmt: skip
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.next()
    QApplication.processEvents()
    button: QRadioButton = wizard.answers.keyed  # not checked: the faintest state
    option = QStyleOptionButton()
    button.initStyleOption(option)
    ring = button.style().subElementRect(QStyle.SubElement.SE_RadioButtonIndicator, option, button)
    image = button.grab().toImage()
    page = QColor(win.theme.window)

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b = channel(c.redF()), channel(c.greenF()), channel(c.blueF())
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a: QColor, b: QColor) -> float:
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    dpr = image.devicePixelRatio()
    best = max(
        contrast(image.pixelColor(round(x * dpr), round(y * dpr)), page)
        for x in range(ring.left(), ring.right() + 1)
        for y in range(ring.top(), ring.bottom() + 1)
    )
    assert best >= 3.0, best
    wizard.reject()
    win.close()


def test_settings_set_the_interview_language(qtbot: QtBot) -> None:
    """Issue 22: speech.language in Settings, as on the command line."""
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    combo = dialog.speech.speech_language
    assert combo.currentData() == "auto"
    combo.setCurrentIndex(combo.findData("de"))
    assert dialog.save()
    assert config_mod.load().speech.language == "de"
