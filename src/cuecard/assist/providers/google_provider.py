"""Google's Gemini API, streamed through the official ``google-genai`` SDK.

The SDK takes our HTTP client as ``HttpOptions.httpx_async_client`` (an httpx2 client) and
never closes it. With a client given it also skips aiohttp, so every byte goes through ours.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from cuecard import catalog
from cuecard.assist import errors
from cuecard.assist.base import Prompt
from cuecard.assist.errors import Vendor
from cuecard.assist.providers._http import HttpClient
from cuecard.assist.providers._sdk import Finish, Piece, SdkProvider, Tokens

API_VERSION = "v1beta"

_BLOCKING = {
    types.FinishReason.SAFETY: "its safety filter",
    types.FinishReason.RECITATION: "its recitation filter",
    types.FinishReason.BLOCKLIST: "its blocklist",
    types.FinishReason.PROHIBITED_CONTENT: "its content policy",
    types.FinishReason.SPII: "its personal-data filter",
}


class GoogleProvider(SdkProvider):
    name = "google"
    sdk_errors = (genai_errors.APIError,)

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        http_client: HttpClient | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        vendor = Vendor.of("google")
        if not api_key:
            raise errors.missing_key(vendor)
        # Set before the client is built: one built here is guarded for this URL only.
        self.base_url = base_url or catalog.PROVIDERS["google"].api_url or ""
        super().__init__(
            model=model,
            vendor=vendor,
            http_client=http_client,
            timeout_s=timeout_s,
        )
        self._client = genai.Client(
            api_key=api_key,
            vertexai=False,  # never let GOOGLE_GENAI_USE_VERTEXAI reroute the request
            http_options=types.HttpOptions(
                base_url=self.base_url,
                api_version=API_VERSION,
                httpx_async_client=self._http,
                timeout=int(self.sdk_timeout_s * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),  # the engine retries
            ),
        )

    warm_reply = (
        b'data: {"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},'
        b'"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1,'
        b'"candidatesTokenCount":1,"totalTokenCount":2},"modelVersion":"w"}\r\n\r\n'
    )

    async def _pieces(self, prompt: Prompt, max_tokens: int) -> AsyncGenerator[Piece, None]:
        contents = [
            types.Content(
                role="model" if m.role == "assistant" else "user",
                parts=[types.Part(text=m.content)],
            )
            for m in prompt.messages
        ]
        config = types.GenerateContentConfig(
            system_instruction=prompt.system or None,
            max_output_tokens=max_tokens,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        stream = await self._client.aio.models.generate_content_stream(
            model=self.model, contents=contents, config=config
        )
        # The SDK nests several async generators and its response object holds a reference
        # cycle to its own, so closing the outer one while it waits at a `yield` leaves the
        # HTTP response open until the garbage collector runs. Reading from a task instead
        # means closing always cancels a socket read *inside* their chain, so each of their
        # `finally` blocks runs and the response is closed at once.
        queue: asyncio.Queue[Piece | BaseException | None] = asyncio.Queue()  # unbounded

        async def pump() -> None:
            try:
                async for chunk in stream:
                    for piece in _translate(chunk):
                        queue.put_nowait(piece)
                queue.put_nowait(None)
            except Exception as exc:
                queue.put_nowait(exc)

        reader = asyncio.create_task(pump(), name="gemini-stream")
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            reader.cancel()
            # wait(), not `await reader`: a cancellation of *our* task must not be swallowed.
            await asyncio.wait({reader})

    def _status_of(self, exc: BaseException) -> tuple[int | None, str | None] | None:
        if not isinstance(exc, genai_errors.APIError):
            return None
        status = exc.code if isinstance(exc.code, int) else None
        if status is not None and errors.is_api_key_invalid(status, str(exc.details)):
            return 401, "API_KEY_INVALID"
        return status, errors.safe_code(exc.status)

    async def _list_models(self) -> list[str]:
        pager = await self._client.aio.models.list(config={"page_size": 100})
        names = []
        for m in pager.page:
            if m.name and "generateContent" in (m.supported_actions or []):
                names.append(m.name.removeprefix("models/"))
        return names

    async def _close_sdk(self) -> None:
        await self._client.aio.aclose()  # leaves our HTTP client alone (the SDK checks)
        self._client.close()  # the sync client the SDK made for itself


def _translate(chunk: types.GenerateContentResponse) -> Iterator[Piece]:
    if chunk.usage_metadata is not None:
        usage = chunk.usage_metadata
        out = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        yield Tokens(usage.prompt_token_count, out)
    feedback = chunk.prompt_feedback
    if feedback is not None and feedback.block_reason:
        yield Finish(blocked="its safety filter")
    for cand in (chunk.candidates or [])[:1]:
        parts = cand.content.parts if cand.content and cand.content.parts else []
        for part in parts:
            if part.text and not part.thought:
                yield part.text
        reason = cand.finish_reason
        if reason and reason != types.FinishReason.FINISH_REASON_UNSPECIFIED:
            yield Finish(blocked=_BLOCKING.get(reason))
