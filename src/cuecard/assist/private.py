"""Privacy around a provider: what leaves is redacted and shown; what comes back is data.

The answer engine used to decide redaction, publish the prompt for the
inspector and restore placeholders itself, so every change to the answer path
risked the privacy promise. Now a ``PrivateProvider`` wraps each provider
(livekit's habit: wrappers compose, and a wrapper is itself a provider):

- before a prompt leaves, the user's terms are replaced by placeholders
  (``privacy.redact``) and the exact outgoing text is streamed first as a
  ``PromptOut`` item, so the inspector shows precisely what was sent and where;
- the answer's placeholders are put back piece by piece (a placeholder split
  across two pieces is held back, never flashed half-done);
- whatever the provider returns is treated as data: terminal escape and
  control sequences are removed before any view, log or export sees it.

This applies to every provider whose prompt leaves the process, a loopback
server included (a loopback port can be a tunnel to another machine); the
offline engine's answer is only cleaned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator

from cuecard.assist.base import Message, Prompt, PromptOut, Provider, StreamItem, TextDelta
from cuecard.privacy.redaction import Redactor
from cuecard.privacy.sanitize import StreamSanitizer


def redact_prompt(prompt: Prompt, redactor: Redactor) -> Prompt:
    """The same prompt with every part that leaves the device redacted, in order."""
    return dataclasses.replace(
        prompt,
        system=redactor.redact(prompt.system),
        messages=tuple(Message(m.role, redactor.redact(m.content)) for m in prompt.messages),
        question=redactor.redact(prompt.question),
        context=tuple(
            (redactor.redact(name), redactor.redact(text)) for name, text in prompt.context
        ),
    )


class PrivateProvider:
    """``inner`` with redaction, the prompt inspector and output cleaning around it."""

    def __init__(self, inner: Provider, *, destination: str, redactor: Redactor | None) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.needs_network = inner.needs_network
        self.destination = destination
        """Where prompts go, as host:port ("this device" for the offline engine)."""
        self.redactor = redactor if inner.needs_network else None

    async def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        redactor = self.redactor
        outgoing = redact_prompt(prompt, redactor) if redactor is not None else prompt
        if self.needs_network:
            yield PromptOut(self.name, self.destination, outgoing.text(), redactor is not None)
        restorer = redactor.stream_restorer() if redactor is not None else None
        clean = StreamSanitizer()
        async for item in self.inner.stream(outgoing, max_tokens=max_tokens):
            if isinstance(item, TextDelta):
                text = clean.feed(item.text)
                if restorer is not None:
                    text = restorer.feed(text)
                if text:
                    yield TextDelta(text)
                continue
            tail = clean.flush()
            if restorer is not None:
                tail = restorer.feed(tail) + restorer.flush()
            if tail:
                yield TextDelta(tail)
            yield item

    def warm(self) -> bool:
        return self.inner.warm()

    async def check(self) -> float:
        return await self.inner.check()

    async def list_models(self) -> list[str]:
        return await self.inner.list_models()

    async def aclose(self) -> None:
        await self.inner.aclose()
