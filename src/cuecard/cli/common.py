"""What every command shares: one-line user errors and exit codes."""

from __future__ import annotations

import sys
from typing import Annotated, Any, NoReturn

import typer

from cuecard.privacy.sanitize import sanitize


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 1."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit; never a traceback for a user's mistake.

    The message is plain text: an error quoting a file name, a provider's reply or a
    config key must not carry an escape sequence to the terminal (the stream gate
    would stop most; plain text keeps even colours out).
    """
    typer.echo(f"cuecard: {sanitize(message)}", err=True)
    raise typer.Exit(code)


def out(text: str) -> None:
    """One line of a command's output, as plain text (see ``fail``)."""
    sys.stdout.write(sanitize(text) + "\n")
    sys.stdout.flush()


LanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="Language of the interview: auto, en, or a code such as es, de, fr, pt, it "
        "(this session only; speech.language in config.toml otherwise).",
    ),
]


def with_language(cfg: Any, language: str | None) -> Any:
    """``cfg`` with ``--language`` applied (checked like the setting: one line if bad)."""
    if language is None:
        return cfg
    from pydantic import ValidationError

    try:
        speech = cfg.speech.model_copy()
        speech.language = language.strip().lower()
    except ValidationError:
        fail(f"--language {language!r}: use auto, en, or a language code such as es, de, fr",
             code=2)  # fmt: skip
    return cfg.model_copy(update={"speech": speech})
