"""The answer providers, built by name from config.

``build_provider("openai", cfg.assist.openai, api_key=..., http_client=guarded,
timeouts=Timeouts.from_config(cfg.assist))`` returns a ``Provider``. Vendor modules (and their
SDKs, which take a while to import) load only when their provider is built.

Adding a provider is one module and one ``REGISTRY`` entry: a factory with the
``ProviderFactory`` signature. The offline engine registers itself the same way, e.g. in
``cuecard/assist/offline.py``::

    from cuecard.assist import providers

    def _build(settings, *, api_key, http_client, timeouts):
        return OfflineProvider(...)

    providers.register("offline", _build)

or by adding ``"offline": _offline`` to ``REGISTRY`` below with a lazy import like the others.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from cuecard.assist.base import Provider, ProviderError
from cuecard.assist.providers._http import HttpClient
from cuecard.config import AssistConfig, ProviderSettings

__all__ = [
    "REGISTRY",
    "HttpClient",
    "ProviderFactory",
    "Timeouts",
    "build_provider",
    "register",
]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """When to give up on a provider: no first text within ``first_token_s``, or no data for
    ``idle_s`` once the answer has started."""

    first_token_s: float = 8.0
    idle_s: float = 20.0

    @classmethod
    def from_config(cls, assist: AssistConfig) -> Timeouts:
        return cls(first_token_s=assist.first_token_timeout_s, idle_s=assist.timeout_s)


class ProviderFactory(Protocol):
    def __call__(
        self,
        settings: ProviderSettings,
        *,
        api_key: str | None,
        http_client: HttpClient | None,
        timeouts: Timeouts,
    ) -> Provider: ...


_DEFAULTS = AssistConfig()


def _model(name: str, settings: ProviderSettings) -> str:
    """The configured model, else cuecard's default for that provider.

    A config section that sets only ``base_url`` replaces the whole section, model included,
    so the defaults are looked up here rather than trusted to be in ``settings``.
    """
    default: ProviderSettings = getattr(_DEFAULTS, name)
    return settings.model or default.model or ""


def _cloud(name: str, module: str, cls: str) -> ProviderFactory:
    """The factory of a keyed cloud provider; its SDK is imported only when it is built."""

    def build(
        settings: ProviderSettings,
        *,
        api_key: str | None,
        http_client: HttpClient | None,
        timeouts: Timeouts,
    ) -> Provider:
        provider_cls = getattr(importlib.import_module(f"cuecard.assist.providers.{module}"), cls)
        provider: Provider = provider_cls(
            api_key=api_key or "",
            model=_model(name, settings),
            base_url=settings.base_url,
            http_client=http_client,
            timeout_s=timeouts.idle_s,
            first_token_timeout_s=timeouts.first_token_s,
        )
        return provider

    return build


def _local(
    settings: ProviderSettings,
    *,
    api_key: str | None,
    http_client: HttpClient | None,
    timeouts: Timeouts,
) -> Provider:
    from cuecard.assist.providers.local_provider import LocalProvider

    return LocalProvider(
        model=_model("local", settings),
        base_url=settings.base_url or _DEFAULTS.local.base_url,
        api_key=api_key,
        http_client=http_client,
        timeout_s=timeouts.idle_s,
        first_token_timeout_s=timeouts.first_token_s,
    )


def _offline(
    settings: ProviderSettings,
    *,
    api_key: str | None,
    http_client: HttpClient | None,
    timeouts: Timeouts,
) -> Provider:
    # Importing the module registers its real factory in REGISTRY.
    import cuecard.assist.offline  # noqa: F401

    factory = REGISTRY["offline"]
    return factory(settings, api_key=api_key, http_client=http_client, timeouts=timeouts)


REGISTRY: dict[str, ProviderFactory] = {
    "openai": _cloud("openai", "openai_provider", "OpenAIProvider"),
    "anthropic": _cloud("anthropic", "anthropic_provider", "AnthropicProvider"),
    "google": _cloud("google", "google_provider", "GoogleProvider"),
    "local": _local,
    "offline": _offline,  # replaced by cuecard.assist.offline's own factory on import
}


def register(name: str, factory: ProviderFactory) -> None:
    """Add or replace the factory for a config provider name."""
    REGISTRY[name] = factory


def build_provider(
    name: str,
    settings: ProviderSettings,
    *,
    api_key: str | None,
    http_client: HttpClient | None,
    timeouts: Timeouts,
) -> Provider:
    """The provider called ``name`` in config, ready to stream.

    Raises ``ProviderError`` (kind ``auth``) when a cloud provider has no key, and
    (kind ``bad_request``) for a name nothing registered.
    """
    factory = REGISTRY.get(name)
    if factory is None:
        known = ", ".join(sorted(REGISTRY))
        raise ProviderError(
            "bad_request",
            f"unknown provider {name!r} — choose one of: {known}",
            retryable=False,
            provider=name,
        )
    return factory(settings, api_key=api_key, http_client=http_client, timeouts=timeouts)
