"""A model server the user runs: Ollama, LM Studio, llama.cpp server, vLLM.

They all speak OpenAI's Chat Completions wire format, so this is the OpenAI provider pointed
at the configured base URL. Differences: no key (a placeholder is sent, as Ollama's own docs
do, unless the server was given one), ``max_tokens`` instead of ``max_completion_tokens``
(older servers ignore the newer name), no OpenAI organisation or project headers picked up
from the environment, and errors that say "is it running?" instead of "check your key".
"""

from __future__ import annotations

import openai

from cuecard import catalog
from cuecard.assist.base import Prompt
from cuecard.assist.errors import Vendor
from cuecard.assist.providers._http import HttpClient
from cuecard.assist.providers.openai_provider import OpenAIProvider

PLACEHOLDER_KEY = "no-key"  # not a secret: OpenAI-compatible servers ignore it


class LocalProvider(OpenAIProvider):
    name = "local"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        http_client: HttpClient | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        url = base_url or catalog.PROVIDERS["local"].default_base_url or ""
        super().__init__(
            api_key=api_key or PLACEHOLDER_KEY,
            model=model,
            base_url=url,
            http_client=http_client,
            timeout_s=timeout_s,
            vendor=Vendor("local", f"the local model server at {url}", local=True),
        )
        # The SDK fills these from OPENAI_ORG_ID / OPENAI_PROJECT_ID: not this server's business.
        self._client.organization = None
        self._client.project = None
        # Even on loopback the prompt leaves this process (a port can be a tunnel to another
        # machine), so it is redacted, shown in the inspector and recorded like any other.
        self.needs_network = True

    async def _start(
        self, prompt: Prompt, max_tokens: int
    ) -> openai.AsyncStream[openai.types.chat.ChatCompletionChunk]:
        return await self._client.chat.completions.create(
            model=self.model,
            messages=self._messages(prompt),
            max_tokens=max_tokens,
            stream=True,
            stream_options={"include_usage": True},
        )

    async def _list_models(self) -> list[str]:
        return [m.id async for m in self._client.models.list()]

