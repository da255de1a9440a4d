"""Settings offers ``assist.speculative`` with its trade-off in words, and saves it."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from cuecard import config as config_mod
from cuecard.config import Config
from cuecard.ui.desktop.settings import SettingsDialog
from cuecard.ui.desktop.settings_pages import SPECULATIVE_HINT


def test_turning_speculation_off_is_saved_and_explained(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    box = dialog.fields[("assist", "speculative")].widget
    assert isinstance(box, QCheckBox) and box.isChecked()
    assert "0.5 s" in SPECULATIVE_HINT and "billed" in SPECULATIVE_HINT
    box.setChecked(False)
    assert dialog.save()
    assert config_mod.load().assist.speculative is False
