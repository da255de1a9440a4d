"""``cuecard config path|show|set|unset``: the settings file, read and changed safely.

``show`` and ``path`` only read: they never create config.toml. ``set`` and
``unset`` change one value through the one writer in ``cuecard.config``, which
keeps the user's comments and checks the value with the same models the file
is read with, so a value ``set`` accepts is one every command accepts.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cuecard.cli.common import fail, out

config_app = typer.Typer(
    name="config",
    help="Where the settings live, what is in force, and change one (comments kept).",
    no_args_is_help=True,
)

KeyArg = Annotated[str, typer.Argument(help="A dotted setting, e.g. assist.provider.")]


@config_app.command("path")
def config_path() -> None:
    """Print the path of config.toml."""
    from cuecard import config as config_mod

    out(str(config_mod.path()))


@config_app.command("show")
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the settings in force (defaults filled in); creates nothing."""
    from cuecard import config as config_mod

    try:
        cfg = config_mod.load(create=False)
    except config_mod.ConfigError as err:
        fail(str(err))
    data: dict[str, Any] = cfg.model_dump(mode="json")
    if as_json:
        out(json.dumps(data, indent=2))
        return
    for section, values in data.items():
        out(f"[{section}]")
        for key, value in values.items():
            out(f"{key} = {json.dumps(value)}")
        out("")


@config_app.command("set")
def config_set(
    key: KeyArg,
    value: Annotated[str, typer.Argument(help='The value: text, a number, true/false, or a '
                                              'list such as \'["anthropic", "offline"]\'.')],
) -> None:
    """Change one setting in config.toml; your comments and other lines stay as they are."""
    from cuecard import config as config_mod

    try:
        typed = config_mod.coerce(key, value)
        path, _ = config_mod.update({key: typed})
    except config_mod.ConfigError as err:
        fail(str(err))
    out(f"set {key} = {json.dumps(typed, ensure_ascii=False)} in {path}")


@config_app.command("unset")
def config_unset(key: KeyArg) -> None:
    """Remove one setting from config.toml, so its default applies again."""
    from cuecard import config as config_mod

    try:
        config_mod.field_for(key)
        path, cfg = config_mod.update({key: config_mod.unset()})
    except config_mod.ConfigError as err:
        fail(str(err))
    now: Any = cfg
    for part in key.split("."):
        now = getattr(now, part)
    out(f"removed {key} from {path}; the default applies: {json.dumps(now)}")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
