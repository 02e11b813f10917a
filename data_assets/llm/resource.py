"""`LLMResource`, the Dagster resource every model-calling asset uses (resource key "llm").

One path for every request, whoever answers it:
1. hash the request (`ledger.request_hash`) and look it up in `llm.calls`; `cache.from_cache`
   decides whether the row answers it (`ok` and `declined` rows do; `failed`, truncated
   replies included, are asked again);
2. collect any Message Batch still carrying it from an interrupted run (`batch.py`);
3. send the rest to the provider (Claude sync in `sync.py`, Claude batch in `batch.py`, or
   `offline.py`), at most `max_in_flight` at a time, stopping at the per-run caps (`spend.py`);
4. price, count and write each finished request to `llm.calls` as it arrives (`recorder.py`).

Usage is counted per asset step (`usage.py`) and reported by `usage_metadata()` in the asset's metadata.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any, Literal

import dagster as dg
from pydantic import Field, PrivateAttr

from data_assets.llm import claude, offline
from data_assets.llm.batch import run_batches
from data_assets.llm.cache import from_cache
from data_assets.llm.ledger import Ledger, request_hash
from data_assets.llm.pricing import (
    ANTHROPIC_PROVIDER,
    DEFAULT_GENERATE_MODEL,
    DEFAULT_JUDGE_MODEL,
    OFFLINE_MODEL,
    OFFLINE_PROVIDER,
    is_listed,
)
from data_assets.llm.recorder import Recorder
from data_assets.llm.spend import MAX_USD_ENV, RunSpend, SpendCapReached, cap_reason
from data_assets.llm.sync import run_sync
from data_assets.llm.types import LLMRequest, LLMResult, ModelRole
from data_assets.llm.usage import Pending, Usage, count_final
from data_assets.warehouse.resource import WarehouseResource

logger = logging.getLogger(__name__)

ProviderChoice = Literal["", "auto", "offline", "anthropic"]


class LLMConfigError(ValueError):
    """The LLM layer is configured in a way it refuses to guess around (e.g. Claude asked for, no key)."""


class LLMResource(dg.ConfigurableResource):
    """Claude or the offline provider behind one cached, counted, priced and retried interface.

    `provider`: `offline`, `anthropic` or `auto` (empty: the env var `DATA_ASSETS_LLM`, default
    `auto` = Claude when `ANTHROPIC_API_KEY` is set, offline otherwise). Asking for `anthropic`
    without a key is an error, never a silent fall back to offline.
    """

    provider: str = Field(default="", description="offline | anthropic | auto; empty: env DATA_ASSETS_LLM, else auto")
    api_key: str | None = Field(default=None, description="Claude API key; set through dg.EnvVar('ANTHROPIC_API_KEY')")
    base_url: str | None = Field(default=None, description="Anthropic-compatible server; empty: env ANTHROPIC_BASE_URL")
    generate_model: str = Field(default=DEFAULT_GENERATE_MODEL, description="model for generation tasks")
    judge_model: str = Field(default=DEFAULT_JUDGE_MODEL, description="model for judging tasks")
    mode: str = Field(default="sync", description="sync | batch (Message Batches API, half price, slow)")
    max_in_flight: int = Field(default=8, description="requests sent concurrently in sync mode")
    max_retries: int = Field(default=4, description="SDK retries of 429/5xx/529/timeouts, honouring retry-after")
    timeout_s: float = Field(default=120.0, description="timeout of one HTTP attempt")
    max_validation_retries: int = Field(default=2, description="re-asks of a reply that fails the output schema")
    max_requests_per_run: int | None = Field(default=None, description="stop sending after this many requests")
    max_usd_per_run: float | None = Field(default=10.0, description="stop sending before this many dollars")
    fail_on_spend_cap: bool = Field(default=False, description="fail the asset when a cap is reached")
    batch_poll_interval_s: float = Field(default=30.0, description="seconds between polls of a pending batch")
    batch_max_wait_s: float = Field(default=24 * 3600.0,
                                    description="stop waiting for a batch; it stays pending for the next run")
    database: str = Field(default="", description="DuckDB holding llm.calls; empty: the warehouse (DATA_ASSETS_DB)")

    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _client: Any = PrivateAttr(default=None)
    _usage: dict[str, Usage] = PrivateAttr(default_factory=dict)
    _scope: str = PrivateAttr(default="default")
    _spend: dict[str, RunSpend] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_env(cls, **config: Any) -> LLMResource:
        """The resource `definitions.py` builds: the key comes through `dg.EnvVar`, so Dagster shows
        the variable's name and never its value; with no key set, the field stays empty."""
        if os.environ.get("ANTHROPIC_API_KEY"):
            config.setdefault("api_key", dg.EnvVar("ANTHROPIC_API_KEY"))
        cap = os.environ.get(MAX_USD_ENV, "").strip()
        if cap:
            try:
                config.setdefault("max_usd_per_run", float(cap))
            except ValueError:
                raise LLMConfigError(f"{MAX_USD_ENV}={cap!r} is not a number of dollars") from None
            if config["max_usd_per_run"] < 0:
                raise LLMConfigError(f"{MAX_USD_ENV}={cap!r}: a dollar cap is 0 or more")
        return cls(**config)

    # ---- configuration -------------------------------------------------------------------

    def _key(self) -> str | None:
        return self.api_key or os.environ.get("ANTHROPIC_API_KEY") or None

    @property
    def provider_name(self) -> str:
        choice = (self.provider or os.environ.get("DATA_ASSETS_LLM") or "auto").strip().lower()
        if choice == "auto":
            return ANTHROPIC_PROVIDER if self._key() else OFFLINE_PROVIDER
        if choice == ANTHROPIC_PROVIDER:
            if not self._key():
                raise LLMConfigError(
                    "DATA_ASSETS_LLM=anthropic asks for Claude, but ANTHROPIC_API_KEY is not set. Set the key, "
                    "or use DATA_ASSETS_LLM=offline (or auto) to run on the offline provider."
                )
            return ANTHROPIC_PROVIDER
        if choice == OFFLINE_PROVIDER:
            return OFFLINE_PROVIDER
        raise LLMConfigError(f"unknown LLM provider {choice!r}: use offline, anthropic or auto")

    def model_for(self, role: ModelRole) -> str:
        if self.provider_name == OFFLINE_PROVIDER:
            return OFFLINE_MODEL
        if role == "judge":
            return self.judge_model
        if role == "generate":
            return self.generate_model
        raise LLMConfigError(f"unknown model role {role!r}: use generate or judge")

    def _ledger(self) -> Ledger:
        return Ledger(WarehouseResource(path=self.database).connect)

    def _claude(self):
        with self._lock:
            if self._client is None:
                self._client = claude.make_client(self._key() or "", self.base_url, self.max_retries, self.timeout_s)
            return self._client

    # ---- usage -----------------------------------------------------------------------------

    def _enter_scope(self, context: Any) -> tuple[Usage, RunSpend, str | None]:
        run_id = None
        step = "default"
        if context is not None:
            try:
                run_id = context.run.run_id
            except Exception:  # noqa: BLE001 - a bare op context or a test double
                run_id = getattr(context, "run_id", None)
            try:
                step = str(context.op_handle)
            except Exception:  # noqa: BLE001
                step = "step"
        scope = f"{run_id}:{step}"
        with self._lock:
            self._scope = scope
            usage = self._usage.setdefault(scope, Usage())
            spend = self._spend.setdefault(run_id or "default", RunSpend())
        return usage, spend, run_id

    def reset_usage(self) -> None:
        """Forget the counts of the current step (a plain script that calls `run` for several jobs)."""
        with self._lock:
            self._usage.pop(self._scope, None)

    def usage_metadata(self, context: Any = None) -> dict[str, Any]:
        """Calls made, cache hits, tokens, dollars, failures by type, declines and spend-cap state of
        the current asset step (the last one that called `run`), ready for `MaterializeResult`."""
        with self._lock:
            if context is not None:
                self._enter_scope(context)
            usage = self._usage.get(self._scope) or Usage(provider=self.provider_name)
            return usage.as_metadata()

    # ---- the one entry point ------------------------------------------------------------

    def run(self, requests: Sequence[LLMRequest], context: Any = None) -> list[LLMResult]:
        """One `LLMResult` per request, in order. Identical requests are asked once."""
        provider = self.provider_name
        usage, spend, run_id = self._enter_scope(context)
        log = context.log if context is not None and hasattr(context, "log") else logger
        usage.provider = provider
        usage.mode = self.mode if provider == ANTHROPIC_PROVIDER else "sync"
        usage.models = {"generate": self.model_for("generate"), "judge": self.model_for("judge")}
        if self.mode not in ("sync", "batch"):
            raise LLMConfigError(f"unknown LLM mode {self.mode!r}: use sync or batch")

        keys: list[str] = []
        unique: dict[str, Pending] = {}
        for request in requests:
            model = self.model_for(request.model_role)
            if provider == ANTHROPIC_PROVIDER and not is_listed(model):
                usage.unlisted_models.add(model)
            key = request_hash(request, model)
            keys.append(key)
            unique.setdefault(key, Pending(key, request, model))
        usage.requests += len(keys)
        usage.unique_requests += len(unique)

        ledger = self._ledger()
        rows = ledger.lookup(unique)
        results: dict[str, LLMResult] = {}
        todo: list[Pending] = []
        pending_batches: dict[str, list[Pending]] = {}
        for key, item in unique.items():
            row = rows.get(key)
            cached = from_cache(item, row)
            if cached is not None:
                results[key] = cached
                usage.cache_hits += 1
                count_final(usage, cached)
            elif row is not None and row["status"] == "pending" and row["batch_id"]:
                pending_batches.setdefault(row["batch_id"], []).append(item)
            else:
                todo.append(item)

        progress_total = len(todo) + sum(len(v) for v in pending_batches.values())
        if progress_total:
            log.info(f"llm: {len(keys)} requests, {len(results)} answered from llm.calls, "
                     f"{progress_total} to ask {provider} ({self.model_for('generate')}/{self.model_for('judge')})")
        recorder = Recorder(self._lock, self._key(), ledger, usage, spend, provider, run_id, results, log, progress_total)
        try:
            if provider == OFFLINE_PROVIDER:
                self._run_offline(todo, recorder)
            elif self.mode == "batch" or pending_batches:
                run_batches(self, todo if self.mode == "batch" else [], pending_batches, recorder)
                if self.mode != "batch":
                    run_sync(self, todo, recorder)
            else:
                run_sync(self, todo, recorder)
        finally:
            # Also on the way out of an interrupted run: whatever finished is written before we go.
            recorder.close()

        if usage.cap_skipped:
            step = self._scope.split(":", 1)[1] if ":" in self._scope else self._scope
            ledger.record_spend_cap(run_id, step, usage.spend_cap, usage.cap_skipped, usage.cost_usd)
        out = [results[key] for key in keys]
        if progress_total:
            log.info(f"llm: done: {usage.calls_made} calls, {usage.cache_hits} cache hits, "
                     f"${usage.cost_usd:.4f}, failed {usage.failed}, declined {usage.declined}, skipped {usage.skipped}"
                     + (f"; spend cap reached: {usage.spend_cap}" if usage.spend_cap else ""))
        if usage.spend_cap and self.fail_on_spend_cap:
            raise SpendCapReached(f"LLM spend cap reached ({usage.spend_cap}); results so far are saved in llm.calls")
        return out

    # ---- providers ---------------------------------------------------------------------------

    def _cap_reason(self, spend: RunSpend, next_estimate: float = 0.0) -> str:
        return cap_reason(spend, self.max_requests_per_run, self.max_usd_per_run, next_estimate)

    def _run_offline(self, todo: list[Pending], recorder: Recorder) -> None:
        for item in todo:
            reason = self._cap_reason(recorder.spend)
            if reason:
                recorder.skip(item, reason)
                continue
            recorder.spend.requests += 1
            recorder.finish(item, offline.answer(item.request), mode="sync")
