"""Logs that are safe to attach to a bug report: no keys, no prompts, no transcript.

Two defences. First, cuecard's own log calls pass only counts, ids and
durations (a test reads the source and fails on a log call that formats a
variable named like text, a prompt or a key). Second, this filter, on every
handler, rewrites what slips through anyway: anything shaped like an API key,
the values of ``Authorization`` / ``x-api-key`` / ``x-goog-api-key`` headers
(httpx masks only ``Authorization`` in its reprs), ``key=`` in URLs, long
opaque tokens, in messages, exception text and stack traces alike. Provider
SDKs log request bodies (the prompt) at DEBUG, so their records below WARNING
are dropped whatever level the app runs at.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
import re
from pathlib import Path
from typing import Final

from cuecard import paths

REDACTED: Final = "[redacted]"

LOG_FILE_NAME: Final = "cuecard.log"
MAX_BYTES: Final = 1_000_000
BACKUPS: Final = 3

QUIET_LOGGERS: Final = (
    "openai",
    "anthropic",
    "google_genai",
    "google.genai",
    "httpx",
    "httpcore",
    "hpack",
    "h2",
    "urllib3",
    "huggingface_hub",
)
"""Libraries whose DEBUG/INFO records may carry request bodies, headers or URLs."""

_HEADER_NAMES = (
    r"x-api-key|x-goog-api-key|authorization|proxy-authorization|api-key|api_key|apikey"
    r"|x-auth-token|cookie|set-cookie"
)
_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # header name, its separator as a repr/trace/log writes it, then the value
    (
        re.compile(
            rf"""(?ix)
            (\b(?:{_HEADER_NAMES})\b['"]?       # the name, maybe quoted (b'x-api-key')
            \s*(?:[:=]|,)\s*                     # ': ' or '=' or ', ' (tuples)
            (?:b?['"])?)                          # '…' or b'…' (httpcore traces)
            (?:(?:bearer|basic|token)\s+)?        # scheme
            [^\s'",;)}}\[\]]+                     # the value ('[secure]' is httpx's mask)
            """
        ),
        rf"\1{REDACTED}",
    ),
    # key in a query string (Google accepts ?key=)
    (
        re.compile(r"(?i)([?&](?:key|api_key|apikey|access_token|token)=)[^&\s'\"#]+"),
        rf"\1{REDACTED}",
    ),
    # vendor key shapes, asterisk-masked echoes included (OpenAI's 401 quotes sk-…****abcd)
    (re.compile(r"\bsk-ant-[A-Za-z0-9_\-*]{6,}"), f"sk-ant-{REDACTED}"),
    (re.compile(r"\bsk-[A-Za-z0-9_\-*]{8,}"), f"sk-{REDACTED}"),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"), f"AIza{REDACTED}"),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|github_pat|xox[baprs]|hf)_[A-Za-z0-9_]{16,}"), REDACTED),
    # a bearer token on its own
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{8,}=*"), f"Bearer {REDACTED}"),
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_\-+/])[A-Za-z0-9_\-+]{32,}={0,2}(?![A-Za-z0-9_\-+/])")


def _opaque(match: re.Match[str]) -> str:
    """Long runs with letters and digits mixed are tokens; UUIDs are ids, kept for debugging."""
    token = match.group(0)
    if _UUID.match(token):
        return token
    if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        return REDACTED
    return token


def redact_secrets(text: str) -> str:
    """Mask everything key-shaped in ``text``; idempotent, and cheap enough for every record."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _OPAQUE.sub(_opaque, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, exception text and stack so no secret reaches a handler.

    Attach it to handlers (a logger's filters do not see its children's
    records). It formats the message itself, so a secret passed as a %-arg is
    caught too, and it pre-renders the traceback into ``exc_text``, which
    ``logging.Formatter`` then uses instead of formatting the exception again.
    """

    def __init__(self, quiet: tuple[str, ...] = QUIET_LOGGERS) -> None:
        super().__init__()
        self._quiet = quiet

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and any(
            record.name == q or record.name.startswith(q + ".") for q in self._quiet
        ):
            return False
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not take the app down
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg = redact_secrets(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_secrets(record.stack_info)
        return True


FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file() -> Path:
    return paths.log_dir() / LOG_FILE_NAME


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log that exists only once something is logged, 0600 in a 0700 folder.

    Opening lazily (``delay=True``, and the folder made in ``_open``) is what lets a
    command that only reads (``data where``, ``privacy report``) leave no file
    behind. A log that cannot be written (read-only or full disk) switches
    itself off instead of printing a traceback per record: logs are optional.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        self._broken = False

    def _open(self) -> io.TextIOWrapper:
        path = Path(self.baseFilename)
        paths.private_dir(path.parent)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, paths.FILE_MODE)
        with contextlib.suppress(OSError):
            os.chmod(path, paths.FILE_MODE)  # a log an older cuecard left 0644
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        if not self._broken:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        self._broken = True


def configure_logging(
    level: int | str = logging.INFO, *, console: bool = False, file: bool = True
) -> Path | None:
    """Send cuecard's logs to a rotating file in the log dir (and stderr if asked), filtered.

    Idempotent: handlers it added before are replaced, so tests and the CLI
    can call it more than once. Returns the log file's path; the file itself is
    created only when the first record is written.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_cuecard", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    path: Path | None = None
    if file:
        path = log_file()
        handlers.append(PrivateRotatingFileHandler(path))
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._cuecard = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return path
