"""What checking a key costs when it is saved: time, and bytes each way on the wire.

Runs the real check (``cuecard.assist.keycheck``: the vendor's SDK asking for
its model list through the egress-guarded client, counted by the ledger) for
each cloud provider, against the loopback fake server speaking each API's
real wire format. Time here is the client's own cost (SDK set-up, request,
parsing) plus a loopback round trip; over the internet add one TLS handshake
and the provider's response time. Bytes are HTTP bytes (request line, headers,
body) before TLS; the fake's model lists are short (a real OpenAI list is
around 10–20 kB), so ``bytes_received`` is a floor.

    ./run bench key_check            # prints JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from _common import summary
from cuecard.assist.keycheck import check_key
from cuecard.config import Config
from cuecard.privacy.egress import Guard
from cuecard.privacy.ledger import Ledger
from cuecard.privacy.policy import EgressPolicy
from fakes.provider_server import FakeProviderServer

KEY = "sk-bench-" + "k" * 32


async def measure(provider: str, repeats: int) -> dict[str, Any]:
    seconds: list[float] = []
    sent: list[int] = []
    received: list[int] = []
    outcomes: set[str] = set()
    with FakeProviderServer(require_key=KEY) as srv:
        url = {"openai": srv.openai_base_url, "anthropic": srv.anthropic_base_url,
               "google": srv.google_base_url}[provider]  # fmt: skip
        cfg = Config.model_validate({"assist": {provider: {"base_url": url}}})
        for _ in range(repeats):
            guard = Guard(EgressPolicy(), Ledger())
            start = time.perf_counter()
            verdict = await check_key(cfg, provider, KEY, guard)
            seconds.append(time.perf_counter() - start)
            sent.append(verdict.bytes_sent)
            received.append(verdict.bytes_received)
            outcomes.add(verdict.outcome)
    return {
        "outcomes": sorted(outcomes),
        "seconds": summary(seconds),
        "first_s": round(seconds[0], 3),  # the SDK's first request in this process
        "bytes_sent": summary(sent),
        "bytes_received": summary(received),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    results = {p: asyncio.run(measure(p, args.repeats)) for p in ("openai", "anthropic", "google")}
    print(json.dumps({"bench": "key_check", "providers": results,
                      "wall_s": round(time.perf_counter() - start, 1)}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
