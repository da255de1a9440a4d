"""Turn what an SDK or the network raised into one ``ProviderError`` a stressed user can act on.

Every provider funnels its failures through here, so the wording and the ``retryable``
decision are the same whichever vendor failed, and the answer engine asks the error, not a
status-code table.

Two rules keep secrets out of these messages. They never quote the server: an error body may
echo the key ("Incorrect API key provided: sk-…") or a piece of the prompt. And they never
include request headers or the SDK's exception text: httpx masks only ``Authorization`` in
reprs, while Anthropic's ``x-api-key`` and Google's ``x-goog-api-key`` are shown as they are.
Callers raise these errors ``from None`` so a printed traceback does not drag the SDK
exception (and whatever it holds) along.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import httpx2

from cuecard.assist.base import ErrorKind, ProviderError

MAX_LISTED_MODELS = 8


@dataclass(frozen=True, slots=True)
class Vendor:
    """Who we were talking to, for wording: ``name`` as in config, ``label`` as a user says it."""

    name: str
    label: str
    local: bool = False
    """A server the user runs (Ollama, LM Studio, ...): no key, and "is it running?" hints."""

    @classmethod
    def of(cls, name: str) -> Vendor:
        """The vendor as the provider table names it."""
        from cuecard import catalog

        return cls(name, catalog.info(name).label)


def _err(vendor: Vendor, kind: ErrorKind, message: str, *, retryable: bool) -> ProviderError:
    return ProviderError(kind, message, retryable=retryable, provider=vendor.name)


def safe_code(value: object) -> str | None:
    """An API error code such as ``rate_limit_exceeded``, or None if it looks like anything else.

    Codes are the one piece of a server's error we repeat, so only short identifier-shaped
    strings pass: never free text that might echo a key or the prompt.
    """
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]{0,39}", value):
        return value
    return None


def missing_key(vendor: Vendor) -> ProviderError:
    return _err(
        vendor,
        "auth",
        f"no {vendor.label} key is set — run `cuecard keys set {vendor.name}`",
        retryable=False,
    )


def auth(vendor: Vendor, status: int) -> ProviderError:
    if vendor.local:
        msg = f"{vendor.label} refused the request (HTTP {status}) — check its API key setting"
    else:
        msg = f"your {vendor.label} key was rejected — run `cuecard keys set {vendor.name}`"
    return _err(vendor, "auth", msg, retryable=False)


def billing(vendor: Vendor) -> ProviderError:
    """Out of credit or quota: waiting will not help, so it is not retryable."""
    return _err(
        vendor,
        "rate_limit",
        f"your {vendor.label} account is out of credit or quota — check billing on its website",
        retryable=False,
    )


def model_not_found(
    vendor: Vendor, model: str, available: Sequence[str] | None, problem: str | None = None
) -> ProviderError:
    """``available`` is what the provider listed; ``problem`` says why listing failed."""
    where = f"on {vendor.label}" if vendor.local else f"for your {vendor.label} key"
    msg = f"model {model} is not available {where}"
    if available:
        names = [_printable(n) for n in available[:MAX_LISTED_MODELS]]
        more = ", …" if len(available) > MAX_LISTED_MODELS else ""
        msg += f"; available: {', '.join(names)}{more}"
    elif problem:
        msg += f"; could not list the available models ({problem})"
    else:
        msg += "; it lists no models"
    if vendor.local and available is not None:  # the server answered: the model is missing
        msg += f" — for Ollama run `ollama pull {model}`"
    return _err(vendor, "model_not_found", msg, retryable=False)


def rate_limited(vendor: Vendor) -> ProviderError:
    return _err(
        vendor,
        "rate_limit",
        f"{vendor.label} is rate-limiting your key — wait a minute or switch provider",
        retryable=True,
    )


def server(vendor: Vendor, status: int | None) -> ProviderError:
    if status is None:
        msg = f"{vendor.label} reported an error mid-answer — try again or switch provider"
    elif status in (503, 529):
        msg = f"{vendor.label} is overloaded (HTTP {status}) — try again in a moment"
    else:
        msg = f"{vendor.label} had a server error (HTTP {status}) — try again or switch provider"
    return _err(vendor, "server", msg, retryable=True)


def bad_request(vendor: Vendor, status: int, code: str | None) -> ProviderError:
    detail = f"HTTP {status}, {code}" if code else f"HTTP {status}"
    return _err(
        vendor,
        "bad_request",
        f"{vendor.label} refused the request ({detail}) — check the [assist.{vendor.name}] "
        "settings in config.toml",
        retryable=False,
    )


def first_token_timeout(vendor: Vendor, seconds: float) -> ProviderError:
    return _err(
        vendor,
        "timeout",
        f"{vendor.label} sent nothing for {seconds:g} s — it may be overloaded; "
        "try again or switch provider",
        retryable=True,
    )


def stalled(vendor: Vendor, seconds: float) -> ProviderError:
    return _err(
        vendor,
        "timeout",
        f"{vendor.label} stopped sending for {seconds:g} s — the answer was cut off",
        retryable=True,
    )


def cut_off(vendor: Vendor) -> ProviderError:
    return _err(
        vendor,
        "network",
        f"the answer from {vendor.label} was cut off (connection dropped) — try again",
        retryable=True,
    )


def unreachable(vendor: Vendor) -> ProviderError:
    if vendor.local:
        msg = f"cannot reach {vendor.label} — is it running (e.g. `ollama serve`)?"
    else:
        msg = f"cannot reach {vendor.label} — check your internet connection"
    return _err(vendor, "network", msg, retryable=True)


def blocked(vendor: Vendor, why: str) -> ProviderError:
    return _err(
        vendor,
        "blocked",
        f"{vendor.label} declined to answer this question ({why}) — rephrase or switch provider",
        retryable=False,
    )


def malformed(vendor: Vendor, reason: str) -> ProviderError:
    """A streamed event of a shape the API does not send: not retried, the same server would
    most likely send it again (a proxy or an incompatible "compatible" server)."""
    return _err(
        vendor,
        "server",
        f"{vendor.label} sent a malformed reply ({reason}) — check the provider's base_url "
        "or switch provider",
        retryable=False,
    )


def unreadable(vendor: Vendor) -> ProviderError:
    return _err(
        vendor,
        "server",
        f"{vendor.label} sent a reply cuecard could not read — try again or switch provider",
        retryable=True,
    )


_BILLING_CODES = frozenset(
    {"insufficient_quota", "billing_hard_limit_reached", "billing_error", "billing_not_active"}
)
_API_KEY_INVALID = ("API_KEY_INVALID", "API key not valid")


def from_status(vendor: Vendor, status: int | None, code: str | None) -> ProviderError:
    """Classify an HTTP status (None: an error event inside a 200 stream).

    404 is not handled here: the caller lists the models first (see ``model_not_found``).
    ``code`` is the API's error code or type, already passed through ``safe_code``.
    """
    if code in _BILLING_CODES or status == 402:
        return billing(vendor)
    if status in (401, 403) or code in ("authentication_error", "permission_error"):
        return auth(vendor, status or 401)
    if status == 429 or code in ("rate_limit_error", "RESOURCE_EXHAUSTED"):
        return rate_limited(vendor)
    if status == 408:
        return _err(
            vendor,
            "timeout",
            f"{vendor.label} timed out on its side (HTTP 408) — try again",
            retryable=True,
        )
    if status is None or status >= 500:
        return server(vendor, status)
    return bad_request(vendor, status, code)


def is_api_key_invalid(status: int, text: str) -> bool:
    """Gemini answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID."""
    return status == 400 and any(marker in text for marker in _API_KEY_INVALID)


def embedded(exc: BaseException) -> ProviderError | None:
    """A ProviderError raised beneath the SDK, e.g. by the egress guard in our HTTP transport.

    SDKs wrap transport failures (``raise APIConnectionError(...) from err``), so the guard's
    own verdict ("blocked: host not in the allowlist") is found by walking the chain.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ProviderError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


_CONNECT = (httpx2.ConnectError, httpx2.ConnectTimeout)
_TIMEOUT = (httpx2.TimeoutException,)
_TRANSPORT = (
    httpx2.TransportError,
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    ssl.SSLError,
    OSError,
)


def from_transport(
    vendor: Vendor,
    exc: BaseException,
    *,
    mid_stream: bool,
    seconds: float,
    sdk_timeouts: tuple[type[BaseException], ...] = (),
    sdk_connection: tuple[type[BaseException], ...] = (),
) -> ProviderError | None:
    """Classify a network failure; None when ``exc`` is not one.

    ``mid_stream``: the answer had begun, so a dropped connection means a cut answer rather
    than an unreachable host; ``seconds`` is the SDK's own timeout, for wording. SDKs wrap
    transport errors in their own connection and timeout classes; the cause tells which
    transport failure it was.
    """
    guard = _egress_verdict(exc)
    if guard is not None:
        return _err(vendor, "blocked", str(guard), retryable=False)
    inner = exc.__cause__ if isinstance(exc, sdk_connection) and exc.__cause__ else exc
    if isinstance(inner, _CONNECT):
        return unreachable(vendor)
    if isinstance(inner, _TIMEOUT) or isinstance(exc, sdk_timeouts):
        return stalled(vendor, seconds) if mid_stream else first_token_timeout(vendor, seconds)
    if isinstance(inner, _TRANSPORT) or isinstance(exc, sdk_connection):
        return cut_off(vendor) if mid_stream else unreachable(vendor)
    return None


def _egress_verdict(exc: BaseException) -> BaseException | None:
    """The egress guard's refusal, wherever an SDK wrapped it (cause or context chain).

    A blocked destination will stay blocked: retrying it would only hammer the
    guard, so the engine moves to the next provider at once.
    """
    from cuecard.privacy.policy import EgressBlocked

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, EgressBlocked):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _printable(name: str) -> str:
    clean = "".join(ch for ch in name if ch.isprintable())
    return clean[:60]
