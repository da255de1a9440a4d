"""``cuecard keys set|list|remove``: provider keys in the OS keychain, never in a file."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from cuecard import catalog
from cuecard.cli.common import fail, out


def _keyed(value: str) -> str:
    """The provider named, if it takes a key: read from the catalog when the command runs, so
    a row added to the table is a ``keys`` provider with no edit here."""
    if value not in catalog.keyed():
        raise typer.BadParameter(f"{value!r} takes no key: choose {_choices()}")
    return value


def _choices() -> str:
    names = catalog.keyed()
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def _complete(incomplete: str) -> list[str]:
    return [name for name in catalog.keyed() if name.startswith(incomplete)]


def _provider() -> Any:
    return typer.Argument(help=_choices(), metavar="PROVIDER", callback=_keyed,
                          autocompletion=_complete, show_default=False)  # fmt: skip


keys_app = typer.Typer(
    name="keys",
    help="Store, list and remove your API keys (kept in the OS keychain, never in a file).",
    no_args_is_help=True,
)


@keys_app.command("set")
def keys_set(
    provider: Annotated[str, _provider()],
    use: Annotated[
        bool | None,
        typer.Option(
            "--use/--no-use",
            help="Answer with this provider from now on "
            "(assist.provider), or leave the setting as it is. Asked on a terminal.",
        ),
    ] = None,
    no_check: Annotated[
        bool,
        typer.Option(
            "--no-check",
            help="Store without asking the provider (offline, or to keep a key it rejected).",
        ),
    ] = False,
) -> None:
    """Check a key with the provider, then store it in the OS keychain.

    Prompts without echo; reads stdin when piped. The check is one request for
    the provider's model list, recorded in the egress ledger; a key the provider
    rejects is not stored (--no-check stores it unchecked).
    """
    from cuecard.privacy import secrets

    name = secrets.display_name(provider)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if interactive:
        value = typer.prompt(f"{name} API key", hide_input=True, err=True)
    else:
        value = sys.stdin.readline() if sys.stdin is not None else ""
    try:
        key = secrets.clean_key(value)
        secrets.get_secret(provider)  # no keychain: say so before asking the provider
    except secrets.SecretsError as err:
        fail(str(err))
    verdict = "not checked (--no-check)" if no_check else _check(provider, key)
    try:
        stored = secrets.set_key(provider, key)
        backend = secrets.keychain_backend()
    except secrets.SecretsError as err:
        fail(str(err))
    out(f"stored your {name} key ({stored.masked}) in the OS keychain ({backend}): {verdict}")
    _offer_switch(provider, name, use, interactive=interactive)


def _check(provider: str, key: str) -> str:
    """The provider's verdict on ``key`` as the end of the "stored" line; exits 1 (nothing
    stored) when the provider rejects it."""
    from cuecard import catalog
    from cuecard import config as config_mod
    from cuecard.assist.keycheck import check_key_blocking
    from cuecard.privacy.egress import startup

    try:
        cfg = config_mod.load(create=False)
    except config_mod.ConfigError as err:
        return f"not checked: the settings cannot be read ({err})"
    verdict = check_key_blocking(cfg, provider, key, startup(cfg))
    if verdict.outcome == "rejected":
        info = catalog.info(provider)
        fail(f"{info.label} rejected this key, so it was not stored: copy a current one from "
             f"{info.key_url} and run `cuecard keys set {provider}` again "
             "(--no-check stores it anyway)")  # fmt: skip
    return verdict.line


def _offer_switch(provider: str, name: str, use: bool | None, *, interactive: bool) -> None:
    """A new key is useless while answers still come from another provider: say so, offer it.

    A terminal is asked (default no: the user may be adding a fallback key);
    ``--use``/``--no-use`` decide for scripts; without either and without a
    terminal nothing changes and one line says how to switch.
    """
    from cuecard import config as config_mod

    try:
        current = config_mod.load(create=False).assist.provider
    except config_mod.ConfigError as err:
        if use:
            fail(f"cannot switch to {provider}: {err}")
        typer.echo(f"cuecard: the key is stored, but the settings cannot be read: {err}", err=True)
        return
    if current == provider or use is False:
        return
    how = f"`cuecard config set assist.provider {provider}`"
    if use is None and interactive:
        use = typer.confirm(
            f"Answers come from {current} now. Use {name} for answers from now on?",
            default=False, err=True,
        )  # fmt: skip
    if not use:
        out(f"answers still come from {current}; to use {name}: {how}")
        return
    try:
        path, _ = config_mod.update({"assist.provider": provider})
    except config_mod.ConfigError as err:
        fail(f"cannot switch to {provider}: {err}")
    out(f'answers now come from {name} (assist.provider = "{provider}" in {path})')


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Which providers have a key, its masked tail, and where it comes from."""
    from cuecard.privacy import secrets

    try:
        infos = secrets.list_keys()
    except secrets.SecretsError as err:
        fail(str(err))
    if as_json:
        rows = [
            {
                "provider": i.provider,
                "masked": i.masked,
                "source": i.source,
                "in_keychain": i.in_keychain,
            }
            for i in infos
        ]
        out(json.dumps({"keys": rows}))
        return
    for i in infos:
        if i.source is None:
            out(f"{i.provider:<10} (none)      run `cuecard keys set {i.provider}`")
        else:
            where = {"env": f"from {secrets.env_var(i.provider)}", "keychain": "OS keychain"}
            note = " (a keychain key is also stored)" if i.source == "env" and i.in_keychain else ""
            out(f"{i.provider:<10} {i.masked:<11} {where[i.source]}{note}")


@keys_app.command("remove")
def keys_remove(
    provider: Annotated[str, _provider()],
) -> None:
    """Delete a key from the OS keychain."""
    from cuecard.privacy import secrets

    try:
        removed = secrets.delete_key(provider)
    except secrets.SecretsError as err:
        fail(str(err))
    name = secrets.display_name(provider)
    if removed:
        out(f"removed your {name} key from the OS keychain")
    else:
        out(f"no {name} key was stored in the OS keychain")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
