"""Building a session's parts from config: providers, profile, guard, views.

Shared by ``replay``/``demo``/``listen``, ``ask`` and ``doctor`` and the desktop
app, so every entry point gets the same egress guard, key resolution and
fallback chain.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import AudioChunk, Event, Level, Notice, PromptSent

if TYPE_CHECKING:
    from cuecard.assist.base import Provider
    from cuecard.assist.engine import AnswerEngine
    from cuecard.pipeline import Processor, Sink
    from cuecard.privacy.egress import Guard
    from cuecard.session import SessionSummary

log = logging.getLogger(__name__)


@dataclass
class SessionOptions:
    title: str = "cuecard"
    as_json: bool = False
    answers: bool = True
    demo_profile: bool = False
    show_prompts: bool = False
    keep: bool = False
    key: str | None = None
    extra_sinks: list[Sink] = field(default_factory=list)
    pre_processors: list[Processor] = field(default_factory=list)
    """Processors that run first, with or without answers (live: silence watch, echo filter)."""


def provider_chain(cfg: Config) -> list[str]:
    """The configured provider, its fallbacks, and always offline last."""
    chain: list[str] = []
    for name in [cfg.assist.provider, *cfg.assist.fallback, "offline"]:
        if name not in chain:
            chain.append(name)
    return chain


def build_providers(
    cfg: Config, guard: Guard | None, *, explicit_key: str | None = None, purpose: str = "answer"
) -> tuple[list[Provider], list[str]]:
    """Build each provider in the chain once (one warm HTTP client each).

    A provider that cannot be built (no key, no keychain) is skipped with a
    one-line reason, so the session still starts and falls back to offline.
    """
    import cuecard.assist.offline  # noqa: F401  (registers the offline provider)
    from cuecard.assist.base import ProviderError
    from cuecard.assist.providers import Timeouts, build_provider
    from cuecard.privacy import secrets

    providers: list[Provider] = []
    problems: list[str] = []
    timeouts = Timeouts.from_config(cfg.assist)
    for name in provider_chain(cfg):
        settings = getattr(cfg.assist, name, None)
        from cuecard.config import ProviderSettings

        if not isinstance(settings, ProviderSettings):
            settings = ProviderSettings()
        key: str | None = None
        if name in ("openai", "anthropic", "google"):
            try:
                found = secrets.resolve_key(
                    name, explicit_key if name == cfg.assist.provider else None
                )
            except secrets.SecretsError as err:
                problems.append(str(err))
                continue
            if found is None:
                problems.append(
                    f"no {name} key: run `cuecard keys set {name}` (using the next provider)"
                )
                continue
            key = found.value
        client = None
        if name != "offline" and guard is not None:
            client = guard.client(purpose)
        try:
            providers.append(
                build_provider(name, settings, api_key=key, http_client=client, timeouts=timeouts)
            )
        except ProviderError as err:
            problems.append(err.message)
    return providers, problems


def destinations(cfg: Config) -> dict[str, str]:
    """Where each provider's prompts go, as host:port, for the prompt inspector."""
    from cuecard.privacy.egress import provider_endpoint

    out = {"offline": "this device"}
    for name in ("openai", "anthropic", "google", "local"):
        host, port = provider_endpoint(name, getattr(cfg.assist, name).base_url)
        out[name] = f"{host}:{port}"
    return out


def build_engine(
    cfg: Config,
    clock: SessionClock,
    guard: Guard | None,
    *,
    demo_profile: bool = False,
    explicit_key: str | None = None,
) -> tuple[AnswerEngine, list[str]]:
    from cuecard.assist.engine import AnswerEngine
    from cuecard.assist.prompting import build_prompt
    from cuecard.profile.retrieval import ProfileIndex
    from cuecard.profile.store import profile_chunks

    providers, problems = build_providers(cfg, guard, explicit_key=explicit_key)
    chunks = profile_chunks(sample=demo_profile)
    retriever = ProfileIndex(chunks) if chunks else None
    if retriever is None:
        problems.append(
            "your profile is empty: add your résumé with `cuecard profile add resume.pdf`"
        )
    redactor = None
    if cfg.privacy.redact:
        from cuecard.privacy.redaction import Redactor

        redactor = Redactor(cfg.privacy.redact_terms)
    engine = AnswerEngine(
        providers, cfg.assist, clock, retriever=retriever, build_prompt=build_prompt,  # type: ignore[arg-type]
        redactor=redactor, destinations=destinations(cfg),
    )  # fmt: skip
    return engine, problems


def start_guard(cfg: Config) -> Guard:
    from cuecard.privacy.egress import startup

    return startup(cfg)


def _prompt_printer(event: Event) -> None:
    if isinstance(event, PromptSent):
        sys.stderr.write(
            f"--- prompt for question {event.question_id} → {event.provider} "
            f"({event.destination}){' [redacted]' if event.redacted else ''} ---\n"
            f"{event.text}\n--- end of prompt ---\n"
        )
        sys.stderr.flush()


class SessionSetupError(Exception):
    """The session cannot start as asked (vault locked, keychain missing); one line."""


def open_kept_session(cfg: Config, guard: Guard | None, notices: list[str]) -> tuple[Any, Any]:
    """Open the vault and a recorder for an opted-in session, or explain why not."""
    from cuecard.privacy.recorder import VaultRecorder
    from cuecard.privacy.secrets import SecretsError
    from cuecard.privacy.vault import Vault, VaultError

    try:
        vault = Vault.open(retention_days=cfg.privacy.retention_days)
        writer = vault.start_session()
    except (VaultError, SecretsError) as err:
        raise SessionSetupError(str(err)) from None
    ledger = guard.ledger if guard is not None else None
    return vault, VaultRecorder(writer, ledger, on_error=notices.append)


async def run_file_session(
    source: AsyncIterable[AudioChunk], cfg: Config, clock: SessionClock, options: SessionOptions
) -> SessionSummary:
    """Load the model, build the stages, run the session, print a summary."""
    from cuecard.dialogue.stage import DialogueStage
    from cuecard.privacy.report import status_line
    from cuecard.session import load_transcriber, run_session
    from cuecard.ui.jsonl import JsonLinesSink
    from cuecard.ui.terminal import TerminalView

    guard = start_guard(cfg)  # always: it also keeps Hugging Face offline
    transcriber = await asyncio.to_thread(load_transcriber, cfg)
    processors: list[Processor] = list(options.pre_processors)
    engine = None
    notices: list[str] = []
    if options.answers:
        processors.append(DialogueStage(clock))
        engine, notices = build_engine(
            cfg, clock, guard, demo_profile=options.demo_profile, explicit_key=options.key
        )
        processors.append(engine)
    sinks: list[Sink] = list(options.extra_sinks)
    vault = None
    if options.keep:
        vault, recorder = open_kept_session(cfg, guard, notices)
        sinks.append(recorder)
    if options.as_json:
        json_sink = JsonLinesSink()
        if options.show_prompts:
            sinks.append(json_sink)
        else:
            sinks.append(lambda e: None if isinstance(e, PromptSent) else json_sink(e))
        view = None
    else:
        view = TerminalView(options.title)

        def privacy_status(event: Event) -> None:
            if view is not None and not isinstance(event, Level):
                view.state.status_extra = status_line(guard.ledger)

        sinks.append(privacy_status)
        sinks.append(view)
        if options.show_prompts:
            sinks.append(_prompt_printer)
    try:
        if view is not None:
            view.__enter__()
        # turns (issue 10 item 5): what the source noticed opening the files (FileSource.notices).
        startup = [Notice("info", m, 0.0) for m in getattr(source, "notices", ())]
        startup += [Notice("warning", m, 0.0) for m in notices]
        for notice in startup:
            for sink in sinks:
                result = sink(notice)
                if asyncio.iscoroutine(result):
                    await result
        return await run_session(
            source, cfg, sinks, clock=clock, transcriber=transcriber, processors=processors
        )
    finally:
        if view is not None:
            view.__exit__(None, None, None)
        if engine is not None:
            await engine.aclose()
        if vault is not None:
            vault.close()
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
