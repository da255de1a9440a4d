"""What every SDK-backed provider shares: a codec from SDK events to pieces, and from SDK
exceptions to ``ProviderError``.

A vendor module only says how to start its stream and what its events mean (``_pieces``),
how to read a status out of its SDK's exceptions (``_status_of``) and how to list models
(``_list_models``). Cut detection, cancellation and error wording are decided once, here.
No timers: when to give up is the provider chain's one rule (``assist.chain``); the SDK's
own HTTP timeout (``timeout_s``) is only a backstop behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar, Self, cast

import httpx2

from cuecard.assist import errors
from cuecard.assist.base import (
    Message,
    Prompt,
    ProviderError,
    StreamEnd,
    StreamItem,
    TextDelta,
    Usage,
)
from cuecard.assist.errors import Vendor
from cuecard.assist.providers._http import HttpClient

log = logging.getLogger("cuecard.assist.providers")

# The SDKs log whole request options (the prompt) at DEBUG; cuecard never logs what was said.
_CHATTY_SDK_LOGGERS = ("openai", "anthropic", "google_genai")

LIST_MODELS_TIMEOUT_S = 5.0

WARM_PROMPT = Prompt(system="Warm-up.", messages=(Message("user", "Warm-up."),))
"""What the warm-up dry run asks; it never leaves the process."""


@dataclass(frozen=True, slots=True)
class Tokens:
    """Token counts as an API reports them, possibly in pieces (None: not in this event)."""

    input: int | None = None
    output: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The API said the answer is complete; ``blocked`` names a safety stop, if any."""

    blocked: str | None = None


Piece = str | Tokens | Finish
"""What a vendor's ``_pieces`` yields: answer text, token counts, or the end marker."""


class Malformed(Exception):
    """A vendor's ``_pieces`` read an event the API does not send; ``reason`` says what, in a
    few words and never quoting the reply."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SdkProvider(ABC):
    """Base of the openai, anthropic, google and local providers.

    The SDK client is built once, in ``__init__``, on the given ``http_client`` and reused by
    every answer; SDK retries are off because the answer engine owns retries and fallback.
    """

    name: str
    base_url: str
    needs_network: bool = True
    sdk_timeouts: ClassVar[tuple[type[BaseException], ...]] = ()
    sdk_connection_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    sdk_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    """The SDK's base exception: anything else of it means a reply we could not read."""

    def __init__(
        self,
        *,
        model: str,
        vendor: Vendor,
        http_client: HttpClient | None,
        timeout_s: float,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        self.model = model
        self.vendor = vendor
        self.timeout_s = timeout_s
        self._owns_http = http_client is None
        self._http: HttpClient = (
            http_client if http_client is not None else self._guarded_client()
        )
        for name in _CHATTY_SDK_LOGGERS:
            sdk_log = logging.getLogger(name)
            if sdk_log.getEffectiveLevel() < logging.WARNING:
                sdk_log.setLevel(logging.WARNING)

    def _guarded_client(self) -> HttpClient:
        """No client given: one that may reach only this provider's endpoint, still guarded."""
        from cuecard.privacy.transport import client_for

        return client_for(self.name, self.base_url)

    @property
    def sdk_timeout_s(self) -> float:
        """The SDK's own timeout: a backstop behind the chain's deadlines, which fire first."""
        return self.timeout_s

    # ---- what a vendor module provides ------------------------------------------------------

    @abstractmethod
    def _pieces(self, prompt: Prompt, max_tokens: int) -> AsyncGenerator[Piece, None]:
        """Start one streamed answer and translate its events.

        Must hold the SDK stream in ``async with`` (or close it in ``finally``) so that a
        cancellation or deadline arriving at any ``await`` closes the HTTP response.
        """

    @abstractmethod
    def _status_of(self, exc: BaseException) -> tuple[int | None, str | None] | None:
        """(HTTP status or None for an in-stream error event, error code) for an SDK API error."""

    def _is_model_missing(self, status: int | None, code: str | None) -> bool:
        return status == 404

    @abstractmethod
    async def _list_models(self) -> list[str]:
        """Model ids this key may use for chat, best first."""

    warm_reply: ClassVar[bytes] = b""
    """A short streamed answer in the API's own wire format, for the warm-up dry run."""

    def _replica(self, http_client: httpx2.AsyncClient) -> Self:
        """This provider (same class, model and URL) on another HTTP client; no real key.

        Every vendor's constructor takes these keywords (the local one too: it sends the
        key it is given, a placeholder when none).
        """
        make = cast(Callable[..., Self], type(self))
        return make(
            api_key="warm-up", model=self.model, base_url=self.base_url, http_client=http_client
        )

    def warm(self) -> bool:
        """Answer one canned question on a replica of this provider that cannot reach the network.

        An SDK does much of its work on its first request: the OpenAI SDK resolves the type
        hints of its request TypedDicts (45 ms measured here), pydantic completes its response
        models, the async backend and the stream's JSON parser load. The interview's first
        question paid all of it on top of the provider's own latency. The replica's HTTP
        client answers from memory (``httpx2.MockTransport``, with ``warm_reply``), so the
        same SDK code runs while no socket opens and nothing is sent, shown or recorded.

        Blocking (call it off the event loop, as the session does while the speech model
        loads); it runs its own loop in a thread of its own. True when the replica read the
        canned answer back; a failure only loses the head start, so it is logged, not raised.
        """
        # What the real transport loads on its first connection (the dry run makes none):
        import anyio._backends._asyncio  # noqa: F401 - httpcore's async backend, ~80 ms
        import jiter  # noqa: F401 - the SDKs' streaming JSON parser

        reply = self.warm_reply
        if not reply:
            return False

        def answer(request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(
                200, headers={"content-type": "text/event-stream"}, content=reply
            )

        async def dry_run() -> str:
            text = ""
            async with httpx2.AsyncClient(transport=httpx2.MockTransport(answer)) as client:
                replica = self._replica(client)
                try:
                    async with contextlib.aclosing(
                        replica.stream(WARM_PROMPT, max_tokens=8)
                    ) as items:
                        async for item in items:
                            if isinstance(item, TextDelta):
                                text += item.text
                finally:
                    await replica.aclose()
            return text

        try:
            with ThreadPoolExecutor(1, thread_name_prefix="cuecard-warm") as pool:
                text = pool.submit(asyncio.run, dry_run()).result()
        except Exception as err:  # the SDK changed its wire format, say: only speed is lost
            log.info("%s: warm-up dry run failed (%s)", self.name, type(err).__name__)
            return False
        return text == "ok"

    async def _close_sdk(self) -> None:  # noqa: B027 - most SDKs hold nothing else
        """Release what the SDK client holds besides our HTTP client."""

    # ---- the Provider protocol ----------------------------------------------------------------

    async def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        """Yield ``TextDelta`` pieces as they arrive, then one ``StreamEnd``.

        A stream that ends without the API's end marker was cut off; an event of a shape
        the API does not send is a ``malformed`` error naming what was wrong.

        Cancelling the consuming task while it waits for the next piece closes the HTTP
        stream at once. A consumer that stops iterating for another reason should close the
        generator (``contextlib.aclosing``) so the stream is not left to the garbage collector.
        """
        pieces = self._pieces(prompt, max_tokens)
        started = finished = False
        tokens_in = tokens_out = 0
        try:
            async for piece in pieces:
                started = True
                if isinstance(piece, str):
                    if piece:
                        yield TextDelta(piece)
                elif isinstance(piece, Tokens):
                    tokens_in = piece.input if piece.input is not None else tokens_in
                    tokens_out = piece.output if piece.output is not None else tokens_out
                else:
                    finished = True
                    if piece.blocked:
                        raise errors.blocked(self.vendor, piece.blocked)
        except ProviderError as err:
            if not err.provider:  # e.g. the egress guard's verdict from inside the transport
                err.provider = self.name
            raise
        except Malformed as exc:
            log.warning("%s: malformed reply (%s)", self.name, exc.reason)
            raise errors.malformed(self.vendor, exc.reason) from None
        except (AttributeError, TypeError, KeyError) as exc:
            # The SDK builds its event objects without validating them, so a chunk of a shape
            # the API does not send fails here, in our reading of it: the reply's fault.
            log.warning("%s: malformed reply (%s)", self.name, type(exc).__name__)
            raise errors.malformed(self.vendor, "an event of an unexpected shape") from None
        except Exception as exc:
            raise await self._translate(exc, started=started) from None
        finally:
            with contextlib.suppress(Exception):
                await pieces.aclose()
        if not finished:
            log.info("%s: stream ended without its end marker", self.name)
            raise errors.cut_off(self.vendor)
        yield StreamEnd(Usage(input_tokens=tokens_in, output_tokens=tokens_out))

    async def check(self) -> float:
        """Seconds to the first token of a tiny answer; the stream is closed right after."""
        prompt = Prompt(
            system="You are a connectivity check. Reply with the single word OK.",
            messages=(Message("user", "ping"),),
        )
        loop = asyncio.get_running_loop()
        start = loop.time()
        async with contextlib.aclosing(self.stream(prompt, max_tokens=16)) as answer:
            async for _item in answer:
                break  # first text, or an empty but complete answer
        return loop.time() - start

    async def list_models(self) -> list[str]:
        """The models the server lists for this key (``cuecard doctor`` checks the configured
        one is among them), within ``LIST_MODELS_TIMEOUT_S``."""
        try:
            async with asyncio.timeout(LIST_MODELS_TIMEOUT_S):
                return await self._list_models()
        except TimeoutError:
            raise errors.first_token_timeout(self.vendor, LIST_MODELS_TIMEOUT_S) from None
        except ProviderError:
            raise
        except Exception as exc:
            raise await self._translate(exc, started=False) from None

    async def aclose(self) -> None:
        """Close what this provider made; an injected HTTP client belongs to its caller."""
        await self._close_sdk()
        if self._owns_http:
            await self._http.aclose()

    # ---- error translation --------------------------------------------------------------------

    async def _translate(self, exc: Exception, *, started: bool) -> ProviderError:
        if (inner := errors.embedded(exc)) is not None:
            inner.provider = inner.provider or self.name
            return inner
        status = self._status_of(exc)
        if status is not None:
            code, text_code = status
            log.info("%s: API error %s (%s)", self.name, code, text_code)
            if self._is_model_missing(code, text_code):
                return await self._model_not_found()
            return errors.from_status(self.vendor, code, text_code)
        net = errors.from_transport(
            self.vendor,
            exc,
            mid_stream=started,
            seconds=self.sdk_timeout_s,
            sdk_timeouts=self.sdk_timeouts,
            sdk_connection=self.sdk_connection_errors,
        )
        if net is not None:
            log.info("%s: network failure %s -> %s", self.name, type(exc).__name__, net.kind)
            return net
        if isinstance(exc, (*self.sdk_errors, ValueError)):
            log.warning("%s: unreadable reply (%s)", self.name, type(exc).__name__)
            return errors.unreadable(self.vendor)
        raise exc  # our own bug: let it surface with its traceback

    async def _model_not_found(self) -> ProviderError:
        try:
            async with asyncio.timeout(LIST_MODELS_TIMEOUT_S):
                available = await self._list_models()
        except TimeoutError:
            return errors.model_not_found(self.vendor, self.model, None, "it did not answer")
        except Exception as exc:
            status = self._status_of(exc)
            problem = f"HTTP {status[0]}" if status and status[0] else type(exc).__name__
            if status and status[0] == 404 and self.vendor.local:
                problem += " — check the base_url"
            return errors.model_not_found(self.vendor, self.model, None, problem)
        return errors.model_not_found(self.vendor, self.model, available)
