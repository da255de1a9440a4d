"""The pages of Settings, one class each (as the first-run wizard's are).

Each page builds its own widgets; the fields it registers go into the dialog's one
table (``Field``), so ``SettingsDialog`` validates and saves them all together,
with the same pydantic models as config.toml. A change on any page calls the
dialog back (``changed``) to re-validate at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cuecard import catalog
from cuecard.config import Config
from cuecard.ui.desktop.devices import DevicePicker
from cuecard.ui.desktop.global_keys import GlobalKeys
from cuecard.ui.desktop.hotkeys import HOTKEYS, SYSTEM_WIDE, default_bindings, portable, problem
from cuecard.ui.desktop.listeners import Listeners
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.widgets import placeholder

Fields = dict[tuple[str, ...], "Field"]

SPECULATIVE_HINT = (
    "Faster, for more tokens: the model's first words came about 0.5 s after the "
    "interviewer stopped instead of 0.9 s on the demo, and a third of the prompt tokens "
    "sent were for questions that then grew (each restart is billed). Off: only "
    "finished questions are sent."
)
"""Measured with ``./run bench answer_latency --runs delay_400ms [--no-speculative]``."""


@dataclass
class Field:
    """One setting: where it lives in Config, its widget, how to read it, its error label."""

    loc: tuple[str, ...]
    widget: QWidget
    read: Callable[[], Any]
    error: QLabel


def set_invalid(widget: QWidget, invalid: bool) -> None:
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


def wrapped(text: str, name: str = "") -> QLabel:
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


class FormPage(QWidget):
    """A page of labelled fields, each registered in the dialog's table and re-validated on
    every edit."""

    def __init__(self, fields: Fields, changed: Callable[[], object]) -> None:
        super().__init__()
        self.fields = fields
        self.changed = changed

    def _add(self, form: QFormLayout, label: str, loc: tuple[str, ...], widget: QWidget,
             read: Callable[[], Any], hint: str = "") -> None:  # fmt: skip
        error = wrapped("", "fieldError")
        error.setVisible(False)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(1)
        col.addWidget(widget)
        if hint:
            col.addWidget(wrapped(hint, "hint"))
        col.addWidget(error)
        form.addRow(QLabel(label), box)
        widget.setObjectName("field_" + "_".join(loc))
        self.fields[loc] = Field(loc, widget, read, error)

    def _line(self, form: QFormLayout, label: str, loc: tuple[str, ...], value: Any, *,
              optional: bool = False, hint: str = "") -> QLineEdit:  # fmt: skip
        edit = QLineEdit("" if value is None else str(value))
        edit.textChanged.connect(self.changed)
        self._add(form, label, loc, edit, _text(edit, optional=optional), hint)
        return edit

    def _combo(self, form: QFormLayout, label: str, loc: tuple[str, ...],
               options: dict[str, str], value: str, hint: str = "") -> QComboBox:  # fmt: skip
        combo = QComboBox()
        for key, text in options.items():
            combo.addItem(text, key)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        combo.currentIndexChanged.connect(self.changed)
        self._add(form, label, loc, combo, combo.currentData, hint)
        return combo

    def _check(self, form: QFormLayout, label: str, loc: tuple[str, ...], value: bool,
               hint: str = "") -> QCheckBox:  # fmt: skip
        box = QCheckBox()
        box.setChecked(value)
        box.toggled.connect(self.changed)
        self._add(form, label, loc, box, box.isChecked, hint)
        return box


class AnswersPage(FormPage):
    """Which provider answers, its model (each row of the provider table), the fallbacks and
    the cost caps."""

    def __init__(self, fields: Fields, changed: Callable[[], object], cfg: Config) -> None:
        super().__init__(fields, changed)
        form = _form()
        self.setLayout(form)
        self.form = form
        a = cfg.assist
        self.provider = self._combo(form, "Answers come from", ("assist", "provider"),
                                    {n: p.offer for n, p in catalog.PROVIDERS.items()},
                                    a.provider)  # fmt: skip
        self.provider.currentIndexChanged.connect(self.provider_changed)
        self.provider_note = wrapped("", "hint")
        form.addRow("", self.provider_note)
        for name in _with_model():
            self._line(form, "Model", ("assist", name, "model"), a.section(name).model,
                       optional=True)  # fmt: skip
        self._line(form, "Server address", ("assist", "local", "base_url"), a.local.base_url,
                   optional=True, hint="Ollama: http://127.0.0.1:11434/v1 · LM Studio: "
                   "http://127.0.0.1:1234/v1")  # fmt: skip
        fallback = QLineEdit(", ".join(a.fallback))
        fallback.textChanged.connect(self.changed)

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

    def provider_changed(self) -> None:
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

    def _row_visible(self, loc: tuple[str, ...], visible: bool) -> None:
        widget = self.fields[loc].widget.parentWidget()
        form = self.form
        if widget is not None:
            form.setRowVisible(widget, visible)


class KeysPage(QWidget):
    """A key field per provider that takes one (read from the provider table); ``stored`` is
    called after a key is saved."""

    def __init__(self, stored: Callable[[], object]) -> None:
        super().__init__()
        self.stored = stored
        form = _form()
        self.setLayout(form)
        form.addRow(wrapped("Keys are kept in your computer's keychain, never in a file, and "
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
            status = wrapped("", "hint")
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
            set_invalid(edit, True)
            return False
        edit.clear()
        set_invalid(edit, False)
        self.refresh_keys()
        self.stored()
        return True


class DevicesPage(FormPage):
    """The microphone and the call's audio, picked from lists and tested in place."""

    def __init__(self, fields: Fields, changed: Callable[[], object], cfg: Config) -> None:
        super().__init__(fields, changed)
        col = QVBoxLayout(self)
        self.picker = DevicePicker(cfg.audio.mic, cfg.audio.loopback)
        col.addWidget(self.picker)
        for loc, kind in ((("audio", "mic"), "input"), (("audio", "loopback"), "loopback")):
            combo = self.picker.mic if kind == "input" else self.picker.call
            combo.currentIndexChanged.connect(self.changed)
            self.fields[loc] = Field(loc, combo, lambda k=kind: self.picker.choice(k),  # type: ignore[misc]
                                     wrapped(""))  # fmt: skip
        col.addWidget(wrapped("While listening, both levels also show in the main window's "
                               "status bar.", "hint"))  # fmt: skip
        col.addStretch(1)


class SpeechPage(FormPage):
    """The speech model and the interview's language."""

    def __init__(self, fields: Fields, changed: Callable[[], object], cfg: Config) -> None:
        super().__init__(fields, changed)
        form = _form()
        self.setLayout(form)
        current = cfg.speech.model
        models = {name: name + (" (comes with cuecard)" if i == 0 else "")
                  for i, name in enumerate(installed_speech_models(current))}  # fmt: skip
        self.speech_model = self._combo(form, "Speech model", ("speech", "model"), models, current,
                                        "Speech is turned into text on this computer; nothing "
                                        "you say leaves it.")  # fmt: skip
        languages = {"auto": "Detect it", "en": "English", "es": "Spanish", "de": "German",
                     "fr": "French", "pt": "Portuguese", "it": "Italian"}  # fmt: skip
        current_language = cfg.speech.language
        languages.setdefault(current_language, current_language)
        self.speech_language = self._combo(
            form, "Interview language", ("speech", "language"), languages, current_language,
            "Anything but English needs the multilingual model (base).",
        )  # fmt: skip

    def problem(self) -> str:
        field = self.fields.get(("speech", "model"))
        if field is None:
            return ""
        from cuecard.speech.model import ModelError, locate

        try:
            locate(str(field.read()))
        except ModelError as err:
            return plain(str(err))
        return ""


class ShortcutsPage(QWidget):
    """Shortcuts, rebound by pressing them; ◆ marks those meant for use during a call."""

    def __init__(self, bindings: dict[str, str], global_keys: GlobalKeys | None,
                 changed: Callable[[], object]) -> None:  # fmt: skip
        super().__init__()
        self.global_keys = global_keys
        self.changed = changed
        form = _form()
        self.setLayout(form)
        note = self.global_keys.note if self.global_keys is not None else ""
        form.addRow(wrapped("Click a field, then press the keys you want. ◆ marks the shortcuts "
                            f"meant for use during a call. {note}", "hint"))  # fmt: skip
        self.key_fields: dict[str, QKeySequenceEdit] = {}
        self.key_errors: dict[str, QLabel] = {}
        problems = self.global_keys.problems if self.global_keys is not None else {}
        for hotkey in HOTKEYS:
            edit = QKeySequenceEdit(QKeySequence(bindings[hotkey.action]))
            edit.setObjectName(f"keys_{hotkey.action}")
            edit.setMaximumSequenceLength(1)
            edit.keySequenceChanged.connect(self.changed)
            error = wrapped(problems.get(hotkey.action, ""), "fieldError")
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

    def _reset_keys(self) -> None:
        for action, keys in default_bindings().items():
            self.key_fields[action].setKeySequence(QKeySequence(keys))

    def chosen_bindings(self) -> dict[str, str]:
        return {a: portable(e.keySequence().toString(QKeySequence.SequenceFormat.PortableText))
                for a, e in self.key_fields.items()}  # fmt: skip

    def check(self, saved: dict[str, str]) -> bool:
        """Mark each shortcut that clashes or cannot be used; ``saved``: the bindings in use."""
        chosen = self.chosen_bindings()
        ok = True
        for action, keys in chosen.items():
            why = problem(action, keys, chosen)
            if not why and action in SYSTEM_WIDE and saved.get(action) == keys:
                why = self.global_keys.problems.get(action, "") if self.global_keys else ""
            self.key_errors[action].setText(why)
            self.key_errors[action].setVisible(bool(why))
            set_invalid(self.key_fields[action], bool(why))
            ok = ok and not problem(action, keys, chosen)
        return ok


class ProfilePage(QWidget):
    """The documents answers are built from: dropped here, or added and removed with buttons."""

    def __init__(self) -> None:
        super().__init__()
        col = QVBoxLayout(self)
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


class PrivacyPage(FormPage):
    """Names hidden before a question leaves, and whether sessions are kept (encrypted)."""

    def __init__(self, fields: Fields, changed: Callable[[], object], cfg: Config) -> None:
        super().__init__(fields, changed)
        form = _form()
        self.setLayout(form)
        p = cfg.privacy
        self._check(form, "Hide names before sending", ("privacy", "redact"), p.redact)
        terms = QPlainTextEdit("\n".join(p.redact_terms))
        terms.setFixedHeight(90)
        # Fixed, not the editor's default Expanding: the row took the page's spare height and
        # left a gap as tall as the box between the box and its hint.
        terms.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        terms.textChanged.connect(self.changed)

        def read_terms() -> list[str]:
            return [t.strip() for t in terms.toPlainText().splitlines() if t.strip()]

        hint = ("One per line: names, employers, places. They are replaced before a question "
                "leaves, and put back in the answer you see.")  # fmt: skip
        self._add(form, "Names to hide", ("privacy", "redact_terms"), terms, read_terms, hint)
        self._check(form, "Keep sessions (encrypted)", ("privacy", "keep_sessions"),
                    p.keep_sessions)  # fmt: skip
        self._line(form, "Keep them for (days)", ("privacy", "retention_days"), p.retention_days)


class DisplayPage(FormPage):
    """Theme, text size and opacity of the overlay."""

    def __init__(self, fields: Fields, changed: Callable[[], object], cfg: Config) -> None:
        super().__init__(fields, changed)
        form = _form()
        self.setLayout(form)
        ui = cfg.ui
        self._combo(form, "Theme", ("ui", "theme"), {"dark": "Dark", "light": "Light"}, ui.theme)
        self._line(form, "Text size", ("ui", "font_size"), ui.font_size,
                   hint="8 to 48 pixels; talking points are a little larger.")  # fmt: skip
        self._line(form, "Opacity", ("ui", "opacity"), ui.opacity,
                   hint="0.3 (see-through) to 1.0 (solid).")  # fmt: skip
