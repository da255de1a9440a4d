"""What every command shares: one-line user errors and exit codes."""

from __future__ import annotations

import sys
from typing import NoReturn

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
