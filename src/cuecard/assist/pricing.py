"""A rough cost estimate, so the user sees what a session spends on their key.

Prices change; these are list prices in US dollars per million tokens for the
default models when this table was written, and the UI always labels the figure
an estimate. Unknown models get no estimate rather than a wrong one; local and
offline answers cost nothing.
"""

from __future__ import annotations

# (input, output) USD per 1M tokens, matched by model-name prefix.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-3-haiku": (0.25, 1.25),
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-1.5-flash": (0.075, 0.30),
}
FREE = ("offline", "local")


def estimate_usd(provider: str, model: str, input_tokens: int, output_tokens: int) -> float | None:
    if provider in FREE:
        return 0.0
    for prefix in sorted(PRICES, key=len, reverse=True):
        if model.startswith(prefix):
            price_in, price_out = PRICES[prefix]
            return (input_tokens * price_in + output_tokens * price_out) / 1_000_000
    return None
