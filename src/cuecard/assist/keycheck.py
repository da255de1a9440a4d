"""Is this key any good? Asked once, when it is saved, with the cheapest request there is.

A key that is never checked is found out at the first question of the
interview, as small grey text. So ``cuecard keys set`` and the first-run
wizard ask the provider for its model list (a GET with no prompt, free on
every vendor) before the key is stored, through the same SDK, the same
egress-guarded HTTP client and the same ledger as an answer, so the report
shows the request like any other. Three verdicts, one line each:

- accepted: the provider listed its models for this key;
- rejected: the provider said the key is wrong (401/403, Gemini's
  API_KEY_INVALID); the caller does not store it;
- unchecked: the provider could not be asked (offline, blocked, a 5xx, a rate
  limit): the key is stored anyway and the line says why it was not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from cuecard import catalog
from cuecard.assist.base import ProviderError
from cuecard.config import Config
from cuecard.privacy.egress import Guard

PURPOSE = "key-check"
"""The ledger's purpose for this one request (``cuecard privacy report`` shows it)."""

Outcome = Literal["accepted", "rejected", "unchecked"]


@dataclass(frozen=True, slots=True)
class KeyVerdict:
    """What the provider said about a key, and what asking cost (from the ledger)."""

    provider: str
    outcome: Outcome
    reason: str
    """One line for the user; empty when accepted."""
    seconds: float
    bytes_sent: int
    bytes_received: int

    @property
    def line(self) -> str:
        label = catalog.info(self.provider).label
        if self.outcome == "accepted":
            return f"{label} accepted it"
        if self.outcome == "rejected":
            return f"rejected by {label}"
        return f"not checked: {self.reason}"


@contextlib.contextmanager
def _allowed_for_the_check(guard: Guard, name: str, base_url: str | None) -> Iterator[None]:
    """The provider's host, for this one purpose, only while the check runs.

    A key is often saved for a provider that is not configured yet (a fallback,
    or before switching), whose host the configured policy does not allow.
    """
    host, port = catalog.endpoint(name, base_url)
    before = guard.policy
    guard.policy = before.with_destination(host, port, PURPOSE, name)
    if guard.tripwire is not None:
        guard.tripwire.set_policy(guard.policy)
    try:
        yield
    finally:
        guard.policy = before
        if guard.tripwire is not None:
            guard.tripwire.set_policy(before)


async def check_key(cfg: Config, name: str, key: str, guard: Guard) -> KeyVerdict:
    """Ask provider ``name`` to list its models with ``key`` (its configured base_url, if any)."""
    from cuecard.assist.chain import Deadlines
    from cuecard.assist.providers import build_provider

    settings = cfg.assist.section(name)
    first_id = max((e.id for e in guard.ledger), default=0)
    start = time.perf_counter()
    outcome: Outcome = "accepted"
    reason = ""
    try:
        with _allowed_for_the_check(guard, name, settings.base_url):
            provider = build_provider(
                name,
                settings,
                api_key=key.strip(),
                http_client=guard.client(PURPOSE, provider=name),
                deadlines=Deadlines.from_config(cfg.assist),
            )
            try:
                await provider.list_models()
            finally:
                await provider.aclose()
    except ProviderError as err:
        outcome = "rejected" if err.kind == "auth" else "unchecked"
        reason = err.message
    except ValueError as err:  # a base_url that names no server
        outcome, reason = "unchecked", str(err)
    seconds = time.perf_counter() - start
    spent = [e for e in guard.ledger if e.id > first_id and e.purpose == PURPOSE]
    return KeyVerdict(
        name,
        outcome,
        reason,
        seconds,
        sum(e.bytes_sent for e in spent),
        sum(e.bytes_received for e in spent),
    )


def check_key_blocking(cfg: Config, name: str, key: str, guard: Guard) -> KeyVerdict:
    """``check_key`` from synchronous code (the CLI; the wizard calls it off the UI thread)."""
    return asyncio.run(check_key(cfg, name, key, guard))
