"""A provider that lives outside cuecard, to prove that adding one is one table entry."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from cuecard.assist.base import Prompt, StreamEnd, StreamItem, TextDelta


class EchoProvider:
    """Answers with the question it was asked; takes the keyword arguments every provider does."""

    name = "echo"
    needs_network = True

    def __init__(self, **settings: object) -> None:
        self.settings = settings
        self.model = str(settings["model"])

    async def stream(self, prompt: Prompt, *, max_tokens: int) -> AsyncGenerator[StreamItem, None]:
        yield TextDelta(f"you asked: {prompt.question}")
        yield StreamEnd()

    def warm(self) -> bool:
        return False

    async def check(self) -> float:
        return 0.0

    async def list_models(self) -> list[str]:
        return [self.model]

    async def aclose(self) -> None:
        return None
