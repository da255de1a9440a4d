"""``cuecard data where|export|erase`` and ``cuecard privacy report|policy``.

Also registers ``cuecard keys`` (cli/keys_cmds.py): keys belong to the privacy
layer, which owns the keychain.

None of these commands creates a file it was not asked to: ``where``,
``export`` and ``privacy report`` never create a config file, a log, an empty
vault or an empty ledger.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cuecard.cli import keys_cmds
from cuecard.cli.common import fail, out

if TYPE_CHECKING:
    from cuecard.privacy.ledger import LedgerEntry
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
    from cuecard.privacy.vault import Vault, vault_path
    from cuecard.privacy.vault_keys import VaultError

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
    from cuecard.privacy.vault_keys import VaultError

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


def _erase_session(session: str) -> None:
    from cuecard.privacy import ledger_store
    from cuecard.privacy.vault_keys import VaultError

    vault = _open_vault(must_exist=True)
    assert vault is not None
    with vault:
        finished_earlier = session in vault.completed  # an interrupted erase, done at open
        try:
            if session in vault.pending_erasures():
                vault.finish_erasures()
            elif not finished_earlier:
                vault.erase(session)
        except VaultError as err:
            if session in vault.pending_erasures():  # gone from the file, old key still kept
                with _ledger_errors():
                    ledger_store.erase_session(session)
            fail(str(err))
        locked = session in vault.pending_erasures()  # the keychain has no key for the vault
    with _ledger_errors():
        ledger_store.erase_session(session)
    if locked:
        out(
            f"erased session {session}: its records are deleted; your keychain holds no key "
            "for this vault, so nothing on this computer can decrypt it or any copy of it "
            "(if you restore the key, cuecard replaces it when it next opens the vault)"
        )
        return
    out(
        f"erased session {session}: its records are deleted and the vault key is replaced, "
        "so no copy of the vault made before now can decrypt it"
    )


def _finish_erasures() -> None:
    """Finish what an earlier erase left: an ``--all`` (keychain entries, files), or sessions."""
    from cuecard.privacy import inventory
    from cuecard.privacy.vault import EraseIncomplete
    from cuecard.privacy.vault_keys import VaultError

    started = inventory.erase_unfinished()
    if started is not None:
        when = _iso(started) if started else "an earlier time"
        try:
            removed = inventory.erase_everything()
        except EraseIncomplete as err:
            for line in err.removed:
                out(f"removed {line}")
            fail(str(err))
        except (VaultError, OSError) as err:
            fail(f"erase stopped: {err}")
        inventory.clear_erase_mark()
        for line in removed:
            out(f"removed {line}")
        what = "; it had left nothing more" if not removed else ""
        out(f"finished the `data erase --all` started {when}{what}")
        return
    vault = _open_vault(must_exist=False)
    if vault is None:
        out("nothing to finish: no erase was left unfinished")
        return
    with vault:
        try:
            vault.finish_erasures()
        except VaultError as err:
            fail(str(err))
        finished = vault.completed
    if finished:
        out(f"finished erasing {', '.join(finished)}: the vault key is replaced")
    else:
        out("nothing to finish: every erase is complete")


@contextlib.contextmanager
def _ledger_errors() -> Iterator[None]:
    """Turn an unreadable egress ledger into a one-line error."""
    from cuecard.privacy.ledger_store import LedgerStoreError

    try:
        yield
    except LedgerStoreError as err:
        fail(str(err))


@data_app.command("erase")
def data_erase(
    session: SessionOpt = None,
    erase_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="every kept session, your profile documents, logs, the egress ledger, "
            "settings and keychain entries",
        ),
    ] = False,
    finish: Annotated[
        bool,
        typer.Option(
            "--finish",
            help="finish an earlier erase that could not complete (keychain unreachable): "
            "its keychain entries, files and the vault key",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Erase one kept session for good (copies included), or everything with --all."""
    from cuecard.privacy import inventory
    from cuecard.privacy.vault import EraseIncomplete
    from cuecard.privacy.vault_keys import VaultError

    if sum((bool(session), erase_all, finish)) != 1:
        fail("say what to erase: --session ID, --all or --finish", code=2)
    if session:
        _erase_session(session)
        return
    if finish:
        _finish_erasures()
        return
    if not yes:
        typer.confirm(
            "Erase every kept session, your profile documents, logs, the egress ledger, "
            "settings and cuecard's keychain entries (API keys and the vault key)? "
            "This cannot be undone",
            abort=True,
            err=True,
        )
    incomplete: EraseIncomplete | None = None
    created = inventory.mark_erase_started()  # so that --finish can complete it
    try:
        removed = inventory.erase_everything()
    except EraseIncomplete as err:
        removed, incomplete = err.removed, err
    except (VaultError, OSError) as err:
        fail(f"erase stopped: {err}; `cuecard data erase --finish` completes it")
    for line in removed:
        out(f"removed {line}")
    if incomplete is not None:
        fail(str(incomplete))
    inventory.clear_erase_mark(created_folder=created)
    if not removed:
        out("nothing to erase: cuecard keeps nothing on this machine")
    for item in inventory.remaining_after_erase():
        out(f"kept {item.where} ({item.what}); delete it yourself if you wish")


# -- privacy ------------------------------------------------------------------------


_DURATION = re.compile(r"(\d+)\s*(m|min|h|d|w)", re.IGNORECASE)
_UNIT_S = {"m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def _parse_since(text: str, now: float) -> float:
    """``24h``, ``90m``, ``7d``, ``2w``, or a date/time (``2025-01-31``, ``2025-01-31T14:00``)."""
    match = _DURATION.fullmatch(text.strip())
    if match:
        return now - int(match.group(1)) * _UNIT_S[match.group(2).lower()]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(
            f"--since {text!r} is not a time: use a duration such as 24h, 7d or 30m, "
            "or a date such as 2025-01-31",
            code=2,
        )
    return when.timestamp()  # a time without a zone is local time


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat("T", "seconds")


def _session_entries(session: str | None, last: bool) -> tuple[list[LedgerEntry], str]:
    """A kept session's entries: from the egress ledger, else from the vault's own copy."""
    from cuecard.privacy import ledger_store
    from cuecard.privacy.vault import vault_path
    from cuecard.privacy.vault_keys import VaultError

    session_id = session
    if last or not ledger_store.ledger_path().is_file() or vault_path().exists():
        vault = _open_vault(must_exist=last)
        if vault is not None:
            with vault:
                sessions = vault.list_sessions()
                if last and not sessions:
                    fail("no session has been kept (retention may have erased older ones)")
                session_id = session or sessions[-1].id
                with _ledger_errors():
                    entries = ledger_store.read(ledger_store.Query(session=session_id))
                if not entries:  # kept before the egress ledger existed: the vault's copy
                    try:
                        entries = vault.read_session(session_id).ledger().entries()
                    except VaultError as err:
                        fail(str(err))
                return entries, f"kept session {session_id}"
    assert session_id is not None
    with _ledger_errors():
        entries = ledger_store.read(ledger_store.Query(session=session_id))
    if not entries:
        fail(f"no kept session {session_id!r}: `cuecard data where` lists them")
    return entries, f"kept session {session_id}"


@privacy_app.command("report")
def privacy_report(
    as_json: JsonOpt = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="from when: 24h (the default), 7d, 30m, or a date like 2025-01-31"
        ),
    ] = None,
    session: SessionOpt = None,
    last: Annotated[bool, typer.Option("--last", help="the most recent kept session")] = False,
) -> None:
    """What left this device, by destination, from every cuecard command, with a verdict."""
    from cuecard.privacy import ledger_store
    from cuecard.privacy.ledger import process_ledger
    from cuecard.privacy.report import render_text, summarize

    if since is not None and (session or last):
        fail("choose a time (--since) or a kept session (--session/--last), not both", code=2)
    now = time.time()
    window: dict[str, str | None] = {}
    if session or last:
        entries, scope = _session_entries(session, last)
    else:
        start = _parse_since(since or "24h", now)
        with _ledger_errors():
            entries = ledger_store.read(
                ledger_store.Query(since=start), retention_days=_retention_days()
            )
        if ledger_store.active_writer() is None:  # this process's own, if not written through
            entries += [e for e in process_ledger().entries() if e.time >= start]
        scope = (
            "the last 24 hours, every cuecard command on this device"
            if since is None
            else f"since {_iso(start)}, every cuecard command on this device"
        )
        window = {"since": _iso(start), "until": _iso(now)}
    report = summarize(entries)
    redaction = _redaction_summary()
    if as_json:
        out(json.dumps({"scope": scope, **window, **report.to_dict(), "redaction": redaction}))
    else:
        out(render_text(report, scope=scope))
        if redaction["on"]:
            terms = sum(len(v) for v in redaction["matched"].values())
            out(f"Redaction: on; {len(redaction['matched'])} of your terms, {terms} spellings "
                "matched (--json lists them)")  # fmt: skip


def _redaction_summary() -> dict[str, Any]:
    """Whether prompts are redacted, and every spelling each of the user's terms is matched in.

    Derived variants ("Rivera, Alex", "A. Rivera") are shown so the user can check that
    what they meant to hide is what cuecard hides. Local only: it is never sent anywhere.
    """
    from cuecard import config
    from cuecard.privacy.redaction import Redactor

    try:
        privacy = config.load(create=False).privacy
    except config.ConfigError as err:
        fail(str(err))
    matched = Redactor(privacy.redact_terms).variants() if privacy.redact_terms else {}
    return {"on": privacy.redact, "matched": matched}


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
