"""Settings: every field checked by the same pydantic models as config.toml, on a laptop screen.

Validation runs on every edit, not on save: a field that config.toml would
reject is outlined and explained under the field at once, and Save stays off
until everything is valid. Saving writes only what changed (``config_file``),
so the user's own config.toml and its comments stay. Keys go straight to the OS
keychain and are never shown again in full; devices are picked from lists and
tested in place; shortcuts are rebound by pressing them. Pages sit in a list on
the left and every label wraps, so the dialog fits a 1280×800 screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cuecard import catalog
from cuecard.config import Config
from cuecard.ui.desktop.config_file import SaveError, config_path, save_changes
from cuecard.ui.desktop.devices import DevicePicker
from cuecard.ui.desktop.global_keys import GlobalKeys
from cuecard.ui.desktop.hotkeys import HOTKEYS, SYSTEM_WIDE, default_bindings, portable, problem
from cuecard.ui.desktop.listeners import Listeners
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.widgets import placeholder

__all__ = ["DocList", "SettingsDialog", "config_path"]

SPECULATIVE_HINT = (
    "Faster, for more tokens: the model's first words came about 0.5 s after the "
    "interviewer stopped instead of 0.9 s on the demo, and a third of the prompt tokens "
    "sent were for questions that then grew (each restart is billed). Off: only "
    "finished questions are sent."
)
"""Measured with ``./run bench answer_latency --runs delay_400ms [--no-speculative]``."""
PAGES = ("Answers", "Keys", "Devices", "Speech", "Shortcuts", "Profile", "Privacy", "Display")
WIDTH, HEIGHT = 820, 600


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


def _wrapped(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _with_model() -> list[str]:
    """Providers that take a model name (every catalog row but the offline notes)."""
    return [name for name, info in catalog.PROVIDERS.items() if info.default_model]


def installed_speech_models(current: str) -> list[str]:
    """tiny.en (bundled), every model already on this computer, and the configured one."""
    from cuecard.speech.model import BUNDLED, models_dir

    names = [BUNDLED]
    folder = models_dir()
    if folder.is_dir():
        names += sorted(p.name for p in folder.iterdir() if (p / "model.bin").is_file())
    if current not in names:
        names.append(current)
    return names


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


def add_to_profile(files: list[Path]) -> tuple[list[str], list[str]]:
    """Add documents to the profile; returns (names added, one-line problems)."""
    from cuecard.profile.reading import ProfileError
    from cuecard.profile.store import ProfileStore

    store, added, problems = ProfileStore(), [], []
    for path in files:
        try:
            added.append(store.add(path).name)
        except ProfileError as err:
            problems.append(plain(str(err)))
    return added, problems


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
        builders = {
            "Answers": self._answers_page, "Keys": self._keys_page, "Devices": self._devices_page,
            "Speech": self._speech_page, "Shortcuts": self._shortcuts_page,
            "Profile": self._profile_page, "Privacy": self._privacy_page,
            "Display": self._display_page,
        }  # fmt: skip
        for name in PAGES:
            self.nav.addItem(name)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(builders[name]())
            self.pages.addWidget(scroll)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.message = _wrapped("", "fieldError")
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(WIDTH, HEIGHT)
        self._provider_changed()
        self.validate()

    def show_page(self, name: str) -> None:
        if name in PAGES:
            self.nav.setCurrentRow(PAGES.index(name))

    @property
    def page(self) -> str:
        return PAGES[self.nav.currentRow()]

    # -- field helpers ---------------------------------------------------------
    def _add(self, form: QFormLayout, label: str, loc: tuple[str, ...], widget: QWidget,
             read: Callable[[], Any], hint: str = "") -> None:  # fmt: skip
        error = _wrapped("", "fieldError")
        error.setVisible(False)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(1)
        col.addWidget(widget)
        if hint:
            col.addWidget(_wrapped(hint, "hint"))
        col.addWidget(error)
        form.addRow(QLabel(label), box)
        widget.setObjectName("field_" + "_".join(loc))
        self.fields[loc] = Field(loc, widget, read, error)

    def _line(self, form: QFormLayout, label: str, loc: tuple[str, ...], value: Any, *,
              optional: bool = False, hint: str = "") -> QLineEdit:  # fmt: skip
        edit = QLineEdit("" if value is None else str(value))
        edit.textChanged.connect(self.validate)
        self._add(form, label, loc, edit, _text(edit, optional=optional), hint)
        return edit

    def _combo(self, form: QFormLayout, label: str, loc: tuple[str, ...],
               options: dict[str, str], value: str, hint: str = "") -> QComboBox:  # fmt: skip
        combo = QComboBox()
        for key, text in options.items():
            combo.addItem(text, key)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        combo.currentIndexChanged.connect(self.validate)
        self._add(form, label, loc, combo, combo.currentData, hint)
        return combo

    def _check(self, form: QFormLayout, label: str, loc: tuple[str, ...], value: bool,
               hint: str = "") -> QCheckBox:  # fmt: skip
        box = QCheckBox()
        box.setChecked(value)
        box.toggled.connect(self.validate)
        self._add(form, label, loc, box, box.isChecked, hint)
        return box

    def _row_visible(self, loc: tuple[str, ...], visible: bool) -> None:
        widget = self.fields[loc].widget.parentWidget()
        form = self._answers_form
        if widget is not None:
            form.setRowVisible(widget, visible)

    # -- pages -----------------------------------------------------------------
    def _answers_page(self) -> QWidget:
        page, form = QWidget(), _form()
        page.setLayout(form)
        self._answers_form = form
        a = self.cfg.assist
        self.provider = self._combo(form, "Answers come from", ("assist", "provider"),
                                    {n: p.offer for n, p in catalog.PROVIDERS.items()},
                                    a.provider)  # fmt: skip
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.provider_note = _wrapped("", "hint")
        form.addRow("", self.provider_note)
        for name in _with_model():
            self._line(form, "Model", ("assist", name, "model"), a.section(name).model,
                       optional=True)  # fmt: skip
        self._line(form, "Server address", ("assist", "local", "base_url"), a.local.base_url,
                   optional=True, hint="Ollama: http://127.0.0.1:11434/v1 · LM Studio: "
                   "http://127.0.0.1:1234/v1")  # fmt: skip
        fallback = QLineEdit(", ".join(a.fallback))
        fallback.textChanged.connect(self.validate)

        def read_fallback() -> list[str]:
            return [p.strip() for p in fallback.text().split(",") if p.strip()]

        hint = "e.g. anthropic, local. Your offline notes are always the last resort."
        self._add(form, "If it fails, try", ("assist", "fallback"), fallback, read_fallback, hint)
        hint = "In tokens (about ¾ of a word each): caps what one answer can cost."
        self._line(form, "Longest answer", ("assist", "max_tokens"), a.max_tokens, hint=hint)
        self._line(form, "Tokens per minute", ("assist", "tokens_per_minute"),
                   a.tokens_per_minute, hint="Caps what a noisy call can cost with a paid "
                   "provider; your notes and a local model are free.")  # fmt: skip
        self._check(form, "Answer before the question ends", ("assist", "speculative"),
                    a.speculative, hint=SPECULATIVE_HINT)  # fmt: skip
        return page

    def _provider_changed(self) -> None:
        chosen = str(self.provider.currentData())
        for name in _with_model():
            self._row_visible(("assist", name, "model"), name == chosen)
        self._row_visible(("assist", "local", "base_url"), chosen == "local")
        notes = {
            "offline": "Works with no key and no network, from the documents in Profile.",
            "local": "Your questions go to the server below, on this computer; nothing leaves it.",
        }
        note = notes.get(chosen, "Only the question and matching parts of your résumé are sent, "
                                 "with your key (set it in Keys).")  # fmt: skip
        if chosen in catalog.keyed() and not self._has_key(chosen):
            note = f"No {catalog.info(chosen).label} key yet: add it in Keys first."
        self.provider_note.setText(note)

    def _has_key(self, provider: str) -> bool:
        from cuecard.privacy import secrets

        try:
            return secrets.resolve_key(provider) is not None
        except secrets.SecretsError:
            return False

    def _keys_page(self) -> QWidget:
        page = QWidget()
        form = _form()
        page.setLayout(form)
        form.addRow(_wrapped("Keys are kept in your computer's keychain, never in a file, and "
                             "are never shown again in full.", "hint"))  # fmt: skip
        self.key_edits: dict[str, QLineEdit] = {}
        self.key_status: dict[str, QLabel] = {}
        for name in catalog.keyed():
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("paste the key here")
            edit.setObjectName(f"key_{name}")
            button = QPushButton("Save key")
            button.setObjectName(f"save_key_{name}")
            button.clicked.connect(lambda _=False, n=name: self.store_key(n))
            status = _wrapped("", "hint")
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
            form.addRow(catalog.info(name).label, col)
            self.key_edits[name], self.key_status[name] = edit, status
        self.refresh_keys()
        return page

    def refresh_keys(self) -> None:
        from cuecard.privacy import secrets

        try:
            infos = {i.provider: i for i in secrets.list_keys()}
        except secrets.SecretsError as err:
            for label in self.key_status.values():
                label.setText(plain(str(err)))
            return
        for name, label in self.key_status.items():
            info = infos.get(name)
            if info is not None and info.masked:
                where = "your keychain" if info.source == "keychain" else "the environment"
                label.setText(f"In use: {info.masked} (from {where})")
            else:
                label.setText("No key stored")

    def store_key(self, provider: str) -> bool:
        """Write the pasted key to the keychain; the field is emptied, the key never shown again."""
        from cuecard.privacy import secrets

        edit = self.key_edits[provider]
        try:
            secrets.set_key(provider, edit.text())
        except secrets.SecretsError as err:
            self.key_status[provider].setText(plain(str(err)))
            _set_invalid(edit, True)
            return False
        edit.clear()
        _set_invalid(edit, False)
        self.refresh_keys()
        self._provider_changed()
        return True

    def _devices_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.devices = DevicePicker(self.cfg.audio.mic, self.cfg.audio.loopback)
        col.addWidget(self.devices)
        for loc, kind in ((("audio", "mic"), "input"), (("audio", "loopback"), "loopback")):
            combo = self.devices.mic if kind == "input" else self.devices.call
            combo.currentIndexChanged.connect(self.validate)
            self.fields[loc] = Field(loc, combo, lambda k=kind: self.devices.choice(k),  # type: ignore[misc]
                                     _wrapped(""))  # fmt: skip
        col.addWidget(_wrapped("While listening, both levels also show in the main window's "
                               "status bar.", "hint"))  # fmt: skip
        col.addStretch(1)
        return page

    def _speech_page(self) -> QWidget:
        page, form = QWidget(), _form()
        page.setLayout(form)
        current = self.cfg.speech.model
        models = {name: name + (" (comes with cuecard)" if i == 0 else "")
                  for i, name in enumerate(installed_speech_models(current))}  # fmt: skip
        self.speech_model = self._combo(form, "Speech model", ("speech", "model"), models, current,
                                        "Speech is turned into text on this computer; nothing "
                                        "you say leaves it.")  # fmt: skip
        languages = {"auto": "Detect it", "en": "English", "es": "Spanish", "de": "German",
                     "fr": "French", "pt": "Portuguese", "it": "Italian"}  # fmt: skip
        current_language = self.cfg.speech.language
        languages.setdefault(current_language, current_language)
        self.speech_language = self._combo(
            form, "Interview language", ("speech", "language"), languages, current_language,
            "Anything but English needs the multilingual model (base).",
        )  # fmt: skip
        return page

    def _shortcuts_page(self) -> QWidget:
        page, form = QWidget(), _form()
        page.setLayout(form)
        note = self.global_keys.note if self.global_keys is not None else ""
        form.addRow(_wrapped("Click a field, then press the keys you want. ◆ marks the shortcuts "
                             f"meant for use during a call. {note}", "hint"))  # fmt: skip
        self.key_fields: dict[str, QKeySequenceEdit] = {}
        self.key_errors: dict[str, QLabel] = {}
        problems = self.global_keys.problems if self.global_keys is not None else {}
        for hotkey in HOTKEYS:
            edit = QKeySequenceEdit(QKeySequence(self.bindings[hotkey.action]))
            edit.setObjectName(f"keys_{hotkey.action}")
            edit.setMaximumSequenceLength(1)
            edit.keySequenceChanged.connect(self.validate)
            error = _wrapped(problems.get(hotkey.action, ""), "fieldError")
            error.setVisible(bool(error.text()))
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            v.addWidget(edit)
            v.addWidget(error)
            mark = " ◆" if hotkey.system_wide else ""
            form.addRow(QLabel(hotkey.label + mark), box)
            self.key_fields[hotkey.action], self.key_errors[hotkey.action] = edit, error
        reset = QPushButton("Back to the defaults")
        reset.clicked.connect(self._reset_keys)
        form.addRow("", reset)
        return page

    def _reset_keys(self) -> None:
        for action, keys in default_bindings().items():
            self.key_fields[action].setKeySequence(QKeySequence(keys))

    def chosen_bindings(self) -> dict[str, str]:
        return {a: portable(e.keySequence().toString(QKeySequence.SequenceFormat.PortableText))
                for a, e in self.key_fields.items()}  # fmt: skip

    def _profile_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        intro = QLabel("Your résumé, the job description, your stories: answers are built from "
                       "these. Drop files here, or use Add.")  # fmt: skip
        intro.setWordWrap(True)
        col.addWidget(intro)
        self.docs = DocList()
        self.docs.dropped.connect(self.add_documents)
        col.addWidget(self.docs, 1)
        self.docs_empty = placeholder(
            "Nothing added yet. Without your résumé, answers can only be general."
        )
        col.addWidget(self.docs_empty)
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
        self.docs_empty.setVisible(not ProfileStore().documents())
        for doc in ProfileStore().documents():
            self.docs.addItem(f"{doc.name}  ·  {doc.kind}")
            item = self.docs.item(self.docs.count() - 1)
            item.setData(Qt.ItemDataRole.UserRole, doc.id)

    def _pick_documents(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Add to your profile", str(Path.home()),
            "Documents (*.pdf *.docx *.md *.txt);;All files (*)",
        )  # fmt: skip
        self.add_documents([Path(n) for n in names])

    def add_documents(self, files: list[Path]) -> None:
        added, problems = add_to_profile(files)
        self.refresh_documents()
        text = f"Added {', '.join(added)}" if added else ""
        self.doc_message.setText("; ".join([t for t in [text, *problems] if t]))

    def remove_selected(self) -> None:
        from cuecard.profile.reading import ProfileError
        from cuecard.profile.store import ProfileStore

        store = ProfileStore()
        for item in self.docs.selectedItems():
            try:
                store.remove(str(item.data(Qt.ItemDataRole.UserRole)))
            except ProfileError as err:
                self.doc_message.setText(plain(str(err)))
        self.refresh_documents()

    def _privacy_page(self) -> QWidget:
        page, form = QWidget(), _form()
        page.setLayout(form)
        p = self.cfg.privacy
        self._check(form, "Hide names before sending", ("privacy", "redact"), p.redact)
        terms = QPlainTextEdit("\n".join(p.redact_terms))
        terms.setFixedHeight(90)
        # Fixed, not the editor's default Expanding: the row took the page's spare height and
        # left a gap as tall as the box between the box and its hint.
        terms.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        terms.textChanged.connect(self.validate)

        def read_terms() -> list[str]:
            return [t.strip() for t in terms.toPlainText().splitlines() if t.strip()]

        hint = ("One per line: names, employers, places. They are replaced before a question "
                "leaves, and put back in the answer you see.")  # fmt: skip
        self._add(form, "Names to hide", ("privacy", "redact_terms"), terms, read_terms, hint)
        self._check(form, "Keep sessions (encrypted)", ("privacy", "keep_sessions"),
                    p.keep_sessions)  # fmt: skip
        self._line(form, "Keep them for (days)", ("privacy", "retention_days"), p.retention_days)
        return page

    def _display_page(self) -> QWidget:
        page, form = QWidget(), _form()
        page.setLayout(form)
        ui = self.cfg.ui
        self._combo(form, "Theme", ("ui", "theme"), {"dark": "Dark", "light": "Light"}, ui.theme)
        self._line(form, "Text size", ("ui", "font_size"), ui.font_size,
                   hint="8 to 48 pixels; talking points are a little larger.")  # fmt: skip
        self._line(form, "Opacity", ("ui", "opacity"), ui.opacity,
                   hint="0.3 (see-through) to 1.0 (solid).")  # fmt: skip
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
                errors.setdefault(loc, _friendly(item["msg"]))
        model_problem = self._speech_problem()
        if model_problem:
            errors[("speech", "model")] = model_problem
            self.candidate = None
        for loc, field in self.fields.items():
            message = errors.get(loc, "")
            field.error.setText(message)
            field.error.setVisible(bool(message))
            _set_invalid(field.widget, bool(message))
        keys_ok = self._validate_keys()
        if self.candidate is None and not any(loc in self.fields for loc in errors):
            self.message.setText("; ".join(errors.values()))
        elif not keys_ok:
            self.message.setText("A shortcut needs fixing (Shortcuts).")
        else:
            self.message.setText("")
        ok = self.candidate is not None and keys_ok
        self.save_button.setEnabled(ok)
        return ok

    def _speech_problem(self) -> str:
        field = self.fields.get(("speech", "model"))
        if field is None:
            return ""
        from cuecard.speech.model import ModelError, locate

        try:
            locate(str(field.read()))
        except ModelError as err:
            return plain(str(err))
        return ""

    def _validate_keys(self) -> bool:
        if not hasattr(self, "key_fields"):
            return True
        chosen = self.chosen_bindings()
        ok = True
        for action, keys in chosen.items():
            why = problem(action, keys, chosen)
            if not why and action in SYSTEM_WIDE and self.bindings.get(action) == keys:
                why = self.global_keys.problems.get(action, "") if self.global_keys else ""
            self.key_errors[action].setText(why)
            self.key_errors[action].setVisible(bool(why))
            _set_invalid(self.key_fields[action], bool(why))
            ok = ok and not problem(action, keys, chosen)
        return ok

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
        bindings = self.chosen_bindings()
        if bindings != self.bindings:
            self.bindings = bindings
            self.keys_changed(bindings)
        self.applied(self.cfg)
        self.accept()
        return True


def _friendly(msg: str) -> str:
    """pydantic's wording, made plain ("Input should be …" → "Should be …")."""
    text = msg.replace("Input should be", "Should be").replace("Value error, ", "")
    text = text.replace("a valid integer, unable to parse string as an integer",
                        "a whole number")  # fmt: skip
    text = text.replace("a valid number, unable to parse string as a number", "a number")
    return text[:1].upper() + text[1:]
