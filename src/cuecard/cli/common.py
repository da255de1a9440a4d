"""What every command shares: one-line user errors and exit codes."""

from __future__ import annotations

import sys
from typing import Annotated, Any, NoReturn

import typer


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 1."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit; never a traceback for a user's mistake."""
    typer.echo(f"cuecard: {message}", err=True)
    raise typer.Exit(code)


def out(text: str) -> None:
    sys.stdout.write(text + "\n")
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
