"""What one asset step asked of the LLM layer, counted as requests finish, and shown as metadata.

`Usage` is kept per asset step by `LLMResource` (its `usage_metadata()` is what an asset reports);
`Pending` is one unique request on its way through the cache, the caps and a provider.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from data_assets.llm.types import LLMRequest, LLMResult


@dataclass
class Usage:
    """What one asset step asked of the LLM layer; `as_metadata()` is what the asset shows."""

    provider: str = ""
    mode: str = "sync"
    models: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    unique_requests: int = 0
    cache_hits: int = 0
    calls_made: int = 0
    ok: int = 0
    failed: int = 0
    declined: int = 0
    skipped: int = 0
    cap_skipped: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    attempts: int = 0
    failures_by_type: Counter = field(default_factory=Counter)
    retried_faults: Counter = field(default_factory=Counter)
    declined_reasons: Counter = field(default_factory=Counter)
    spend_cap: str = ""
    batch_ids: list[str] = field(default_factory=list)
    unlisted_models: set[str] = field(default_factory=set)

    def as_metadata(self) -> dict[str, Any]:
        return {
            "llm/provider": self.provider,
            "llm/mode": self.mode,
            "llm/models": dict(self.models),
            "llm/requests": self.requests,
            "llm/cache_hits": self.cache_hits,
            "llm/calls_made": self.calls_made,
            "llm/ok": self.ok,
            "llm/failed": self.failed,
            "llm/declined": self.declined,
            "llm/skipped": self.skipped,
            "llm/input_tokens": self.input_tokens,
            "llm/output_tokens": self.output_tokens,
            "llm/cache_read_tokens": self.cache_read_tokens,
            "llm/cache_write_tokens": self.cache_write_tokens,
            "llm/cost_usd": round(self.cost_usd, 6),
            "llm/attempts": self.attempts,
            "llm/failures_by_type": dict(self.failures_by_type),
            "llm/retried_faults": dict(self.retried_faults),
            "llm/declined_reasons": dict(self.declined_reasons.most_common(10)),
            "llm/spend_cap_hit": bool(self.spend_cap),
            "llm/spend_cap": self.spend_cap or "not reached",
            # Said plainly: a stage whose requests the cap left unsent has incomplete results.
            "llm/cut_short_by_spend_cap": (f"yes: {self.cap_skipped} of {self.unique_requests} requests not sent "
                                           f"({self.spend_cap})") if self.cap_skipped else "no",
            "llm/batch_ids": list(self.batch_ids),
            "llm/unpriced_models": sorted(self.unlisted_models),
        }


@dataclass
class Pending:
    key: str
    request: LLMRequest
    model: str


def count_final(usage: Usage, result: LLMResult) -> None:
    """Count a request's final status (answered, cached or skipped) once."""
    if result.status == "ok":
        usage.ok += 1
    elif result.status == "failed":
        usage.failed += 1
    elif result.status == "declined":
        usage.declined += 1
        usage.declined_reasons[result.error or ""] += 1
    else:
        usage.skipped += 1
