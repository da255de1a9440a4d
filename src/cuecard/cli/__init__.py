"""The ``cuecard`` command line: one Typer app, one module per command group.

Heavy imports (the speech model, SDKs, Qt) happen inside commands, so
``cuecard --help`` stays instant. Exit codes: 0 success, 1 user error with a
one-line message, 2 usage error.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer

from cuecard.cli import (
    assist_cmds,
    config_cmds,
    data_cmds,
    live_cmds,
    practice_cmds,
    profile_cmds,
    session_cmds,
)

app = typer.Typer(
    name="cuecard",
    help="A private interview copilot: transcribes on your device, answers with your own key.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # every command inherits it
)


def _flags_without_a_type() -> None:
    """typer 0.29 prints ``<bool>`` beside every flag in --help, which reads as "give a
    value" (``--fast true`` then fails: a flag takes none). Flags show no type column."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_cuecard", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and not self.count:
            return None
        return shown(self, ctx)

    display_type_rich._cuecard = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_a_type()



def _version(value: bool) -> None:
    if value:
        from cuecard import __version__

        typer.echo(f"cuecard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
) -> None:
    """A private interview copilot: transcribes on your device, answers with your own key."""


session_cmds.register(app)  # demo, replay, models
config_cmds.register(app)  # config path, show, set, unset
assist_cmds.register(app)  # ask, doctor, keys
profile_cmds.register(app)  # profile
data_cmds.register(app)  # data, privacy
live_cmds.register(app)  # listen, devices, app
practice_cmds.register(app)  # practice, review


def _command_name(argv: list[str]) -> str:
    """The command's name ("ask", "models download"): command words only, never an argument."""
    import typer.main

    command: object = typer.main.get_command(app)
    names: list[str] = []
    for word in argv:
        if word.startswith("-"):
            continue
        subcommands = getattr(command, "commands", None)  # a group (typer vendors its click)
        if not isinstance(subcommands, dict) or word not in subcommands:
            break
        names.append(word)
        command = subcommands[word]
    return " ".join(names)


def main() -> None:
    import sys

    from cuecard.privacy.sanitize import install_terminal_gate

    # The one gate to the terminal, before anything can print (see privacy/sanitize.py).
    install_terminal_gate()

    from cuecard.privacy.ledger import process_ledger
    from cuecard.privacy.logsafe import configure_logging
    from cuecard.privacy.secrets import key_in_argv

    # Checked before anything parses or echoes the arguments (a usage error would quote them).
    problem = key_in_argv(sys.argv[1:])
    if problem is not None:
        sys.stderr.write(f"cuecard: {problem}\n")
        raise SystemExit(2)
    # What the egress ledger files this process's connections under.
    with contextlib.suppress(Exception):
        process_ledger().set_context(command=_command_name(sys.argv[1:]))
    # A read-only or full disk must not stop the app: logs are optional (the file is
    # created on the first record, so commands that only read leave none).
    with contextlib.suppress(OSError):
        configure_logging()
    app()
