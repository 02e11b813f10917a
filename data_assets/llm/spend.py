"""Spend caps: where a run stops sending, and what a request may cost before it is sent.

Per run (all asset steps of one Dagster run share a `RunSpend`), `LLMResource` stops before
`max_requests_per_run` requests or before `max_usd_per_run` dollars, counting what was paid and
reserving `estimate_cost` for every request in flight. A step the cap cut short is recorded in
`llm.spend_caps` (`Ledger.record_spend_cap`); the exports read it (`export/gate.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from data_assets.llm.pricing import cost_usd
from data_assets.llm.types import LLMRequest

MAX_USD_ENV = "DATA_ASSETS_MAX_USD_PER_RUN"  # the dollar cap from the environment (`--max-usd` sets it)


class SpendCapReached(RuntimeError):
    """Raised after a run's results are saved, when a cap was hit and `fail_on_spend_cap` is set."""


@dataclass
class RunSpend:
    """What one run has sent, paid and reserved for requests in flight."""

    requests: int = 0
    usd: float = 0.0
    reserved_usd: float = 0.0


def estimate_cost(request: LLMRequest, model: str, *, batch: bool = False, validation_retries: int = 0) -> float:
    """An upper-end guess of a request's price before it is sent, used to stop short of a dollar
    cap with requests in flight: ~3 characters per token in, the full `max_tokens` out, once per
    ask: a structured reply that fails validation is asked again up to `validation_retries`
    times, and every ask is billed."""
    chars = len(request.system) + sum(len(str(m.get("content", ""))) for m in request.messages)
    asks = 1
    if request.output_model is not None:
        chars += len(str(request.output_model.model_json_schema()))
        asks += max(0, validation_retries)
    return asks * cost_usd(model, input_tokens=chars // 3 + 50, output_tokens=request.max_tokens, batch=batch)


def cap_reason(spend: RunSpend, max_requests: int | None, max_usd: float | None, next_estimate: float = 0.0) -> str:
    """The cap that sending one more request (priced `next_estimate`) would break, or ""."""
    if max_requests is not None and spend.requests >= max_requests:
        return f"max_requests_per_run={max_requests}"
    if max_usd is not None and next_estimate > 0 and spend.usd + spend.reserved_usd + next_estimate > max_usd:
        return f"max_usd_per_run=${max_usd:g}"
    return ""
