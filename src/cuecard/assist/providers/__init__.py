"""The answer providers, built by name from the provider table (``cuecard.catalog``).

``build_provider("openai", cfg.assist.openai, api_key=..., http_client=guarded,
deadlines=Deadlines.from_config(cfg.assist))`` returns a ``Provider``. Vendor modules (and their
SDKs, which take a while to import) load only when their provider is built.

Adding a provider is one module here and one ``ProviderInfo`` entry in ``cuecard.catalog``,
whose ``factory`` names the class. Every class that sends a prompt takes the same keyword
arguments (``api_key``, ``model``, ``base_url``, ``http_client``, ``timeout_s``: the SDK's
own HTTP timeout, a backstop behind the chain's deadlines); the offline engine takes none.
"""

from __future__ import annotations

import importlib
from typing import Any

from cuecard import catalog
from cuecard.assist.base import Provider, ProviderError
from cuecard.assist.chain import Deadlines
from cuecard.assist.providers._http import HttpClient
from cuecard.config import ProviderSettings

__all__ = ["Deadlines", "HttpClient", "build_provider", "model_for"]


def model_for(name: str, settings: ProviderSettings) -> str:
    """The configured model, else the provider table's default.

    A config section that sets only ``base_url`` replaces the whole section, model included,
    so the default is looked up here rather than trusted to be in ``settings``.
    """
    return settings.model or catalog.info(name).default_model or ""


def _factory(spec: catalog.ProviderInfo) -> Any:
    module, _, cls = spec.factory.partition(":")
    return getattr(importlib.import_module(module), cls)


def build_provider(
    name: str,
    settings: ProviderSettings,
    *,
    api_key: str | None,
    http_client: HttpClient | None,
    deadlines: Deadlines,
) -> Provider:
    """The provider called ``name`` in config, ready to stream.

    Raises ``ProviderError`` (kind ``auth``) when a provider that needs a key has none, and
    (kind ``bad_request``) for a name the table does not know.
    """
    try:
        spec = catalog.info(name)
    except catalog.UnknownProvider as err:
        raise ProviderError("bad_request", str(err), retryable=False, provider=name) from None
    cls = _factory(spec)
    if not spec.sends_prompt:
        provider: Provider = cls()
        return provider
    provider = cls(
        api_key=api_key or ("" if spec.needs_key else None),
        model=model_for(name, settings),
        base_url=settings.base_url or spec.default_base_url,
        http_client=http_client,
        timeout_s=deadlines.backstop_s,
    )
    return provider
