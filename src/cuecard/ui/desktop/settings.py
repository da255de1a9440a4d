"""Settings: every field checked by the same pydantic models as config.toml, on a laptop screen.

Validation runs on every edit, not on save: a field that config.toml would
reject is outlined and explained under the field at once, and Save stays off
until everything is valid. Saving writes only what changed (``config_file``),
so the user's own config.toml and its comments stay. Keys go straight to the OS
keychain and are never shown again in full; devices are picked from lists and
tested in place; shortcuts are rebound by pressing them. Pages sit in a list on
the left and every label wraps, so the dialog fits a 1280×800 screen. Each page
is a class of its own (``settings_pages``); this dialog holds their one table of
fields, validates it and saves it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cuecard.config import Config
from cuecard.ui.desktop.config_file import SaveError, config_path, save_changes
from cuecard.ui.desktop.global_keys import GlobalKeys
from cuecard.ui.desktop.hotkeys import default_bindings
from cuecard.ui.desktop.listeners import Listeners
from cuecard.ui.desktop.settings_pages import (
    AnswersPage,
    DevicesPage,
    DisplayPage,
    Field,
    KeysPage,
    PrivacyPage,
    ProfilePage,
    ShortcutsPage,
    SpeechPage,
    set_invalid,
    wrapped,
)

__all__ = ["SettingsDialog", "config_path"]

PAGES = ("Answers", "Keys", "Devices", "Speech", "Shortcuts", "Profile", "Privacy", "Display")
WIDTH, HEIGHT = 820, 600


class SettingsDialog(QDialog):
    """Edit the settings safely. ``applied(Config)`` after a successful save;
    ``keys_changed(bindings)`` when the shortcuts changed."""

    def __init__(self, cfg: Config, parent: QWidget | None = None, *,
                 bindings: dict[str, str] | None = None,
                 keys: GlobalKeys | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.applied = Listeners()
        self.keys_changed = Listeners()
        self.setWindowTitle("cuecard settings")
        self.cfg = cfg
        self.bindings = dict(bindings or default_bindings())
        self.global_keys = keys
        self.fields: dict[tuple[str, ...], Field] = {}
        self.candidate: Config | None = cfg
        self.nav = QListWidget()
        self.nav.setObjectName("settingsNav")
        self.nav.setFixedWidth(130)
        self.pages = QStackedWidget()
        fields, changed = self.fields, self.validate
        self.answers = AnswersPage(fields, changed, cfg)
        self.keys = KeysPage(stored=self.answers.provider_changed)
        self.devices = DevicesPage(fields, changed, cfg)
        self.speech = SpeechPage(fields, changed, cfg)
        self.shortcuts = ShortcutsPage(self.bindings, keys, changed)
        self.profile = ProfilePage()
        self.privacy = PrivacyPage(fields, changed, cfg)
        self.display = DisplayPage(fields, changed, cfg)
        pages: dict[str, QWidget] = {
            "Answers": self.answers, "Keys": self.keys, "Devices": self.devices,
            "Speech": self.speech, "Shortcuts": self.shortcuts, "Profile": self.profile,
            "Privacy": self.privacy, "Display": self.display,
        }  # fmt: skip
        for name in PAGES:
            self.nav.addItem(name)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(pages[name])
            self.pages.addWidget(scroll)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.message = wrapped("", "fieldError")
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(WIDTH, HEIGHT)
        self.answers.provider_changed()
        self.validate()

    def show_page(self, name: str) -> None:
        if name in PAGES:
            self.nav.setCurrentRow(PAGES.index(name))

    @property
    def page(self) -> str:
        return PAGES[self.nav.currentRow()]

    # -- validation and saving ----------------------------------------------------
    def collect(self) -> dict[str, Any]:
        data = self.cfg.model_dump(mode="python")
        for loc, field in self.fields.items():
            _nested_set(data, loc, field.read())
        return data

    def validate(self) -> bool:
        """Check every field against the config models now; mark the bad ones in place."""
        errors: dict[tuple[str, ...], str] = {}
        try:
            self.candidate = Config.model_validate(self.collect())
        except ValidationError as err:
            self.candidate = None
            for item in err.errors():
                loc = tuple(str(p) for p in item["loc"])
                while loc and loc not in self.fields:
                    loc = loc[:-1]
                errors.setdefault(loc, _friendly(item["msg"]))
        model_problem = self.speech.problem()
        if model_problem:
            errors[("speech", "model")] = model_problem
            self.candidate = None
        for loc, field in self.fields.items():
            message = errors.get(loc, "")
            field.error.setText(message)
            field.error.setVisible(bool(message))
            set_invalid(field.widget, bool(message))
        keys_ok = self._shortcuts_ok()
        if self.candidate is None and not any(loc in self.fields for loc in errors):
            self.message.setText("; ".join(errors.values()))
        elif not keys_ok:
            self.message.setText("A shortcut needs fixing (Shortcuts).")
        else:
            self.message.setText("")
        ok = self.candidate is not None and keys_ok
        self.save_button.setEnabled(ok)
        return ok

    def _shortcuts_ok(self) -> bool:
        shortcuts = getattr(self, "shortcuts", None)  # validate runs while the pages are built
        return shortcuts is None or shortcuts.check(self.bindings)

    def invalid_fields(self) -> list[tuple[str, ...]]:
        return [loc for loc, f in self.fields.items() if f.widget.property("invalid")]

    def save(self) -> bool:
        if not self.validate() or self.candidate is None:
            return False
        try:
            path = save_changes(self.cfg, self.candidate)
        except SaveError as err:
            self.message.setText(str(err))
            return False
        self.cfg = self.candidate
        self.message.setText(f"Saved to {path}")
        bindings = self.shortcuts.chosen_bindings()
        if bindings != self.bindings:
            self.bindings = bindings
            self.keys_changed(bindings)
        self.applied(self.cfg)
        self.accept()
        return True


def _nested_set(data: dict[str, Any], loc: tuple[str, ...], value: Any) -> None:
    for key in loc[:-1]:
        data = data.setdefault(key, {})
    data[loc[-1]] = value


def _friendly(msg: str) -> str:
    """pydantic's wording, made plain ("Input should be …" → "Should be …")."""
    text = msg.replace("Input should be", "Should be").replace("Value error, ", "")
    text = text.replace("a valid integer, unable to parse string as an integer",
                        "a whole number")  # fmt: skip
    text = text.replace("a valid number, unable to parse string as a number", "a number")
    return text[:1].upper() + text[1:]
