"""Anthropic's Messages API, streamed through the official ``anthropic`` SDK."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import anthropic
from anthropic.types import MessageParam

from cuecard import catalog
from cuecard.assist import errors
from cuecard.assist.base import Prompt
from cuecard.assist.errors import Vendor
from cuecard.assist.providers._http import HttpClient
from cuecard.assist.providers._sdk import Finish, Malformed, Piece, SdkProvider, Tokens

# An error event inside a 200 stream carries only its type; give it the status it stands for.
_STATUS_OF_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class AnthropicProvider(SdkProvider):
    name = "anthropic"
    sdk_timeouts = (anthropic.APITimeoutError,)
    sdk_connection_errors = (anthropic.APIConnectionError,)
    sdk_errors = (anthropic.AnthropicError,)

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        http_client: HttpClient | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        vendor = Vendor.of("anthropic")
        if not api_key:
            raise errors.missing_key(vendor)
        # Set before the client is built: one built here is guarded for this URL only.
        self.base_url = base_url or catalog.PROVIDERS["anthropic"].api_url or ""
        super().__init__(
            model=model,
            vendor=vendor,
            http_client=http_client,
            timeout_s=timeout_s,
        )
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=self.base_url,
            http_client=self._http,
            max_retries=0,
            timeout=self.sdk_timeout_s,
            # No spans and no trace headers: nothing about the request goes anywhere else.
            open_telemetry={"traces": False, "propagation": False},
        )

    warm_reply = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"w",'
        b'"type":"message","role":"assistant","content":[],"model":"w","stop_reason":null,'
        b'"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"text","text":""}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"ok"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":'
        b'"end_turn","stop_sequence":null},"usage":{"output_tokens":1}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )

    async def _pieces(self, prompt: Prompt, max_tokens: int) -> AsyncGenerator[Piece, None]:
        messages: list[MessageParam] = [
            {"role": "assistant", "content": m.content}
            if m.role == "assistant"
            else {"role": "user", "content": m.content}
            for m in prompt.messages
        ]
        stream = await self._client.messages.create(
            model=self.model,
            max_tokens=max_tokens,
            system=prompt.system if prompt.system else anthropic.omit,
            messages=messages,
            stream=True,
        )
        stop_reason: str | None = None
        async with stream:
            async for event in stream:
                # The SDK builds events without validating them: check the shape we read.
                if event.type == "message_start":
                    usage = getattr(event.message, "usage", None)
                    if usage is None:
                        raise Malformed("message_start without usage")
                    yield Tokens(input=usage.input_tokens)
                elif event.type == "content_block_delta":
                    if event.delta.type == "text_delta" and event.delta.text:
                        yield event.delta.text
                elif event.type == "message_delta":
                    if getattr(event, "delta", None) is None:
                        raise Malformed("message_delta without delta")
                    stop_reason = event.delta.stop_reason
                    yield Tokens(
                        input=event.usage.input_tokens or None, output=event.usage.output_tokens
                    )
                elif event.type == "message_stop":
                    yield Finish(blocked="a safety refusal" if stop_reason == "refusal" else None)

    def _status_of(self, exc: BaseException) -> tuple[int | None, str | None] | None:
        if isinstance(exc, anthropic.APIStatusError):
            code = errors.safe_code(exc.type)
            status = exc.status_code
            if status < 400:  # an `event: error` inside the stream
                return _STATUS_OF_TYPE.get(code or ""), code
            return status, code
        return None

    async def _list_models(self) -> list[str]:
        page = await self._client.models.list(limit=50)
        return [m.id for m in page.data]
