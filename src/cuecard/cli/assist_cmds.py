"""Commands that check the answer side before an interview: ask, doctor."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Annotated, Any

import typer

from cuecard.cli.common import fail, out

KeyStdinOpt = Annotated[
    bool,
    typer.Option(
        "--key-stdin",
        help="Read a key for this command only from stdin (one line), or ask for it without "
        "echo when stdin is a terminal. Never put a key on the command line: every user of "
        "this computer can read it there.",
    ),
]
KeyArgOpt = Annotated[str | None, typer.Option("--key", hidden=True)]
"""Kept only to refuse it: a key in argv is readable by every local user (``ps``)."""


def _refuse_key_in_argv(given: str | None) -> None:
    if given is not None:
        fail(
            "--key is not accepted: a key on the command line is visible to every user of "
            "this computer; use --key-stdin, `cuecard keys set`, or CUECARD_*_KEY",
            code=2,
        )


def _key_from_stdin() -> str:
    """One line from stdin, or a no-echo prompt on a terminal; checked, never echoed."""
    from cuecard.privacy import secrets

    if sys.stdin is not None and sys.stdin.isatty():
        value = typer.prompt("API key", hide_input=True, err=True)
    else:
        value = sys.stdin.readline() if sys.stdin is not None else ""
    try:
        return secrets.clean_key(value)
    except secrets.SecretsError as err:
        fail(str(err))


def _load_config() -> Any:
    from cuecard import config as config_mod

    try:
        return config_mod.load()
    except config_mod.ConfigError as err:
        fail(str(err))


def _screen_text(image: str | None) -> str:
    """The text of ``image`` (a file) or of a region picked now, read on this device.

    The picture is held only in memory and dropped once read; only the text comes
    back. Every problem is one line (no OCR, no display, Wayland, nothing picked).
    """
    import os

    from cuecard.screen.capture import CaptureError, cannot_capture, read_image_file, read_picture
    from cuecard.screen.ocr import OcrError, default_engine

    try:
        engine = default_engine()
        if image is not None:
            return read_image_file(image, engine)
        if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
            fail(cannot_capture())
        if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
            fail("`ask --screen` needs a display: run it in a terminal on your desktop, or "
                 "read a saved picture with `ask --image FILE`")  # fmt: skip
        from PySide6.QtWidgets import QApplication

        from cuecard.screen.picker import pick_once

        app = QApplication.instance() or QApplication([])
        problem = cannot_capture()
        if problem:
            fail(problem)
        pixels = pick_once()
        del app
        if pixels is None:
            fail("nothing was picked: drag over the question, or press Esc to give up")
        try:
            return read_picture(pixels, engine)
        finally:
            del pixels
    except (OcrError, CaptureError) as err:
        fail(str(err))


def _confirm_screen_text(text: str, *, as_json: bool, yes: bool) -> str:
    """Show what was read before anything is sent; on a terminal, ask first."""
    text = text.strip("\n")
    if not text.strip():
        fail("no text was found in the picture: pick a region with the question in it")
    if not as_json:
        typer.echo("cuecard: read on this device (only this text is sent; the picture is "
                   "gone):", err=True)  # fmt: skip
        typer.echo(text, err=True)
    if not yes and sys.stdin is not None and sys.stdin.isatty() and not typer.confirm(
        "Ask this?", default=True, err=True
    ):
        fail("not asked", code=1)
    return text


async def _ask(cfg: Any, question_text: str, *, key: str | None, sample: bool, as_json: bool,
               show_prompt: bool) -> int:  # fmt: skip
    from cuecard.assist.factory import build_engine
    from cuecard.clock import SessionClock
    from cuecard.dialogue.questions import analyse, classify
    from cuecard.events import (
        Event,
        Notice,
        OfflineNotes,
        PromptSent,
        Question,
        SuggestionDelta,
        SuggestionDone,
        SuggestionFailed,
        next_id,
    )
    from cuecard.privacy.egress import startup
    from cuecard.ui.jsonl import to_dict

    clock = SessionClock()
    guard = startup(cfg)
    engine, problems = build_engine(cfg, clock, guard, demo_profile=sample, explicit_key=key)
    company = getattr(engine.retriever, "company", None)  # from the job description
    analysis = analyse(question_text, company=company)
    question = Question(
        next_id(), question_text.strip(),
        analysis.kind if analysis else classify(question_text, company=company),
        analysis.confidence if analysis else 0.5, 0, 0.0, 0.0, clock.now(),
    )  # fmt: skip
    status = 0
    done = asyncio.Event()

    async def send(event: Event) -> None:
        nonlocal status
        if as_json:
            if not isinstance(event, PromptSent) or show_prompt:
                data = to_dict(event)
                if data is not None:
                    out(json.dumps(data, ensure_ascii=False))
        else:
            match event:
                case SuggestionDelta():
                    if event.restart:
                        sys.stdout.write("\n[answer restarted]\n")
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                case PromptSent() if show_prompt:
                    sys.stderr.write(f"--- prompt → {event.provider} ({event.destination}) ---\n"
                                     f"{event.text}\n--- end of prompt ---\n")  # fmt: skip
                case Notice():
                    typer.echo(f"cuecard: {event.message}", err=True)
                case OfflineNotes():
                    sys.stdout.write(f"From your notes ({event.reason}):\n{event.text}\n\n")
                    sys.stdout.flush()
                case SuggestionDone():
                    sys.stdout.write(f"\n\n({event.provider} · {event.model})\n")
                case _:
                    pass
        if isinstance(event, SuggestionFailed):
            status = 1
            if not as_json:
                typer.echo(f"cuecard: {event.reason}", err=True)
        if isinstance(event, SuggestionDone | SuggestionFailed):
            done.set()

    for problem in problems:
        if not as_json:
            typer.echo(f"cuecard: {problem}", err=True)
    try:
        await engine.answer(question, send)
        await done.wait()
    finally:
        await engine.aclose()
    return status


async def _doctor(cfg: Any, *, key: str | None = None) -> list[dict[str, Any]]:
    from cuecard import catalog
    from cuecard.assist.factory import build_providers, offline_provider, provider_chain
    from cuecard.privacy import secrets
    from cuecard.privacy.egress import startup
    from cuecard.profile.store import ProfileStore
    from cuecard.speech import model

    checks: list[dict[str, Any]] = []

    def add(name: str, ok: bool, detail: str, *, required: bool = True, **extra: Any) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail, "required": required, **extra})

    try:
        t0 = time.perf_counter()
        loc = model.locate(cfg.speech.model)
        model.verify(loc)
        add(
            "speech model", True, f"{cfg.speech.model} verified in {time.perf_counter() - t0:.1f} s"
        )
    except model.ModelError as err:
        add("speech model", False, str(err))
    import os

    # The keychain matters only for a cloud provider whose key is not in the environment.
    cloud = [
        n for n in provider_chain(cfg)
        if catalog.info(n).needs_key and not os.environ.get(secrets.env_var(n))
    ]  # fmt: skip
    try:
        add("keychain", True, secrets.keychain_backend(), required=False)
    except secrets.KeychainRefused as err:  # a plaintext backend is never "ok"
        add("keychain", False, str(err), required=bool(cloud))
    except secrets.SecretsError as err:
        add("keychain", not cloud, str(err) if cloud else f"not needed now ({err})",
            required=bool(cloud))  # fmt: skip
    try:
        docs = ProfileStore().documents()
        add("profile", bool(docs),
            f"{len(docs)} document(s)" if docs else
            "empty: add your résumé with `cuecard profile add resume.pdf`",
            required=False)  # fmt: skip
    except Exception as err:  # a damaged profile must not stop the other checks
        add("profile", False, str(err), required=False)
    guard = startup(cfg)
    providers, problems = build_providers(cfg, guard, purpose="doctor", explicit_key=key)
    for problem in problems:
        add("provider", False, problem)
    from cuecard.assist.base import ProviderError
    from cuecard.assist.chain import Chain

    for provider in [*providers, offline_provider()]:
        name = f"provider {provider.name}"
        try:
            served = await provider.list_models()
            if served and provider.model not in served:
                shown = ", ".join(served[:8]) + (", …" if len(served) > 8 else "")
                add(name, False, f"model {provider.model} is not served for your "
                    f"{catalog.info(provider.name).label} account; available: {shown} — set "
                    f"assist.{provider.name}.model")  # fmt: skip
                continue
            # under the chain's first-token deadline, as an answer would be
            latency = await Chain.from_config([provider], cfg.assist).check()
            add(name, True,
                f"{provider.model}: first token in {latency * 1000:.0f} ms",
                first_token_ms=round(latency * 1000))  # fmt: skip
        except ProviderError as err:
            add(name, False, err.message)
        finally:
            await provider.aclose()
    chain = " → ".join([*provider_chain(cfg), "offline"])
    add("fallback order", True, chain)
    return checks


def register(app: typer.Typer) -> None:
    @app.command()
    def ask(
        question: Annotated[
            str, typer.Argument(help="A question, as an interviewer would ask it.")
        ] = "",
        key_stdin: KeyStdinOpt = False,
        key: KeyArgOpt = None,
        sample: Annotated[bool, typer.Option("--sample", help="Answer from the demo profile.")] = (
            False
        ),
        as_json: Annotated[bool, typer.Option("--json", help="JSON events, one per line.")] = False,
        show_prompts: Annotated[
            bool, typer.Option("--show-prompts", help="Print exactly what is sent.")
        ] = False,
        show_prompt: Annotated[  # the old spelling, kept working; every command says -prompts
            bool, typer.Option("--show-prompt", hidden=True)
        ] = False,
        image: Annotated[
            str | None,
            typer.Option("--image", metavar="FILE",
                         help="Read the question from a picture (OCR on this device)."),
        ] = None,
        screen: Annotated[
            bool,
            typer.Option("--screen", help="Drag over the question on screen and read it "
                         "(OCR on this device; the picture is never saved)."),
        ] = False,
        yes: Annotated[
            bool, typer.Option("--yes", "-y", help="Ask the text read without confirming.")
        ] = False,
    ) -> None:
        """Answer one typed question: check your setup before an interview."""
        _refuse_key_in_argv(key)
        if sum((bool(question.strip()), image is not None, screen)) > 1:
            fail("give one question: typed, --image FILE or --screen", code=2)
        cfg = _load_config()
        if image is not None or screen:
            question = _confirm_screen_text(_screen_text(image), as_json=as_json, yes=yes)
        if not question.strip():
            fail("the question is empty: type it, or read it with --image FILE or --screen",
                 code=2)  # fmt: skip
        explicit = _key_from_stdin() if key_stdin else None
        code = asyncio.run(_ask(cfg, question, key=explicit, sample=sample, as_json=as_json,
                                show_prompt=show_prompts or show_prompt))  # fmt: skip
        raise typer.Exit(code)

    @app.command()
    def doctor(
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable results.")] = False,
        key_stdin: KeyStdinOpt = False,
        key: KeyArgOpt = None,
    ) -> None:
        """Check the speech model, keychain, profile and every configured provider."""
        _refuse_key_in_argv(key)
        cfg = _load_config()
        checks = asyncio.run(_doctor(cfg, key=_key_from_stdin() if key_stdin else None))
        if as_json:
            out(json.dumps(checks, indent=2))
        else:
            for c in checks:
                mark = "ok  " if c["ok"] else ("FAIL" if c["required"] else "warn")
                out(f"{mark} {c['check']}: {c['detail']}")
        if not all(c["ok"] for c in checks if c["required"]):
            raise typer.Exit(1)
