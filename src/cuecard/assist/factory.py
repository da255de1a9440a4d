"""From config to an answer engine: providers built once, wrapped, chained.

Shared by every session (the session builder), ``cuecard ask`` and
``cuecard doctor``, so all of them get the same key resolution, the same
egress-guarded HTTP clients, the same privacy wrapper and the same fallback.

Composition, innermost first: each provider gets its guarded HTTP client and
key; ``PrivateProvider`` wraps it (redaction, the prompt inspector, output
cleaning); ``Chain`` strings the configured ones together. The offline
engine is never in that chain: it either *is* the answer (no model configured)
or gives first help beside a model's answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cuecard import catalog
from cuecard.assist.base import Provider, ProviderError
from cuecard.assist.chain import Chain, Deadlines
from cuecard.assist.engine import AnswerEngine
from cuecard.assist.private import PrivateProvider
from cuecard.clock import SessionClock
from cuecard.config import Config

if TYPE_CHECKING:
    from cuecard.privacy.egress import Guard
    from cuecard.privacy.redaction import Redactor


def provider_chain(cfg: Config) -> list[str]:
    """The providers that may send a prompt, in order: the configured one, then fallbacks.

    Stops at ``offline`` if the user listed it: nothing after it could ever be reached.
    """
    chain: list[str] = []
    for name in [cfg.assist.provider, *cfg.assist.fallback]:
        if name == "offline":
            break
        if name not in chain:
            chain.append(name)
    return chain


def destination(cfg: Config, name: str) -> str:
    """Where a provider's prompts go, as the inspector shows it."""
    if not catalog.info(name).sends_prompt:
        return "this device"
    host, port = catalog.endpoint(name, cfg.assist.section(name).base_url)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def redactor_for(cfg: Config) -> Redactor | None:
    if not cfg.privacy.redact:
        return None
    from cuecard.privacy.redaction import Redactor

    return Redactor(cfg.privacy.redact_terms)


def build_providers(
    cfg: Config,
    guard: Guard | None,
    *,
    explicit_key: str | None = None,
    purpose: str = "answer",
    redactor: Redactor | None = None,
) -> tuple[list[Provider], list[str]]:
    """Each provider of the chain, built once (one warm HTTP client each) and wrapped.

    A provider that cannot be built (no key, no keychain, a bad URL) is skipped with a
    one-line reason, so the session still starts and the candidate gets offline notes.
    """
    from cuecard.assist.providers import build_provider
    from cuecard.privacy import secrets

    providers: list[Provider] = []
    problems: list[str] = []
    deadlines = Deadlines.from_config(cfg.assist)
    for name in provider_chain(cfg):
        spec = catalog.info(name)
        settings = cfg.assist.section(name)
        key: str | None = None
        if spec.needs_key:
            try:
                found = secrets.resolve_key(
                    name, explicit_key if name == cfg.assist.provider else None
                )
            except secrets.SecretsError as err:
                problems.append(f"{err} (using the next provider)")
                continue
            if found is None:
                problems.append(
                    f"no {spec.label} key: run `cuecard keys set {name}` (using the next provider)"
                )
                continue
            key = found.value
        try:
            where = destination(cfg, name)
            client = guard.client(purpose, provider=name) if guard is not None else None
            provider = build_provider(
                name, settings, api_key=key, http_client=client, deadlines=deadlines
            )
        except ValueError as err:  # a base_url that names no server
            problems.append(f"{err} (using the next provider)")
            continue
        except ProviderError as err:
            problems.append(err.message)
            continue
        providers.append(PrivateProvider(provider, destination=where, redactor=redactor))
    return providers, problems


def offline_provider() -> Provider:
    from cuecard.assist.providers import build_provider
    from cuecard.config import ProviderSettings

    inner = build_provider(
        "offline", ProviderSettings(), api_key=None, http_client=None, deadlines=Deadlines()
    )
    return PrivateProvider(inner, destination="this device", redactor=None)


def build_engine(
    cfg: Config,
    clock: SessionClock,
    guard: Guard | None,
    *,
    demo_profile: bool = False,
    explicit_key: str | None = None,
    purpose: str = "answer",
) -> tuple[AnswerEngine, list[str]]:
    """The engine for a session (or ``ask``), and one line for each thing the user should fix."""
    from cuecard.assist.prompting import build_prompt
    from cuecard.profile.retrieval import ProfileIndex, default_semantic
    from cuecard.profile.store import profile_chunks

    models, problems = build_providers(
        cfg, guard, explicit_key=explicit_key, purpose=purpose, redactor=redactor_for(cfg)
    )
    chunks = profile_chunks(sample=demo_profile)
    retriever = ProfileIndex(chunks, semantic=default_semantic()) if chunks else None
    if retriever is not None and retriever.semantic_problem:
        problems.append(retriever.semantic_problem)
    if retriever is None:
        problems.append(
            "your profile is empty: add your résumé with `cuecard profile add resume.pdf`"
        )
    if models:
        provider: Provider = Chain.from_config(models, cfg.assist)
        notes: Provider | None = offline_provider()
    else:
        provider, notes = offline_provider(), None
    engine = AnswerEngine(
        provider, cfg.assist, clock, retriever=retriever, build_prompt=build_prompt,  # type: ignore[arg-type]
        notes=notes, order=[m.name for m in models] or [provider.name],
    )  # fmt: skip
    return engine, problems
