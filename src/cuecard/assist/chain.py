"""The one owner of time, failure and money on the answer path: a chain of providers as one.

The answer engine streams from one ``Provider``; the session gives it a ``Chain``, which
decides everything a stressed candidate feels between the question and the first words:

- **time**: one first-token deadline (no text within ``Deadlines.first_token_s`` of the
  request: cancelled, its HTTP stream closed, the next provider starts) and one idle
  deadline (text started, then nothing for ``Deadlines.idle_s``). Both are read from
  config and armed here only: providers keep no timers of their own (the SDK's HTTP
  timeout is a backstop set a few seconds behind these);
- **failure**: a retryable error is retried with backoff only while a retry can still beat
  the first-token deadline; otherwise the chain moves on. A provider that failed is
  **skipped for a cool-down** and re-checked in the background (livekit's
  ``FallbackAdapter`` marks a provider unavailable the same way), so a dead primary
  costs one question its deadline, not every question. Every switch is streamed as a
  ``Switched`` item so the engine can say why and views can drop a failed stream's text;
- **money**: the cost guard counts the tokens of providers that bill the user (the
  catalog's ``billed``), a cancelled request's prompt included, and while the last
  minute is over budget only the free members (a local server) are tried; with none,
  the answer is held back (``ProviderError`` of kind ``held_back``).

One request at a time: a question never holds two in-flight requests, and closing the
stream (a new question) cancels the request. When every provider has failed the chain
raises the last ``ProviderError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass

from cuecard import catalog
from cuecard.assist import errors
from cuecard.assist.base import (
    Prompt,
    PromptOut,
    Provider,
    ProviderError,
    StreamEnd,
    StreamItem,
    Switched,
    TextDelta,
)
from cuecard.assist.prompting import estimate_tokens
from cuecard.config import AssistConfig

log = logging.getLogger(__name__)

COOL_DOWN_S = 30.0
"""How long a failed provider is skipped before its first background re-check; each failed
re-check doubles the wait, up to ``MAX_COOL_DOWN_S``. A re-check is one tiny request
(``Provider.check``), so a provider that stays down costs a few requests an hour."""
MAX_COOL_DOWN_S = 300.0

HEALTHY_KINDS_ON_FAILURE = frozenset({"blocked", "bad_request", "cancelled", "held_back"})
"""Failures that say nothing about the provider's health (this prompt was refused or too
long, the request was cancelled, the budget was spent): no cool-down for these."""


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When to give up on a provider: no first text within ``first_token_s``, or nothing for
    ``idle_s`` once the answer has started. The defaults are ``AssistConfig``'s."""

    first_token_s: float = AssistConfig.model_fields["first_token_timeout_s"].default
    idle_s: float = AssistConfig.model_fields["timeout_s"].default

    @classmethod
    def from_config(cls, assist: AssistConfig) -> Deadlines:
        return cls(first_token_s=assist.first_token_timeout_s, idle_s=assist.timeout_s)

    @property
    def backstop_s(self) -> float:
        """The SDK's own HTTP timeout: behind ours, so ours always fire first."""
        return max(self.first_token_s, self.idle_s) + 5.0


class CostGuard:
    """Billed tokens in the last minute, so a noisy call cannot run up a bill.

    Only providers that bill the user are counted or held back; the estimate for an answer
    is its prompt plus the ``max_tokens`` it may write.
    """

    def __init__(self, tokens_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.tokens_per_minute = tokens_per_minute
        self._clock = clock
        self._spent: deque[tuple[float, int]] = deque()

    def _recent(self) -> int:
        now = self._clock()
        while self._spent and now - self._spent[0][0] > 60:
            self._spent.popleft()
        return sum(n for _, n in self._spent)

    def allows(self, estimate: int) -> bool:
        return self._recent() + estimate <= self.tokens_per_minute

    def spend(self, tokens: int) -> None:
        if tokens > 0:
            self._spent.append((self._clock(), tokens))


def billed(name: str) -> bool:
    """Whether ``name`` costs the user money per token (the catalog says; unknown: no)."""
    spec = catalog.PROVIDERS.get(name)
    return spec is not None and spec.billed


@dataclass
class _Health:
    down_until: float = 0.0
    """Loop time before which the provider is skipped (0: healthy)."""
    cool_down_s: float = COOL_DOWN_S
    recheck: asyncio.Task[None] | None = None


class Chain:
    """``providers`` tried in order, healthy ones first; itself a ``Provider``."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        retries: int,
        deadlines: Deadlines,
        backoff_s: float = 0.5,
        cool_down_s: float = COOL_DOWN_S,
        guard: CostGuard | None = None,
    ) -> None:
        if not providers:
            raise ValueError("a provider chain needs at least one provider")
        self.providers = list(providers)
        self.retries = retries
        self.deadlines = deadlines
        self.backoff_s = backoff_s
        self.cool_down_s = cool_down_s
        self.guard = guard
        self.name = self.providers[0].name
        self.model = self.providers[0].model
        self.needs_network = any(p.needs_network for p in self.providers)
        self._health = [_Health(cool_down_s=cool_down_s) for _ in self.providers]

    @classmethod
    def from_config(cls, providers: Sequence[Provider], assist: AssistConfig) -> Chain:
        """The chain every session, ``ask`` and the practice coach use."""
        return cls(
            providers,
            retries=assist.retries,
            deadlines=Deadlines.from_config(assist),
            guard=CostGuard(assist.tokens_per_minute),
        )

    # -- health ----------------------------------------------------------------------------
    def available(self, index: int) -> bool:
        """False while provider ``index`` sits out its cool-down."""
        return asyncio.get_running_loop().time() >= self._health[index].down_until

    def _order(self) -> list[int]:
        """Healthy providers in the configured order, then those cooling down (still better
        than nothing when every one is down)."""
        up = [i for i in range(len(self.providers)) if self.available(i)]
        return up + [i for i in range(len(self.providers)) if i not in up]

    def _mark_down(self, index: int, err: ProviderError) -> None:
        if err.kind in HEALTHY_KINDS_ON_FAILURE or len(self.providers) == 1:
            return
        health = self._health[index]
        loop = asyncio.get_running_loop()
        health.down_until = loop.time() + health.cool_down_s
        log.info("provider %s skipped for %g s (%s)", self.providers[index].name,
                 health.cool_down_s, err.kind)  # fmt: skip
        if health.recheck is None or health.recheck.done():
            health.recheck = loop.create_task(
                self._recheck(index), name=f"recheck-{self.providers[index].name}"
            )

    async def _recheck(self, index: int) -> None:
        """After each cool-down, one tiny request; the provider is back when it answers."""
        health, provider = self._health[index], self.providers[index]
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(max(0.0, health.down_until - loop.time()))
            try:
                async with asyncio.timeout(self.deadlines.first_token_s):
                    await provider.check()
            except (ProviderError, TimeoutError) as err:
                health.cool_down_s = min(health.cool_down_s * 2, MAX_COOL_DOWN_S)
                health.down_until = loop.time() + health.cool_down_s
                log.info("provider %s still down (%s)", provider.name,
                         getattr(err, "kind", "timeout"))  # fmt: skip
                continue
            except Exception as err:  # a bug in a provider must not end the session
                log.warning("provider %s re-check failed (%s)", provider.name,
                            type(err).__name__)  # fmt: skip
                return
            health.down_until = 0.0
            health.cool_down_s = self.cool_down_s
            log.info("provider %s is back", provider.name)
            return

    # -- money -------------------------------------------------------------------------------
    def _affordable(self, order: list[int], prompt: Prompt, max_tokens: int) -> list[int]:
        if self.guard is None:
            return order
        estimate = estimate_tokens(prompt.text()) + max_tokens
        if self.guard.allows(estimate):
            return order
        free = [i for i in order if not billed(self.providers[i].name)]
        if not free:
            raise ProviderError(
                "held_back",
                f"spending guard: over {self.guard.tokens_per_minute:,} tokens in the last "
                "minute — raise assist.tokens_per_minute to allow more",
                retryable=False,
            )
        return free

    # -- the Provider protocol -------------------------------------------------------------
    async def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        loop = asyncio.get_running_loop()
        order = self._affordable(self._order(), prompt, max_tokens)
        last: ProviderError | None = None
        for position, index in enumerate(order):
            provider = self.providers[index]
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
                    in_time = loop.time() - started + wait < self.deadlines.first_token_s
                    if err.retryable and attempt < self.retries and in_time:
                        yield Switched(provider.name, provider.name, err.message)
                        await asyncio.sleep(wait)
                        continue
                    self._mark_down(index, err)
                    break
            if position + 1 < len(order) and last is not None:
                yield Switched(provider.name, self.providers[order[position + 1]].name,
                               last.message)  # fmt: skip
        assert last is not None
        raise last

    async def _attempt(
        self, provider: Provider, prompt: Prompt, max_tokens: int
    ) -> AsyncGenerator[StreamItem, None]:
        """One request under the two deadlines; its tokens counted by the cost guard."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadlines.first_token_s
        got_text = ended = False
        sent = 0  # estimated prompt tokens of a billed request that left
        try:
            async with contextlib.aclosing(provider.stream(prompt, max_tokens=max_tokens)) as items:
                while True:
                    timer = asyncio.timeout_at(deadline)
                    try:
                        async with timer:
                            item = await anext(items)
                    except StopAsyncIteration:
                        return
                    except TimeoutError:
                        if not timer.expired():
                            raise
                        raise self._deadline_error(provider, got_text) from None
                    if isinstance(item, TextDelta) and item.text:
                        got_text = True
                    if got_text:
                        deadline = loop.time() + self.deadlines.idle_s
                    if isinstance(item, PromptOut) and billed(provider.name):
                        sent = estimate_tokens(item.text)
                    elif isinstance(item, StreamEnd):
                        ended = True
                        if self.guard is not None and billed(provider.name):
                            used = item.usage.input_tokens + item.usage.output_tokens
                            self.guard.spend(used or sent)
                    yield item
        finally:
            if sent and not ended and self.guard is not None:
                self.guard.spend(sent)  # a cancelled or failed prompt is still billed

    def _deadline_error(self, provider: Provider, got_text: bool) -> ProviderError:
        try:
            vendor = errors.Vendor.of(provider.name)
        except catalog.UnknownProvider:
            vendor = errors.Vendor(provider.name, provider.name)
        log.info("%s: deadline passed (text started: %s)", provider.name, got_text)
        if got_text:
            return errors.stalled(vendor, self.deadlines.idle_s)
        err = errors.first_token_timeout(vendor, self.deadlines.first_token_s)
        err.retryable = False  # a provider that hung once is no faster on a retry
        return err

    def warm(self) -> bool:
        return all([provider.warm() for provider in self.providers])

    async def check(self) -> float:
        """The first provider's time to first token, under the same first-token deadline."""
        provider = self.providers[0]
        try:
            async with asyncio.timeout(self.deadlines.first_token_s):
                return await provider.check()
        except TimeoutError:
            raise self._deadline_error(provider, False) from None

    async def list_models(self) -> list[str]:
        return await self.providers[0].list_models()

    async def aclose(self) -> None:
        for health in self._health:
            if health.recheck is not None and not health.recheck.done():
                health.recheck.cancel()
                await asyncio.wait([health.recheck])
        for provider in self.providers:
            with contextlib.suppress(Exception):
                await provider.aclose()
