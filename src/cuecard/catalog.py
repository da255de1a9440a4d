"""Every answer provider cuecard knows, described once.

Names, keys, hosts, default models and how to build each provider used to be
typed out in eight modules (secrets, egress, report, settings, doctor, config,
the CLI, the registry), and they drifted. This table is the one place; the
others read it. It is plain data at the bottom of the layers, so the privacy
layer and the config can read it without importing the answer side: the
factory is a dotted path that ``cuecard.assist.providers`` resolves, and the
vendor SDK is imported only when its provider is built.

Adding a provider is one module under ``cuecard/assist/providers/`` and one
entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import httpx2


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """What every part of cuecard may need to know about one provider."""

    name: str
    """The config name (``assist.provider``, ``cuecard keys set NAME``)."""
    label: str
    """How a person names it, in messages and the UI."""
    factory: str
    """``module:Class`` under ``cuecard.assist.providers``; built by name, imported lazily."""
    needs_key: bool = False
    env_var: str | None = None
    """Environment variable that overrides the keychain (CI, power users)."""
    host: str | None = None
    """Public API host (HTTPS, ``port``); None: the ``base_url`` decides, or nothing is sent."""
    port: int = 443
    default_model: str | None = None
    default_base_url: str | None = None
    sends_prompt: bool = True
    """False only for the offline engine: nothing leaves the process."""
    billed: bool = False
    """Costs the user money per token, so the cost guard applies (local and offline never)."""
    key_url: str = ""
    """Where a user gets a key, for the first-run wizard and error hints."""
    api_url: str | None = None
    """The public API's URL the vendor SDK is pointed at when ``base_url`` is unset (its host
    is ``host``)."""
    choice: str = ""
    """How Settings and the first-run wizard offer it; default: the label, "(your key)" added
    when it needs one."""
    byline: str = ""
    """Who wrote an answer, after "From" on a card; default: the label."""

    @property
    def offer(self) -> str:
        return self.choice or (f"{self.label} (your key)" if self.needs_key else self.label)

    @property
    def author(self) -> str:
        return self.byline or self.label

    @property
    def runs_here(self) -> bool:
        """On the user's own machine or network (local server, offline engine): no key, no bill."""
        return not self.billed


PROVIDERS: Final[dict[str, ProviderInfo]] = {
    info.name: info
    for info in (
        ProviderInfo(
            "offline",
            "your notes (offline)",
            "cuecard.assist.offline:OfflineProvider",
            sends_prompt=False,
            choice="Offline: notes from your résumé (nothing leaves this computer)",
            byline="your notes",
        ),
        ProviderInfo(
            "openai",
            "OpenAI",
            "cuecard.assist.providers.openai_provider:OpenAIProvider",
            needs_key=True,
            env_var="CUECARD_OPENAI_KEY",
            host="api.openai.com",
            api_url="https://api.openai.com/v1",
            # Non-reasoning and fast to the first token, which is what a live answer needs.
            default_model="gpt-4.1-mini",
            billed=True,
            key_url="https://platform.openai.com/api-keys",
        ),
        ProviderInfo(
            "anthropic",
            "Anthropic",
            "cuecard.assist.providers.anthropic_provider:AnthropicProvider",
            needs_key=True,
            env_var="CUECARD_ANTHROPIC_KEY",
            host="api.anthropic.com",
            api_url="https://api.anthropic.com",
            default_model="claude-haiku-4-5",
            billed=True,
            key_url="https://console.anthropic.com/settings/keys",
        ),
        ProviderInfo(
            "google",
            "Google Gemini",
            "cuecard.assist.providers.google_provider:GoogleProvider",
            needs_key=True,
            env_var="CUECARD_GOOGLE_KEY",
            host="generativelanguage.googleapis.com",
            api_url="https://generativelanguage.googleapis.com/",
            default_model="gemini-2.5-flash",
            billed=True,
            key_url="https://aistudio.google.com/app/apikey",
        ),
        ProviderInfo(
            "local",
            "a local model server",
            "cuecard.assist.providers.local_provider:LocalProvider",
            default_model="llama3.2",
            default_base_url="http://127.0.0.1:11434/v1",  # Ollama's default
            choice="A model on this computer (Ollama, LM Studio…)",
            byline="your local model",
        ),
    )
}
"""Every provider, in the order the UI lists them."""

def keyed() -> tuple[str, ...]:
    """Providers whose key lives in the keychain (or their environment variable), read from
    the table as it is now (a provider added at run time included)."""
    return tuple(n for n, p in PROVIDERS.items() if p.needs_key)


def env_vars() -> tuple[str, ...]:
    """Every provider's key variable (``CUECARD_OPENAI_KEY`` …)."""
    return tuple(p.env_var for p in PROVIDERS.values() if p.env_var)


class UnknownProvider(ValueError):
    pass


def info(name: str) -> ProviderInfo:
    """The provider called ``name`` in config; a one-line error naming the valid ones."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(
            f"unknown provider {name!r}: choose one of {', '.join(PROVIDERS)}"
        ) from None


def default_port(scheme: str) -> int:
    return 80 if scheme == "http" else 443


def endpoint(name: str, base_url: str | None) -> tuple[str, int]:
    """(host, port) a provider's prompts go to: its ``base_url`` if set, else its public API.

    Raises ``ValueError`` with one line naming the setting when neither says where.
    """
    if base_url:
        try:
            url = httpx2.URL(base_url)
            port = url.port
        except (httpx2.InvalidURL, ValueError, TypeError):
            raise ValueError(f"assist.{name}.base_url {base_url!r} is not a valid URL") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(
                f"assist.{name}.base_url {base_url!r} must be an http:// or https:// URL "
                "with a host, e.g. http://127.0.0.1:11434/v1"
            )
        if port is not None and not 0 < port < 65536:
            raise ValueError(
                f"assist.{name}.base_url {base_url!r} has port {port}: ports run from 1 to 65535"
            )
        host = url.raw_host.decode("ascii", "replace").strip("[]").lower().rstrip(".")
        return host, port or default_port(url.scheme)
    provider = info(name)
    if provider.host is None:
        if provider.default_base_url:
            return endpoint(name, provider.default_base_url)
        raise ValueError(f"assist.{name}.base_url is required for provider {name!r}")
    return provider.host, provider.port
