"""Settings from ``config.toml``, validated so a typo fails loudly before the interview.

No secret is ever read from or written to this file: keys live in the OS
keychain (see ``cuecard.privacy.secrets``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cuecard import catalog, paths


class ConfigError(Exception):
    """A one-line, actionable message about a bad setting."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SpeechConfig(_Section):
    model: str = Field(
        default="tiny.en",
        description="faster-whisper size name (tiny.en, base.en, small.en, ...) or a local "
        "directory with CTranslate2 files. Only tiny.en ships with cuecard; others need "
        "`cuecard models download NAME` first.",
    )
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


class AudioConfig(_Section):
    mic: str | None = Field(default=None, description="microphone name (part of it) or index")
    loopback: str | None = Field(
        default=None, description="device whose playback is the interviewer (monitor/loopback)"
    )
    silence_warning_s: float = Field(default=10.0, ge=1.0)


ProviderName = Literal["openai", "anthropic", "google", "local", "offline"]
"""The names in ``cuecard.catalog.PROVIDERS`` (a test keeps the two equal)."""


class ProviderSettings(_Section):
    model: str | None = None
    base_url: str | None = Field(
        default=None, description="API base URL; for `local`, e.g. http://127.0.0.1:11434/v1"
    )


def _defaults(name: str) -> ProviderSettings:
    spec = catalog.PROVIDERS[name]
    return ProviderSettings(model=spec.default_model, base_url=spec.default_base_url)


class AssistConfig(_Section):
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
    answers_per_minute: int | None = Field(
        default=None, description="no longer used: the cost guard counts tokens (tokens_per_minute)"
    )
    speculative: bool = Field(default=True, description="start answering on a stable partial")
    profile_chunks: int = Field(default=4, ge=1, le=12)
    history_turns: int = Field(default=4, ge=0, le=20)


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
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown setting; see `cuecard config show` for the valid ones"
    return f"config error{where}: {key}: {msg}"


def parse(data: dict[str, Any], source: Path | None = None) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None


def load(path: Path | None = None, *, create: bool = True) -> Config:
    """Read the config file, writing a commented default on first run."""
    path = path or Path(os.environ.get("CUECARD_CONFIG") or paths.config_file())
    if not path.exists():
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(DEFAULT_TEXT, encoding="utf-8")
            except OSError:
                pass  # a read-only home still gets the defaults
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config error in {path}: not valid TOML ({err})") from None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None
    return parse(data, path)
