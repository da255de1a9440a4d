"""``cuecard data where|export|erase`` and ``cuecard privacy report|policy``.

Also registers ``cuecard keys`` (cli/keys_cmds.py): keys belong to the privacy
layer, which owns the keychain.

None of these commands creates a file it was not asked to: ``where`` and
``export`` never create a config file or an empty vault.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from cuecard.cli import keys_cmds
from cuecard.cli.common import fail, out

if TYPE_CHECKING:
    from cuecard.privacy.vault import Vault

data_app = typer.Typer(
    name="data",
    help="See, export and erase everything cuecard keeps on this machine.",
    no_args_is_help=True,
)
privacy_app = typer.Typer(
    name="privacy",
    help="What left this device, and the privacy policy.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]
SessionOpt = Annotated[
    str | None, typer.Option("--session", help="a kept session's id (`cuecard data where`)")
]


def _retention_days() -> int:
    from cuecard import config

    try:
        return config.load(create=False).privacy.retention_days
    except config.ConfigError as err:
        fail(str(err))


def _open_vault(*, must_exist: bool) -> Vault | None:
    """The vault with retention enforced, or None if no session was ever kept."""
    from cuecard.privacy.vault import Vault, VaultError, vault_path

    if not vault_path().exists():
        if must_exist:
            fail("no session has been kept: turn on privacy.keep_sessions or use --keep")
        return None
    try:
        return Vault.open(retention_days=_retention_days())
    except VaultError as err:
        fail(str(err))


# -- data ---------------------------------------------------------------------------


@data_app.command("where")
def data_where(as_json: JsonOpt = False) -> None:
    """List every file and keychain entry cuecard has created (contents are not read)."""
    from datetime import UTC, datetime

    from cuecard.privacy import inventory
    from cuecard.privacy.report import human_bytes

    def iso(ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat("T", "seconds")

    info = inventory.where()
    vault = _open_vault(must_exist=False)
    sessions: list[dict[str, object]] = []
    if vault is not None:
        with vault:
            sessions = [
                {"id": s.id, "started": iso(s.started), "ended": iso(s.ended), "records": s.records}
                for s in vault.list_sessions()
            ]
        info = inventory.where()  # retention may just have changed the files
    info["kept_sessions"] = sessions
    if as_json:
        out(json.dumps(info))
        return
    dirs = info["directories"]
    out(f"config dir: {dirs['config']}\ndata dir:   {dirs['data']}\nlog dir:    {dirs['logs']}")
    out("\nFiles:" if info["files"] else "\nFiles: none")
    for item in info["files"]:
        out(f"  {item['where']}  ({human_bytes(item['size'])}; {item['what']})")
    if info["keychain_error"]:
        out(f"\nKeychain: cannot be read ({info['keychain_error']})")
    else:
        out("\nKeychain entries:" if info["keychain"] else "\nKeychain entries: none")
        for item in info["keychain"]:
            out(f"  {item['where']}  ({item['what']})")
    for item in info["environment"]:
        out(f"\nIn use from the environment: {item['where']} ({item['what']})")
    if sessions:
        out("\nKept sessions:")
        for s in sessions:
            out(f"  {s['id']}  started {s['started']}, {s['records']} records")


@data_app.command("export")
def data_export(
    session: SessionOpt = None,
    readable_only: Annotated[
        bool,
        typer.Option(
            "--readable-only",
            help="when the vault key is lost: export the dates and counts that are still readable",
        ),
    ] = False,
) -> None:
    """Write a complete, readable JSON export of kept sessions to stdout (GDPR Art. 15/20)."""
    from cuecard.privacy.vault import VaultError

    vault = _open_vault(must_exist=session is not None)
    if vault is None:
        out(json.dumps({"format": "cuecard-export", "version": 1, "sessions": []}, indent=2))
        return
    with vault:
        try:
            data = vault.export_readable_only() if readable_only else vault.export(session)
        except VaultError as err:
            fail(str(err))
    out(json.dumps(data, indent=2, ensure_ascii=False))


@data_app.command("erase")
def data_erase(
    session: SessionOpt = None,
    erase_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="every kept session, your profile documents, logs, settings and keychain entries",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Erase one kept session (its key is destroyed first), or everything with --all."""
    from cuecard.privacy import inventory
    from cuecard.privacy.vault import VaultError

    if bool(session) == erase_all:
        fail("say what to erase: --session ID or --all", code=2)
    if session:
        vault = _open_vault(must_exist=True)
        assert vault is not None
        with vault:
            try:
                vault.erase(session)
            except VaultError as err:
                fail(str(err))
        out(f"erased session {session}: its key is destroyed and its pages wiped")
        return
    if not yes:
        typer.confirm(
            "Erase every kept session, your profile documents, logs, settings and cuecard's "
            "keychain entries (API keys and the vault key)? This cannot be undone",
            abort=True,
            err=True,
        )
    try:
        removed = inventory.erase_everything()
    except (VaultError, OSError) as err:
        fail(f"erase stopped: {err}")
    for line in removed:
        out(f"removed {line}")
    if not removed:
        out("nothing to erase: cuecard keeps nothing on this machine")
    for item in inventory.remaining_after_erase():
        out(f"kept {item.where} ({item.what}); delete it yourself if you wish")


# -- privacy ------------------------------------------------------------------------


@privacy_app.command("report")
def privacy_report(
    as_json: JsonOpt = False,
    session: SessionOpt = None,
    last: Annotated[bool, typer.Option("--last", help="the most recent kept session")] = False,
) -> None:
    """What left this device, by destination, with a one-line verdict."""
    from cuecard.privacy.ledger import process_ledger
    from cuecard.privacy.report import render_text, summarize
    from cuecard.privacy.vault import VaultError

    if session or last:
        vault = _open_vault(must_exist=True)
        assert vault is not None
        with vault:
            sessions = vault.list_sessions()
            if last and not sessions:
                fail("no session has been kept (retention may have erased older ones)")
            session_id = session or sessions[-1].id
            try:
                ledger = vault.read_session(session_id).ledger()
            except VaultError as err:
                fail(str(err))
        scope = f"kept session {session_id}"
    else:
        ledger = process_ledger()
        scope = "this process; --session ID or --last for a kept session"
    report = summarize(ledger)
    if as_json:
        out(json.dumps({"scope": scope, **report.to_dict()}))
    else:
        out(render_text(report, scope=scope))


@privacy_app.command("policy")
def privacy_policy() -> None:
    """Print cuecard's privacy policy (PRIVACY.md)."""
    from importlib import resources

    out(resources.files("cuecard").joinpath("assets", "PRIVACY.md").read_text(encoding="utf-8"))


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
    app.add_typer(data_app, name="data")
    app.add_typer(privacy_app, name="privacy")
    keys_cmds.register(app)
