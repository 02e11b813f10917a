"""Model names and prices: the one table every cost in `llm.calls` is computed from.

Prices are USD per million tokens, as published on Anthropic's pricing and model-overview
pages (platform.claude.com, checked 2026-11). Cache writes are the 5-minute rate, the only
kind this layer asks for. The Message Batches API halves input and output prices
(`BATCH_DISCOUNT`); Anthropic applies the same half to cache reads and writes in a batch.
When Anthropic changes a price, change it here and only here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bump the version when an offline handler changes what it answers: the model name is part of
# every request hash, so cached offline answers and declines are then asked again.
OFFLINE_MODEL = "offline-v1"
OFFLINE_PROVIDER = "offline"
ANTHROPIC_PROVIDER = "anthropic"

# The generator writes (synthesis, augmentation, second responses); the judge grades them. A
# larger judge than generator is the usual choice: grading is where mistakes cost the most.
DEFAULT_GENERATE_MODEL = "claude-sonnet-5-5"
DEFAULT_JUDGE_MODEL = "claude-opus-5-5"

BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class ModelPrice:
    input: float
    output: float
    cache_write: float
    cache_read: float
    # Haiku 5.5 bills every token of a request at higher rates once its prompt (input + cache
    # reads + cache writes) passes a threshold.
    long_prompt_tokens: int | None = None
    long_prompt_factor: float = 1.0


PRICES: dict[str, ModelPrice] = {
    "claude-fable-5-1": ModelPrice(input=10.00, output=50.00, cache_write=12.50, cache_read=0.25),
    "claude-opus-5-5": ModelPrice(input=4.00, output=20.00, cache_write=5.00, cache_read=0.20),
    "claude-opus-5": ModelPrice(input=5.00, output=25.00, cache_write=6.25, cache_read=0.50),
    "claude-opus-4-8": ModelPrice(input=5.00, output=25.00, cache_write=6.25, cache_read=0.50),
    # Sonnet 5.5 cache reads were cut from $0.20 to $0.10 on 2026-10-07.
    "claude-sonnet-5-5": ModelPrice(input=2.00, output=10.00, cache_write=2.50, cache_read=0.10),
    "claude-sonnet-5": ModelPrice(input=2.00, output=10.00, cache_write=2.50, cache_read=0.20),
    "claude-sonnet-4-6": ModelPrice(input=3.00, output=15.00, cache_write=3.75, cache_read=0.30),
    "claude-haiku-5-5": ModelPrice(
        input=0.10, output=0.50, cache_write=0.125, cache_read=0.01,
        long_prompt_tokens=100_000, long_prompt_factor=5.0,
    ),
    "claude-haiku-4-5": ModelPrice(input=1.00, output=5.00, cache_write=1.25, cache_read=0.10),
    OFFLINE_MODEL: ModelPrice(input=0.0, output=0.0, cache_write=0.0, cache_read=0.0),
}

# A model missing from the table (a new release, a local server behind ANTHROPIC_BASE_URL) is
# priced at the dearest row, so a spend cap errs on the side of stopping early.
UNLISTED_PRICE = max(PRICES.values(), key=lambda p: (p.output, p.input))


def price_for(model: str) -> ModelPrice:
    return PRICES.get(model, UNLISTED_PRICE)


def is_listed(model: str) -> bool:
    return model in PRICES


def cost_usd(
    model: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
    batch: bool = False,
) -> float:
    price = price_for(model)
    factor = BATCH_DISCOUNT if batch else 1.0
    prompt = input_tokens + cache_write_tokens + cache_read_tokens
    if price.long_prompt_tokens is not None and prompt > price.long_prompt_tokens:
        factor *= price.long_prompt_factor
    dollars = (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_write_tokens * price.cache_write
        + cache_read_tokens * price.cache_read
    ) / 1_000_000
    return round(dollars * factor, 8)


def model_line(model: str) -> str:
    """`claude-sonnet-5-5` -> `claude-sonnet`; `offline-v1` -> `offline`: the product line a model id
    belongs to, with its version dropped. (The prefs stage's self-preference check groups coarser, by
    vendor: `prefs.judging.vendor_family`.)"""
    parts = model.split("-")
    if parts[0] == "claude" and len(parts) > 1:
        return f"claude-{parts[1]}"
    return parts[0]
