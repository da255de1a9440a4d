"""The ``cuecard`` command line: one Typer app, one module per command group.

Heavy imports (the speech model, SDKs, Qt) happen inside commands, so
``cuecard --help`` stays instant. Exit codes: 0 success, 1 user error with a
one-line message, 2 usage error.
"""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from cuecard.cli import (
    assist_cmds,
    config_cmds,
    data_cmds,
    live_cmds,
    profile_cmds,
    session_cmds,
)

app = typer.Typer(
    name="cuecard",
    help="A private interview copilot: transcribes on your device, answers with your own key.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



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


def main() -> None:
    from cuecard.privacy.logsafe import configure_logging

    # A read-only or full disk must not stop the app: logs are optional.
    with contextlib.suppress(OSError):
        configure_logging()
    app()
