"""Retries and fallback as a provider: a chain of providers that behaves like one.

The answer engine streams from one ``Provider``; when that is a
``FallbackChain``, the chain decides what a stressed candidate feels:

- a provider that has not produced its first text within
  ``first_token_timeout_s`` is cancelled (its HTTP stream closed) and the next
  one starts, whatever the provider's own timers say;
- a retryable error is retried with backoff only while a retry can still beat
  that same deadline; otherwise the chain moves on;
- one request at a time: a question never holds two in-flight requests to one
  provider, and closing the stream (a new question) cancels the request;
- every switch is streamed as a ``Switched`` item, so the engine can say why
  and tell views to drop text that a failed stream had already shown.

When every provider has failed the chain raises the last ``ProviderError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, Sequence

from cuecard.assist.base import (
    Prompt,
    Provider,
    ProviderError,
    StreamEnd,
    StreamItem,
    Switched,
    TextDelta,
)

log = logging.getLogger(__name__)


class FallbackChain:
    """``providers`` tried in order; itself a ``Provider`` named after the first one."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        retries: int,
        first_token_timeout_s: float,
        backoff_s: float = 0.5,
    ) -> None:
        if not providers:
            raise ValueError("a fallback chain needs at least one provider")
        self.providers = list(providers)
        self.retries = retries
        self.first_token_timeout_s = first_token_timeout_s
        self.backoff_s = backoff_s
        self.name = self.providers[0].name
        self.model = self.providers[0].model
        self.needs_network = any(p.needs_network for p in self.providers)

    async def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        loop = asyncio.get_running_loop()
        last: ProviderError | None = None
        for index, provider in enumerate(self.providers):
            started = loop.time()
            for attempt in range(self.retries + 1):
                try:
                    async for item in self._attempt(provider, prompt, max_tokens):
                        if isinstance(item, StreamEnd):
                            yield dataclasses.replace(
                                item, provider=provider.name, model=provider.model
                            )
                            return
                        yield item
                    return  # a stream that ended without StreamEnd is the provider's bug
                except ProviderError as err:
                    last = err
                    log.info("provider %s failed (%s, attempt %d)", provider.name, err.kind,
                             attempt + 1)  # fmt: skip
                    wait = self.backoff_s * 2**attempt
                    in_time = loop.time() - started + wait < self.first_token_timeout_s
                    if err.retryable and attempt < self.retries and in_time:
                        yield Switched(provider.name, provider.name, err.message)
                        await asyncio.sleep(wait)
                        continue
                    break
            if index + 1 < len(self.providers) and last is not None:
                yield Switched(provider.name, self.providers[index + 1].name, last.message)
        assert last is not None
        raise last

    async def _attempt(
        self, provider: Provider, prompt: Prompt, max_tokens: int
    ) -> AsyncGenerator[StreamItem, None]:
        """One request, cancelled if no text comes within the first-token deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.first_token_timeout_s
        got_text = False
        async with contextlib.aclosing(provider.stream(prompt, max_tokens=max_tokens)) as items:
            while True:
                timer = asyncio.timeout_at(None if got_text else deadline)
                try:
                    async with timer:
                        item = await anext(items)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    if not timer.expired():
                        raise
                    raise ProviderError(
                        "timeout",
                        f"{_label(provider)} sent nothing for "
                        f"{self.first_token_timeout_s:g} s — trying the next one",
                        retryable=False,
                        provider=provider.name,
                    ) from None
                if isinstance(item, TextDelta) and item.text:
                    got_text = True
                yield item

    def warm(self) -> None:
        for provider in self.providers:
            warm = getattr(provider, "warm", None)
            if callable(warm):
                warm()

    async def check(self) -> float:
        return await self.providers[0].check()

    async def list_models(self) -> list[str]:
        return await self.providers[0].list_models()

    async def aclose(self) -> None:
        for provider in self.providers:
            with contextlib.suppress(Exception):
                await provider.aclose()


def _label(provider: Provider) -> str:
    from cuecard import catalog

    try:
        return catalog.info(provider.name).label
    except catalog.UnknownProvider:
        return provider.name
