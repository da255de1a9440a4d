"""OpenAI's Chat Completions API, streamed through the official ``openai`` SDK.

The local provider reuses this class: Ollama, LM Studio, llama.cpp and vLLM speak the same
wire format.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import openai
from openai.types.chat import ChatCompletionMessageParam

from cuecard import catalog
from cuecard.assist import errors
from cuecard.assist.base import Prompt
from cuecard.assist.errors import Vendor
from cuecard.assist.providers._http import HttpClient
from cuecard.assist.providers._sdk import Finish, Malformed, Piece, SdkProvider, Tokens

# Ids in /v1/models that cannot answer a chat request; left out of "available: ...".
_NOT_CHAT = (
    "embedding",
    "whisper",
    "tts",
    "dall-e",
    "moderation",
    "davinci",
    "babbage",
    "transcribe",
    "image",
    "realtime",
    "audio",
    "search",
    "sora",
)


class OpenAIProvider(SdkProvider):
    name = "openai"
    sdk_timeouts = (openai.APITimeoutError,)
    sdk_connection_errors = (openai.APIConnectionError,)
    sdk_errors = (openai.OpenAIError,)

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        http_client: HttpClient | None = None,
        timeout_s: float = 60.0,
        vendor: Vendor | None = None,
    ) -> None:
        if not api_key:
            raise errors.missing_key(vendor or Vendor.of("openai"))
        # Set before the client is built: one built here is guarded for this URL only.
        self.base_url = base_url or catalog.PROVIDERS["openai"].api_url or ""
        super().__init__(
            model=model,
            vendor=vendor or Vendor.of("openai"),
            http_client=http_client,
            timeout_s=timeout_s,
        )
        # Built once: every answer reuses this client and, through it, our HTTP connections.
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=self.base_url,
            http_client=self._http,
            max_retries=0,
            timeout=self.sdk_timeout_s,
        )

    warm_reply = (
        b'data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"w",'
        b'"choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},'
        b'"finish_reason":null}]}\n\n'
        b'data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"w",'
        b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
        b'"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n'
        b"data: [DONE]\n\n"
    )

    def _messages(self, prompt: Prompt) -> list[ChatCompletionMessageParam]:
        messages: list[ChatCompletionMessageParam] = []
        if prompt.system:
            messages.append({"role": "system", "content": prompt.system})
        for m in prompt.messages:
            if m.role == "assistant":
                messages.append({"role": "assistant", "content": m.content})
            else:
                messages.append({"role": "user", "content": m.content})
        return messages

    async def _start(
        self, prompt: Prompt, max_tokens: int
    ) -> openai.AsyncStream[openai.types.chat.ChatCompletionChunk]:
        # max_completion_tokens: the newer models reject max_tokens.
        return await self._client.chat.completions.create(
            model=self.model,
            messages=self._messages(prompt),
            max_completion_tokens=max_tokens,
            stream=True,
            stream_options={"include_usage": True},
        )

    async def _pieces(self, prompt: Prompt, max_tokens: int) -> AsyncGenerator[Piece, None]:
        stream = await self._start(prompt, max_tokens)
        async with stream:
            async for chunk in stream:
                # The SDK builds chunks without validating them: check the shape we read.
                choices = getattr(chunk, "choices", None)
                if not isinstance(choices, list):
                    raise Malformed("a chunk without choices")
                if chunk.usage is not None:
                    yield Tokens(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in choices[:1]:
                    content = choice.delta.content if choice.delta is not None else None
                    if content is not None and not isinstance(content, str):
                        raise Malformed("a text delta that is not text")
                    if content:
                        yield content
                    if choice.finish_reason:
                        filtered = choice.finish_reason == "content_filter"
                        yield Finish(blocked="content filter" if filtered else None)

    def _status_of(self, exc: BaseException) -> tuple[int | None, str | None] | None:
        if isinstance(exc, openai.APIStatusError):
            return exc.status_code, errors.safe_code(exc.code) or errors.safe_code(exc.type)
        if isinstance(exc, openai.APIError) and not isinstance(exc, openai.APIConnectionError):
            # An error event inside a 200 stream.
            return None, errors.safe_code(exc.code) or errors.safe_code(exc.type)
        return None

    def _is_model_missing(self, status: int | None, code: str | None) -> bool:
        return status == 404 or code == "model_not_found"

    async def _list_models(self) -> list[str]:
        models = [m async for m in self._client.models.list()]
        models.sort(key=lambda m: m.created or 0, reverse=True)
        return [m.id for m in models if not any(word in m.id for word in _NOT_CHAT)]
