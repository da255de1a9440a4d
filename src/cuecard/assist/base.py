"""What every answer provider is: one small Protocol, so adding one is one file.

The answer engine only knows this Protocol. A provider turns a ``Prompt`` into a
stream of text pieces and reports failures as ``ProviderError`` with a
``retryable`` flag, so the retry loop asks the error, not a status-code table
(the livekit/agents habit).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """Exactly what leaves the device for one answer.

    Built by one function (``cuecard.assist.prompting.build_prompt``) so the
    privacy layer can show and redact it. ``system`` holds only our own rules;
    the user's documents travel in delimited user-role ``messages``.
    """

    system: str
    messages: tuple[Message, ...]
    question: str = ""
    kind: str = ""
    # Profile chunks the prompt was grounded in (source name, text); the offline
    # engine answers from these without any network.
    context: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def text(self) -> str:
        """The prompt as one readable text, for the inspector and byte counts."""
        parts = [f"[system]\n{self.system}"]
        parts += [f"[{m.role}]\n{m.content}" for m in self.messages]
        return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The answer is complete. ``provider``/``model`` say who wrote it (a chain fills them)."""

    usage: Usage = Usage()
    provider: str = ""
    model: str = ""


@dataclass(frozen=True, slots=True)
class PromptOut:
    """The privacy wrapper let a prompt leave: exactly this text, to this destination.

    Streamed ahead of the answer so the engine can publish it for the prompt
    inspector without knowing anything about redaction.
    """

    provider: str
    destination: str
    text: str
    redacted: bool


@dataclass(frozen=True, slots=True)
class Switched:
    """A provider failed and the next one takes over; text shown so far must be dropped."""

    failed: str
    next: str
    reason: str
    """One line a user can act on (the failed provider's error message)."""


StreamItem = TextDelta | StreamEnd | PromptOut | Switched

ErrorKind = Literal[
    "auth",
    "rate_limit",
    "server",
    "timeout",
    "network",
    "model_not_found",
    "bad_request",
    "blocked",
    "cancelled",
    "held_back",
]


class ProviderError(Exception):
    """A provider failure with a one-line message a stressed user can act on.

    ``retryable`` says whether trying the same provider again may help (429,
    5xx, timeouts, a cut stream); auth and unknown-model errors move straight
    to the next provider.
    """

    def __init__(
        self, kind: ErrorKind, message: str, *, retryable: bool, provider: str = ""
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.provider = provider
        self.message = message

    def __str__(self) -> str:
        return self.message


@runtime_checkable
class Provider(Protocol):
    """An answer source: a cloud SDK, a local server, or the offline engine."""

    name: str
    """Config name: openai, anthropic, google, local, offline."""
    model: str
    needs_network: bool
    """The prompt leaves this process (any provider but offline, a loopback server too: a
    loopback port can be a tunnel to another machine), so privacy wraps it."""

    def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        """Yield ``TextDelta`` pieces as they arrive, then one ``StreamEnd``.

        Wrappers may add ``PromptOut`` (before the text) and ``Switched`` items.

        Cancelling the consuming task must close the HTTP stream.
        Raises ``ProviderError``.
        """
        ...

    def warm(self) -> bool:
        """Load, off the hot path, what the first request would load (blocking, local only:
        nothing is sent). True when something was loaded; False when there was nothing to."""
        ...

    async def check(self) -> float:
        """A tiny request, for ``cuecard doctor`` and the chain's health re-check: seconds to
        first token."""
        ...

    async def list_models(self) -> list[str]:
        """Model ids this provider serves to this user, for ``cuecard doctor``.

        Raises ``ProviderError`` when the provider cannot be asked (bad key, unreachable).
        """
        ...

    async def aclose(self) -> None: ...
