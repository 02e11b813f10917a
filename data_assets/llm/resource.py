"""`LLMResource`, the Dagster resource every model-calling asset uses (resource key "llm").

One path for every request, whoever answers it:
1. hash the request (`ledger.request_hash`) and look it up in `llm.calls`; an `ok` or a
   `declined` row answers it with no call (a decline is an answer; an offline handler that
   learns a task comes with a new OFFLINE_MODEL version, which changes the hash); a `failed` row,
   a truncated reply included, is asked again;
2. collect any Message Batch still carrying it from an interrupted run;
3. send the rest to the provider (Claude sync, Claude batch, or offline), at most
   `max_in_flight` at a time, stopping at the per-run spend caps;
4. write each finished request to `llm.calls` as it finishes, priced from `pricing.PRICES`.

Usage is counted per asset step and reported by `usage_metadata()` in the asset's metadata.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Literal

import dagster as dg
from pydantic import Field, PrivateAttr

from data_assets.llm import claude, offline
from data_assets.llm.cache import from_cache
from data_assets.llm.ledger import CallOutcome, Ledger, request_hash
from data_assets.llm.pricing import (
    ANTHROPIC_PROVIDER,
    DEFAULT_GENERATE_MODEL,
    DEFAULT_JUDGE_MODEL,
    OFFLINE_MODEL,
    OFFLINE_PROVIDER,
    is_listed,
)
from data_assets.llm.recorder import Recorder
from data_assets.llm.spend import MAX_USD_ENV, RunSpend, SpendCapReached, cap_reason, estimate_cost
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
                self._run_batches(todo if self.mode == "batch" else [], pending_batches, recorder)
                if self.mode != "batch":
                    self._run_sync(todo, recorder)
            else:
                self._run_sync(todo, recorder)
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

    def _run_sync(self, todo: list[Pending], recorder: Recorder) -> None:
        if not todo:
            return
        client = self._claude()
        secret = self._key()
        queue = list(reversed(todo))
        in_flight: dict[Future, tuple[Pending, float]] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.max_in_flight), thread_name_prefix="llm") as pool:
            try:
                self._sync_loop(pool, client, secret, queue, in_flight, recorder)
            except BaseException:
                # Interrupted: requests already sent are paid for, so wait for them and keep their answers.
                for future in in_flight:
                    future.cancel()
                done, _ = wait(list(in_flight), timeout=self.timeout_s * (self.max_retries + 1))
                for future in done:
                    if not future.cancelled() and future.exception() is None:
                        recorder.finish(in_flight[future][0], future.result(), mode="sync", write=False)
                raise

    def _sync_loop(self, pool: ThreadPoolExecutor, client: Any, secret: str | None, queue: list[Pending],
                   in_flight: dict[Future, tuple[Pending, float]], recorder: Recorder) -> None:
        limit = max(1, self.max_in_flight)
        while queue or in_flight:
            # Replies received and not yet in llm.calls count against a second `limit`: a process
            # killed at any moment has sent at most 2 x `limit` requests it did not record (those in
            # flight and those waiting for their write), and pays for at most those again. One write
            # takes tens of milliseconds, so making a slot wait for its own write costs a fifth of
            # the throughput (benchmarks/llm.py); the second window keeps it.
            if queue and not in_flight:
                recorder.wait_for_writes(below=2 * limit)
            while queue and len(in_flight) < limit and len(in_flight) + recorder.unwritten < 2 * limit:
                item = queue.pop()
                estimate = estimate_cost(item.request, item.model, validation_retries=self.max_validation_retries)
                reason = self._cap_reason(recorder.spend, estimate)
                if reason:
                    recorder.skip(item, reason)
                    for rest in reversed(queue):
                        recorder.skip(rest, reason)
                    queue.clear()
                    break
                with self._lock:
                    recorder.spend.requests += 1
                    recorder.spend.reserved_usd += estimate
                future = pool.submit(claude.call, client, item.request, item.model,
                                     max_validation_retries=self.max_validation_retries, secret=secret)
                in_flight[future] = (item, estimate)
            if not in_flight:
                continue
            # Also wake when the writer commits, so a slot freed by a write is refilled at once.
            done, _ = wait(list(in_flight), timeout=0.02 if recorder.unwritten else None, return_when=FIRST_COMPLETED)
            for future in done:
                item, estimate = in_flight.pop(future)
                with self._lock:
                    recorder.spend.reserved_usd -= estimate
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 - one bad request never sinks the others
                    outcome = CallOutcome(status="failed", failure_type=type(error).__name__, attempts=1,
                                          error=claude.scrub(f"{type(error).__name__}: {error}", secret))
                recorder.finish(item, outcome, mode="sync", write=False)
            recorder.flush()

    def _run_batches(self, todo: list[Pending], pending: dict[str, list[Pending]], recorder: Recorder) -> None:
        client = self._claude()
        secret = self._key()
        ledger = recorder.ledger
        batches: dict[str, dict[str, Pending]] = {
            batch_id: {item.key: item for item in items} for batch_id, items in pending.items()
        }
        for batch_id in batches:
            recorder.log.info(f"llm: resuming Message Batch {batch_id} ({len(batches[batch_id])} requests pending)")

        submit: list[Pending] = []
        batch_estimate = 0.0
        for index, item in enumerate(todo):
            estimate = estimate_cost(item.request, item.model, batch=True)
            reason = self._cap_reason(recorder.spend, batch_estimate + estimate)
            if reason:
                for rest in todo[index:]:
                    recorder.skip(rest, reason)
                break
            recorder.spend.requests += 1
            batch_estimate += estimate
            submit.append(item)
        if submit:
            custom_ids = {item.key: _custom_id(item.key) for item in submit}
            batch = client.messages.batches.create(requests=[
                {"custom_id": custom_ids[item.key], "params": claude.message_params(item.request, item.model)}
                for item in submit
            ])
            ledger.record_batch(batch.id, ANTHROPIC_PROVIDER, len(submit), recorder.run_id, [
                recorder.row(item, CallOutcome(status="pending", attempts=1, batch_id=batch.id,
                                               custom_id=custom_ids[item.key]), mode="batch")
                for item in submit
            ])
            recorder.log.info(f"llm: submitted Message Batch {batch.id} with {len(submit)} requests")
            batches[batch.id] = {item.key: item for item in submit}
        recorder.spend.reserved_usd += batch_estimate

        deadline = time.monotonic() + self.batch_max_wait_s
        open_batches = dict(batches)
        for batch_id in open_batches:
            recorder.usage.batch_ids.append(batch_id)
        while open_batches:
            for batch_id in list(open_batches):
                try:
                    status = client.messages.batches.retrieve(batch_id).processing_status
                except claude.anthropic.NotFoundError:
                    for item in open_batches.pop(batch_id).values():
                        recorder.finish(item, CallOutcome(status="failed", failure_type="batch_lost", attempts=1,
                                                          error=f"Message Batch {batch_id} no longer exists",
                                                          batch_id=batch_id), mode="batch", write=False)
                    ledger.mark_batch(batch_id, "lost")
                    continue
                if status != "ended":
                    continue
                members = open_batches.pop(batch_id)
                by_custom_id = {_custom_id(key): item for key, item in members.items()}
                for line in client.messages.batches.results(batch_id):
                    item = by_custom_id.pop(line.custom_id, None)
                    if item is None:
                        continue
                    outcome = claude.batch_outcome(line, item.request, secret)
                    outcome.batch_id, outcome.custom_id = batch_id, line.custom_id
                    recorder.finish(item, outcome, mode="batch", write=False)
                for item in by_custom_id.values():
                    recorder.finish(item, CallOutcome(status="failed", failure_type="batch_missing", attempts=1,
                                                      error=f"no result for this request in batch {batch_id}",
                                                      batch_id=batch_id), mode="batch", write=False)
                recorder.flush()
                ledger.mark_batch(batch_id, "collected")
                recorder.log.info(f"llm: collected Message Batch {batch_id}")
            if not open_batches:
                break
            if time.monotonic() >= deadline:
                for batch_id, members in open_batches.items():
                    for item in members.values():
                        recorder.skip(item, f"Message Batch {batch_id} still in progress after {self.batch_max_wait_s:g}s; "
                                            "re-run to collect it", cap=False)
                break
            time.sleep(self.batch_poll_interval_s)
        recorder.spend.reserved_usd = max(0.0, recorder.spend.reserved_usd - batch_estimate)


def _custom_id(key: str) -> str:
    return key[:40]
