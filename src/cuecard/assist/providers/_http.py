"""The one HTTP client each SDK is given, whichever httpx flavour the caller built.

The official SDKs installed here (openai 3.x, anthropic 2.x, google-genai 3.x) run on
``httpx2``, the maintained fork of httpx. OpenAI and google-genai also accept a plain
``httpx.AsyncClient``; Anthropic refuses one outright. The privacy layer hands us a guarded
client (its transport enforces the egress allowlist and keeps the ledger) and may build it
with either package, so for Anthropic a plain httpx client is wrapped in an httpx2 client
whose transport sends every request through it. The bytes still travel through exactly the
client we were given, with its pool, so connections are reused across answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import httpx2

HttpClient = httpx.AsyncClient | httpx2.AsyncClient
"""What a provider accepts as ``http_client``."""


def as_httpx2(client: HttpClient) -> httpx2.AsyncClient:
    """``client`` itself if it is httpx2, else an httpx2 client that sends through it."""
    if isinstance(client, httpx2.AsyncClient):
        return client
    return httpx2.AsyncClient(transport=_ThroughHttpx(client), timeout=None)


class _ThroughHttpx(httpx2.AsyncBaseTransport):
    """An httpx2 transport that hands each request to an ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()  # SDK bodies are small JSON documents, already built
        timeout = request.extensions.get("timeout")
        out = httpx.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=body,
            extensions={"timeout": timeout} if timeout is not None else {},
        )
        try:
            response = await self._client.send(out, stream=True)
        except httpx.TransportError as err:
            raise _lift(err, request) from err
        return httpx2.Response(
            response.status_code,
            headers=response.headers.raw,
            stream=_Body(response, request),
            extensions={"http_version": response.http_version.encode("ascii")},
        )


class _Body(httpx2.AsyncByteStream):
    def __init__(self, response: httpx.Response, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            # Raw bytes: the httpx2 response decodes content-encoding itself from the headers.
            async for chunk in self._response.aiter_raw():
                yield chunk
        except httpx.TransportError as err:
            raise _lift(err, self._request) from err

    async def aclose(self) -> None:
        await self._response.aclose()


def _lift(err: httpx.TransportError, request: httpx2.Request) -> httpx2.TransportError:
    """The httpx2 exception of the same name, so the SDK classifies it as it would its own.

    Only the exception's own text is carried over; httpx puts no headers in it.
    """
    cls = getattr(httpx2, type(err).__name__, None)
    if not (isinstance(cls, type) and issubclass(cls, httpx2.TransportError)):
        cls = httpx2.TransportError
    return cls(str(err), request=request)
