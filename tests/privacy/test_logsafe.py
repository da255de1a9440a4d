"""Logs never carry keys, prompts or transcript text.

Two guards: the filter masks what is key-shaped (tested with real records,
real tracebacks and httpx's own header reprs), and a source check fails on any
log call in src/cuecard that formats a variable named like content (the
livekit/agents habit of classifying what telemetry may carry).
"""

from __future__ import annotations

import ast
import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from cuecard import paths
from cuecard.privacy.logsafe import (
    REDACTED,
    RedactingFilter,
    configure_logging,
    log_file,
    redact_secrets,
)
from privacy.support import fake_key

SRC = Path(__file__).resolve().parents[2] / "src" / "cuecard"


@pytest.fixture
def app_log(cuecard_home: Path) -> Iterator[Path]:
    path = configure_logging(logging.DEBUG)
    assert path is not None
    yield path
    configure_logging(logging.WARNING, file=False)  # detach the temp file handler


def read_log() -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return log_file().read_text(encoding="utf-8")


def test_log_file_lives_in_the_log_dir_and_rotates(app_log: Path) -> None:
    assert app_log.parent == paths.log_dir()
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_cuecard", False))
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.maxBytes > 0 and handler.backupCount > 0
    logging.getLogger("cuecard.test").info("answered %d questions", 3)
    assert "answered 3 questions" in read_log()


def test_headers_that_httpx_does_not_mask_are_masked(app_log: Path) -> None:
    key = fake_key()
    google = fake_key("AIza")
    headers = httpx2.Headers(
        {"x-api-key": key, "x-goog-api-key": google, "Authorization": f"Bearer {key}"}
    )
    assert key in repr(headers)  # httpx itself leaves x-api-key readable
    log = logging.getLogger("cuecard.test")
    log.debug("request headers %s", headers)
    raw = [(b"x-api-key", key.encode()), (b"authorization", f"Bearer {key}".encode())]
    log.debug("raw %r", raw)
    log.debug("Authorization: Bearer %s", key)
    log.debug("x-goog-api-key=%s", google)
    log.debug("GET https://generativelanguage.googleapis.com/v1beta/models?key=%s&alt=sse", google)
    text = read_log()
    assert key not in text and google not in text
    assert key[-12:] not in text and google[-12:] not in text
    assert text.count(REDACTED) >= 7


def test_key_shapes_are_masked_but_ordinary_text_is_kept() -> None:
    key = fake_key()
    ant = fake_key("sk-ant-api03-")
    cases = {
        f"using {key} now": "using sk-[redacted] now",
        f"anthropic {ant}": "anthropic sk-ant-[redacted]",
        "Incorrect API key provided: sk-test-************************abcd.": (
            "Incorrect API key provided: sk-[redacted]."
        ),
        "token ghp_" + "a1" * 12: "token [redacted]",
        "opaque 4f9c2b7a1e8d3c6b5a4f9c2b7a1e8d3c6b5a": "opaque [redacted]",
    }
    for raw, want in cases.items():
        assert redact_secrets(raw) == want
    keep = [
        "answered 3 questions in 1.2 s, 350 tokens",
        "request 123e4567-e89b-12d3-a456-426614174000 done",  # UUIDs are ids
        "test_kept_session_has_no_plaintext_in_files_anywhere",  # letters only
        "/tmp/pytest-of-root/pytest-3/home0/data/vault.sqlite3",
        "sk-learn is a library",  # too short to be a key
    ]
    for text in keep:
        assert redact_secrets(text) == text
    assert redact_secrets(redact_secrets(f"x-api-key: {key}")) == f"x-api-key: {REDACTED}"


def test_tracebacks_and_exception_messages_are_masked(app_log: Path) -> None:
    key = fake_key()
    log = logging.getLogger("cuecard.test")
    try:
        raise RuntimeError(f"provider said: bad key {key} (x-api-key: {key})")
    except RuntimeError:
        log.exception("provider failed")
    log.debug("where", stack_info=True, extra={"unused": key})
    text = read_log()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: provider said: bad key sk-[redacted]" in text
    assert key not in text


def test_sdk_debug_records_are_dropped_whatever_the_level(app_log: Path) -> None:
    """openai/anthropic log request bodies (the prompt) at DEBUG; those never reach a file."""
    prompt = "Tell me about the time you led the migration at Paylane"
    for name in ("openai._base_client", "anthropic", "httpx", "httpcore.http11"):
        lg = logging.getLogger(name)
        lg.setLevel(logging.DEBUG)
        lg.debug("Request options: %s", {"json_data": {"messages": [prompt]}})
        lg.info("HTTP Request: POST %s", prompt)
    logging.getLogger("openai").warning("retrying request")
    text = read_log()
    assert prompt not in text
    assert "retrying request" in text  # warnings still get through


def test_filter_survives_a_bad_format_string() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%d items", ("many",), None)
    assert RedactingFilter().filter(record)
    assert "unformattable" in record.getMessage()


# -- the source guard: log calls pass counts, ids and durations, never content ------

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
CONTENT_NAMES = {
    "text", "prompt", "key", "api_key", "content", "transcript", "utterance", "question",
    "answer", "delta", "message", "messages", "secret", "password", "token", "chunk", "body",
    "payload", "words", "sentence", "stable", "partial", "document", "resume", "story",
    "value", "system", "context",
}  # fmt: skip
CONTENT_SUFFIXES = ("_text", "_key", "_prompt", "_content", "_transcript", "_secret", "_body")
SAFE_WRAPPERS = {"len", "type", "id", "bool", "round", "int", "float", "mask", "hash"}
SAFE_PREFIXES = ("is_", "has_", "got_", "n_", "num_")
"""Flags and counts about content (``got_text``, ``n_text``) say that, not what."""


def _is_logger(node: ast.expr) -> bool:
    """``log.x``, ``logger.x``, ``_log.x``, ``self._logger.x``, ``logging.x``."""
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    name = name.lower().lstrip("_")
    return name in {"log", "logger", "logging", "_log"} or name.endswith(("logger", "log"))


def _content_names(node: ast.AST) -> list[str]:
    """Names in a log argument that would put content in the log (skipping len(x) etc.)."""
    found: list[str] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Call):
            func = n.func
            fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if fname in SAFE_WRAPPERS:
                return
            if isinstance(func, ast.Attribute):
                visit(func.value)  # text.strip() formats text
            for a in [*n.args, *(k.value for k in n.keywords)]:
                visit(a)
            return
        if isinstance(n, ast.Name | ast.Attribute):
            ident = n.id if isinstance(n, ast.Name) else n.attr
            low = ident.lower()
            if low.lstrip("_").startswith(SAFE_PREFIXES):
                return
            if low in CONTENT_NAMES or low.endswith(CONTENT_SUFFIXES):
                found.append(ident)
                return
            return  # question.id is fine: only the last attribute counts
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return found


def find_content_in_log_calls(source: str, filename: str = "<src>") -> list[str]:
    problems = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in LOG_METHODS or not _is_logger(node.func.value):
            continue
        args = node.args[1:] if node.func.attr == "log" else node.args
        for arg in [*args, *(k.value for k in node.keywords if k.arg != "exc_info")]:
            # the format string literal itself is ours; what it interpolates is checked
            if isinstance(arg, ast.Constant):
                continue
            for name in _content_names(arg):
                problems.append(f"{filename}:{node.lineno}: log call formats {name!r}")
    return problems


def test_guard_catches_content_in_log_calls() -> None:
    """The guard itself must be able to fail (positive control)."""
    bad = """
import logging
log = logging.getLogger(__name__)
def f(question, prompt, api_key, utterance, self):
    log.info("q: %s", question.text)
    log.debug(f"sending {prompt}")
    log.warning("key %s", api_key)
    logger.error("said %s" % utterance.text)
    self._log.info("{}".format(self.prompt))
    logging.log(logging.INFO, "x %s", message)
    log.info("said %s", utterance.text.strip())
"""
    problems = find_content_in_log_calls(bad)
    assert len(problems) == 7, problems
    good = """
import logging
log = logging.getLogger(__name__)
def f(question, prompt, n, started):
    log.info("question %d (%s) answered in %.2f s", question.id, question.kind, started)
    log.debug("prompt is %d chars, %d messages", len(prompt.text), len(prompt.messages))
    log.warning("provider %s failed: %s", provider.name, type(err).__name__)
    log.exception("session crashed")
    log.info("%s: deadline passed (text started: %s)", name, got_text)
"""
    assert find_content_in_log_calls(good) == []


def test_no_log_call_in_cuecard_formats_content() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 10
    problems = []
    for path in files:
        problems += find_content_in_log_calls(path.read_text(encoding="utf-8"), str(path))
    assert problems == [], "log calls must pass counts/ids/durations only:\n" + "\n".join(problems)
