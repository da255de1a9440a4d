"""The settings dialog: every field checked by the same pydantic models as config.toml.

Validation runs on every edit, not on save: a field that config.toml would
reject is outlined and explained under the field at once, and Save stays off
until everything is valid. Keys go straight to the OS keychain and are never
shown again in full; profile documents are added by button or drag and drop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cuecard import paths
from cuecard.config import Config
from cuecard.ui.desktop.listeners import Listeners

PROVIDERS = ("offline", "openai", "anthropic", "google", "local")
KEY_PROVIDERS = ("openai", "anthropic", "google")


def config_path() -> Path:
    return paths.config_file()


# -- writing config.toml -----------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string is JSON-compatible
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(cfg: Config) -> str:
    """The settings that differ from the defaults, as TOML (tables for nested sections)."""
    data = cfg.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
    lines = [
        "# cuecard settings, written by the desktop app. No secrets here: keys live in your "
        "OS keychain.",
        "# `cuecard config show` prints every value in force, defaults included.",
    ]

    def table(name: str, values: dict[str, Any]) -> None:
        scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
        if scalars:
            lines.append(f"\n[{name}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars.items())
        for key, sub in values.items():
            if isinstance(sub, dict) and sub:
                table(f"{name}.{key}", sub)

    for section, values in data.items():
        if values:
            table(section, values)
    return "\n".join(lines) + "\n"


def save_config(cfg: Config, path: Path | None = None) -> Path:
    from cuecard import config as config_mod

    return config_mod.save(cfg, path)  # the one writer: the user's comments are kept


# -- fields --------------------------------------------------------------------------


@dataclass
class Field:
    """One setting: where it lives in Config, its widget, how to read it, its error label."""

    loc: tuple[str, ...]
    widget: QWidget
    read: Callable[[], Any]
    error: QLabel


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    if widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)


def _text(edit: QLineEdit, *, optional: bool = False) -> Callable[[], Any]:
    def read() -> Any:
        value = edit.text().strip()
        return None if optional and not value else value

    return read


def _nested_set(data: dict[str, Any], loc: tuple[str, ...], value: Any) -> None:
    for key in loc[:-1]:
        data = data.setdefault(key, {})
    data[loc[-1]] = value


class DocList(QListWidget):
    """Profile documents; files dropped on it are added to the profile."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = Listeners()
        self.setAcceptDrops(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:  # type: ignore[override]
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.dropped(files)
            event.acceptProposedAction()


class SettingsDialog(QDialog):
    """Edit config.toml safely. ``applied(Config)`` fires after a successful save."""

    def __init__(self, cfg: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.applied = Listeners()
        self.setWindowTitle("cuecard settings")
        self.cfg = cfg
        self.fields: dict[tuple[str, ...], Field] = {}
        self.candidate: Config | None = cfg
        tabs = QTabWidget()
        tabs.addTab(self._display_tab(), "Display")
        tabs.addTab(self._answers_tab(), "Answers")
        tabs.addTab(self._keys_tab(), "Keys")
        tabs.addTab(self._speech_tab(), "Speech && devices")
        tabs.addTab(self._profile_tab(), "Profile")
        tabs.addTab(self._privacy_tab(), "Privacy")
        self.tabs = tabs
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(520, 480)
        self.validate()

    # -- field helpers ---------------------------------------------------------
    def _add(self, form: QFormLayout, label: str, loc: tuple[str, ...], widget: QWidget,
             read: Callable[[], Any], hint: str = "") -> None:  # fmt: skip
        error = QLabel()
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.setVisible(False)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(1)
        col.addWidget(widget)
        if hint:
            note = QLabel(hint)
            note.setObjectName("hint")
            note.setWordWrap(True)
            col.addWidget(note)
        col.addWidget(error)
        form.addRow(label, box)
        widget.setObjectName("field_" + "_".join(loc))
        self.fields[loc] = Field(loc, widget, read, error)

    def _line(self, form: QFormLayout, label: str, loc: tuple[str, ...], value: Any, *,
              optional: bool = False, hint: str = "") -> QLineEdit:  # fmt: skip
        edit = QLineEdit("" if value is None else str(value))
        edit.textChanged.connect(self.validate)
        self._add(form, label, loc, edit, _text(edit, optional=optional), hint)
        return edit

    def _combo(self, form: QFormLayout, label: str, loc: tuple[str, ...], options: tuple[str, ...],
               value: str) -> QComboBox:  # fmt: skip
        combo = QComboBox()
        combo.addItems(list(options))
        combo.setCurrentText(value)
        combo.currentTextChanged.connect(self.validate)
        self._add(form, label, loc, combo, combo.currentText)
        return combo

    def _check(self, form: QFormLayout, label: str, loc: tuple[str, ...], value: bool) -> QCheckBox:
        box = QCheckBox()
        box.setChecked(value)
        box.toggled.connect(self.validate)
        self._add(form, label, loc, box, box.isChecked)
        return box

    # -- tabs ------------------------------------------------------------------
    def _display_tab(self) -> QWidget:
        page, form = QWidget(), QFormLayout()
        page.setLayout(form)
        ui = self.cfg.ui
        self._combo(form, "Theme", ("ui", "theme"), ("dark", "light"), ui.theme)
        hint = "8 to 48 pixels; talking points are a little larger"
        self._line(form, "Font size", ("ui", "font_size"), ui.font_size, hint=hint)
        self._line(form, "Opacity", ("ui", "opacity"), ui.opacity, hint="0.3 to 1.0")
        return page

    def _answers_tab(self) -> QWidget:
        page, form = QWidget(), QFormLayout()
        page.setLayout(form)
        a = self.cfg.assist
        self._combo(form, "Provider", ("assist", "provider"), PROVIDERS, a.provider)
        fallback = QLineEdit(", ".join(a.fallback))
        fallback.textChanged.connect(self.validate)

        def read_fallback() -> list[str]:
            return [p.strip() for p in fallback.text().split(",") if p.strip()]

        self._add(form, "Fallback", ("assist", "fallback"), fallback, read_fallback,
                  "comma-separated, e.g. anthropic, offline (offline is always last)")  # fmt: skip
        for name in ("openai", "anthropic", "google", "local"):
            settings = getattr(a, name)
            self._line(form, f"{name} model", ("assist", name, "model"), settings.model,
                       optional=True)  # fmt: skip
        hint = "an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1"
        self._line(form, "local base URL", ("assist", "local", "base_url"), a.local.base_url,
                   optional=True, hint=hint)  # fmt: skip
        self._line(form, "Max tokens", ("assist", "max_tokens"), a.max_tokens)
        self._line(form, "Tokens per minute", ("assist", "tokens_per_minute"),
                   a.tokens_per_minute,
                   hint="cost guard for paid providers (notes and local models are free)")
        return page

    def _keys_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.key_edits: dict[str, QLineEdit] = {}
        self.key_status: dict[str, QLabel] = {}
        for name in KEY_PROVIDERS:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("paste a key to store it in the OS keychain")
            edit.setObjectName(f"key_{name}")
            button = QPushButton("Save key")
            button.setObjectName(f"save_key_{name}")
            button.clicked.connect(lambda _=False, n=name: self.store_key(n))
            status = QLabel()
            status.setObjectName("hint")
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(edit, 1)
            line.addWidget(button)
            col = QWidget()
            v = QVBoxLayout(col)
            v.setContentsMargins(0, 0, 0, 0)
            v.addWidget(row)
            v.addWidget(status)
            form.addRow(name, col)
            self.key_edits[name], self.key_status[name] = edit, status
        self.refresh_keys()
        return page

    def refresh_keys(self) -> None:
        from cuecard.privacy import secrets

        try:
            infos = {i.provider: i for i in secrets.list_keys()}
        except secrets.SecretsError as err:
            for label in self.key_status.values():
                label.setText(str(err))
            return
        for name, label in self.key_status.items():
            info = infos.get(name)
            if info is not None and info.masked:
                label.setText(f"in use: {info.masked} (from {info.source})")
            else:
                label.setText("no key stored")

    def store_key(self, provider: str) -> bool:
        """Write the pasted key to the keychain; the field is emptied, the key never shown again."""
        from cuecard.privacy import secrets

        edit = self.key_edits[provider]
        try:
            secrets.set_key(provider, edit.text())
        except secrets.SecretsError as err:
            self.key_status[provider].setText(str(err))
            _set_invalid(edit, True)
            return False
        edit.clear()
        _set_invalid(edit, False)
        self.refresh_keys()
        return True

    def _speech_tab(self) -> QWidget:
        page, form = QWidget(), QFormLayout()
        page.setLayout(form)
        hint = "tiny.en ships with cuecard; others need `cuecard models download`"
        self._line(form, "Speech model", ("speech", "model"), self.cfg.speech.model, hint=hint)
        self._line(form, "Microphone", ("audio", "mic"), self.cfg.audio.mic, optional=True,
                   hint="part of the device name, or empty for the default")  # fmt: skip
        self._line(form, "Interviewer audio", ("audio", "loopback"), self.cfg.audio.loopback,
                   optional=True, hint="the loopback/monitor device the call plays on")  # fmt: skip
        form.addRow(QLabel("Live levels show in the main window's status bar while listening."))
        return page

    def _profile_tab(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.addWidget(QLabel("Your résumé, the job description, your stories: drop files here."))
        self.docs = DocList()
        self.docs.dropped.connect(self.add_documents)
        col.addWidget(self.docs, 1)
        row = QHBoxLayout()
        add = QPushButton("Add…")
        add.clicked.connect(self._pick_documents)
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        col.addLayout(row)
        self.doc_message = QLabel()
        self.doc_message.setObjectName("hint")
        self.doc_message.setWordWrap(True)
        col.addWidget(self.doc_message)
        self.refresh_documents()
        return page

    def refresh_documents(self) -> None:
        from cuecard.profile.store import ProfileStore

        self.docs.clear()
        for doc in ProfileStore().documents():
            self.docs.addItem(f"{doc.name}  ·  {doc.kind}  ·  {doc.chunks} chunks  [{doc.id}]")
            item = self.docs.item(self.docs.count() - 1)
            item.setData(Qt.ItemDataRole.UserRole, doc.id)

    def _pick_documents(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Add to your profile", str(Path.home()),
            "Documents (*.pdf *.docx *.md *.txt);;All files (*)",
        )  # fmt: skip
        self.add_documents([Path(n) for n in names])

    def add_documents(self, files: list[Path]) -> None:
        from cuecard.profile.documents import ProfileError
        from cuecard.profile.store import ProfileStore

        store, added, problems = ProfileStore(), [], []
        for path in files:
            try:
                added.append(store.add(path).name)
            except ProfileError as err:
                problems.append(str(err))
        self.refresh_documents()
        text = f"added {', '.join(added)}" if added else ""
        self.doc_message.setText("; ".join([t for t in [text, *problems] if t]))

    def remove_selected(self) -> None:
        from cuecard.profile.documents import ProfileError
        from cuecard.profile.store import ProfileStore

        store = ProfileStore()
        for item in self.docs.selectedItems():
            try:
                store.remove(str(item.data(Qt.ItemDataRole.UserRole)))
            except ProfileError as err:
                self.doc_message.setText(str(err))
        self.refresh_documents()

    def _privacy_tab(self) -> QWidget:
        page, form = QWidget(), QFormLayout()
        page.setLayout(form)
        p = self.cfg.privacy
        self._check(form, "Redact before sending", ("privacy", "redact"), p.redact)
        terms = QPlainTextEdit("\n".join(p.redact_terms))
        terms.setFixedHeight(90)
        terms.textChanged.connect(self.validate)

        def read_terms() -> list[str]:
            return [t.strip() for t in terms.toPlainText().splitlines() if t.strip()]

        hint = "one per line: names, employers, places to replace before a prompt leaves"
        self._add(form, "Redaction terms", ("privacy", "redact_terms"), terms, read_terms, hint)
        self._check(form, "Keep sessions (encrypted)", ("privacy", "keep_sessions"),
                    p.keep_sessions)  # fmt: skip
        self._line(form, "Keep for (days)", ("privacy", "retention_days"), p.retention_days)
        return page

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
                errors.setdefault(loc, item["msg"])
        for loc, field in self.fields.items():
            message = errors.get(loc, "")
            field.error.setText(message)
            field.error.setVisible(bool(message))
            _set_invalid(field.widget, bool(message))
        if self.candidate is None and not any(loc in self.fields for loc in errors):
            self.message.setText("; ".join(errors.values()))
        else:
            self.message.setText("")
        self.save_button.setEnabled(self.candidate is not None)
        return self.candidate is not None

    def invalid_fields(self) -> list[tuple[str, ...]]:
        return [loc for loc, f in self.fields.items() if f.widget.property("invalid")]

    def save(self) -> bool:
        if not self.validate() or self.candidate is None:
            return False
        try:
            path = save_config(self.candidate)
        except OSError as err:
            self.message.setText(f"could not save the settings: {err.strerror}")
            return False
        self.cfg = self.candidate
        self.message.setText(f"saved to {path}")
        self.applied(self.cfg)
        self.accept()
        return True
