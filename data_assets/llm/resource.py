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
import queue
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Literal

import dagster as dg
from pydantic import Field, PrivateAttr, ValidationError

from data_assets.llm import claude, offline
from data_assets.llm.ledger import CallOutcome, Ledger, request_hash
from data_assets.llm.pricing import (
    ANTHROPIC_PROVIDER,
    DEFAULT_GENERATE_MODEL,
    DEFAULT_JUDGE_MODEL,
    OFFLINE_MODEL,
    OFFLINE_PROVIDER,
    cost_usd,
    is_listed,
)
from data_assets.llm.types import LLMRequest, LLMResult, ModelRole
from data_assets.warehouse.resource import WarehouseResource

logger = logging.getLogger(__name__)

ProviderChoice = Literal["", "auto", "offline", "anthropic"]
MAX_USD_ENV = "DATA_ASSETS_MAX_USD_PER_RUN"  # the dollar cap from the environment (`--max-usd` sets it)


class LLMConfigError(ValueError):
    """The LLM layer is configured in a way it refuses to guess around (e.g. Claude asked for, no key)."""


class SpendCapReached(RuntimeError):
    """Raised after a run's results are saved, when a cap was hit and `fail_on_spend_cap` is set."""


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
class _RunSpend:
    requests: int = 0
    usd: float = 0.0
    reserved_usd: float = 0.0


@dataclass
class _Pending:
    key: str
    request: LLMRequest
    model: str


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
    _spend: dict[str, _RunSpend] = PrivateAttr(default_factory=dict)

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

    def _enter_scope(self, context: Any) -> tuple[Usage, _RunSpend, str | None]:
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
            spend = self._spend.setdefault(run_id or "default", _RunSpend())
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
        unique: dict[str, _Pending] = {}
        for request in requests:
            model = self.model_for(request.model_role)
            if provider == ANTHROPIC_PROVIDER and not is_listed(model):
                usage.unlisted_models.add(model)
            key = request_hash(request, model)
            keys.append(key)
            unique.setdefault(key, _Pending(key, request, model))
        usage.requests += len(keys)
        usage.unique_requests += len(unique)

        ledger = self._ledger()
        rows = ledger.lookup(unique)
        results: dict[str, LLMResult] = {}
        todo: list[_Pending] = []
        pending_batches: dict[str, list[_Pending]] = {}
        for key, item in unique.items():
            row = rows.get(key)
            cached = self._from_cache(item, row, provider)
            if cached is not None:
                results[key] = cached
                usage.cache_hits += 1
                self._count_final(usage, cached)
            elif row is not None and row["status"] == "pending" and row["batch_id"]:
                pending_batches.setdefault(row["batch_id"], []).append(item)
            else:
                todo.append(item)

        progress_total = len(todo) + sum(len(v) for v in pending_batches.values())
        if progress_total:
            log.info(f"llm: {len(keys)} requests, {len(results)} answered from llm.calls, "
                     f"{progress_total} to ask {provider} ({self.model_for('generate')}/{self.model_for('judge')})")
        recorder = _Recorder(self, ledger, usage, spend, provider, run_id, results, log, progress_total)
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

    # ---- cache -----------------------------------------------------------------------------

    def _from_cache(self, item: _Pending, row: dict[str, Any] | None, provider: str) -> LLMResult | None:
        if row is None:
            return None
        status = row["status"]
        if status == "declined":
            # A decline is an answer: asking the same model the same thing again changes nothing, and
            # a re-run with unchanged inputs must make zero calls. Offline handlers that learn a new
            # task come with a new OFFLINE_MODEL version, which changes every request hash.
            return self._result(item, row, status="declined", output=None, cached=True)
        if status != "ok":
            return None
        output = None
        if item.request.output_model is not None:
            try:
                output = item.request.output_model.model_validate_json(row["response"] or "")
            except ValidationError:
                return None  # stored under an older definition of the model: ask again
        return self._result(item, row, status="ok", output=output, cached=True)

    @staticmethod
    def _result(item: _Pending, row: dict[str, Any], *, status: str, output: Any, cached: bool) -> LLMResult:
        return LLMResult(
            request_hash=item.key, task=item.request.task, status=status,  # type: ignore[arg-type]
            provider=row["provider"], model=row["model"], output=output, text=row["response"],
            error=row["error"], cached=cached,
            input_tokens=0 if cached else int(row["input_tokens"]),
            output_tokens=0 if cached else int(row["output_tokens"]),
            cost_usd=0.0 if cached else float(row["cost_usd"]),
        )

    @staticmethod
    def _count_final(usage: Usage, result: LLMResult) -> None:
        if result.status == "ok":
            usage.ok += 1
        elif result.status == "failed":
            usage.failed += 1
        elif result.status == "declined":
            usage.declined += 1
            usage.declined_reasons[result.error or ""] += 1
        else:
            usage.skipped += 1

    # ---- spend caps ------------------------------------------------------------------------

    def _cap_reason(self, spend: _RunSpend, next_estimate: float = 0.0) -> str:
        if self.max_requests_per_run is not None and spend.requests >= self.max_requests_per_run:
            return f"max_requests_per_run={self.max_requests_per_run}"
        if self.max_usd_per_run is not None and next_estimate > 0 and \
                spend.usd + spend.reserved_usd + next_estimate > self.max_usd_per_run:
            return f"max_usd_per_run=${self.max_usd_per_run:g}"
        return ""

    # ---- providers ---------------------------------------------------------------------------

    def _run_offline(self, todo: list[_Pending], recorder: _Recorder) -> None:
        for item in todo:
            reason = self._cap_reason(recorder.spend)
            if reason:
                recorder.skip(item, reason)
                continue
            recorder.spend.requests += 1
            recorder.finish(item, offline.answer(item.request), mode="sync")

    def _run_sync(self, todo: list[_Pending], recorder: _Recorder) -> None:
        if not todo:
            return
        client = self._claude()
        secret = self._key()
        queue = list(reversed(todo))
        in_flight: dict[Future, tuple[_Pending, float]] = {}
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

    def _sync_loop(self, pool: ThreadPoolExecutor, client: Any, secret: str | None, queue: list[_Pending],
                   in_flight: dict[Future, tuple[_Pending, float]], recorder: _Recorder) -> None:
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

    def _run_batches(self, todo: list[_Pending], pending: dict[str, list[_Pending]], recorder: _Recorder) -> None:
        client = self._claude()
        secret = self._key()
        ledger = recorder.ledger
        batches: dict[str, dict[str, _Pending]] = {
            batch_id: {item.key: item for item in items} for batch_id, items in pending.items()
        }
        for batch_id in batches:
            recorder.log.info(f"llm: resuming Message Batch {batch_id} ({len(batches[batch_id])} requests pending)")

        submit: list[_Pending] = []
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


class _Recorder:
    """Prices finished requests, counts them, and writes them to `llm.calls` a few at a time."""

    def __init__(self, resource: LLMResource, ledger: Ledger, usage: Usage, spend: _RunSpend, provider: str,
                 run_id: str | None, results: dict[str, LLMResult], log: Any, total: int):
        self.resource = resource
        self.ledger = ledger
        self.usage = usage
        self.spend = spend
        self.provider = provider
        self.run_id = run_id
        self.results = results
        self.log = log
        self.buffer: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        # Opening DuckDB costs tens of milliseconds; a writer thread takes that off the thread that
        # keeps requests in flight, and groups whatever finished meanwhile into one write.
        self._queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue()
        self._write_error: BaseException | None = None
        self._written = threading.Condition()
        self.unwritten = 0  # rows handed to the writer and not yet committed
        self._writer = threading.Thread(target=self._write_loop, name="llm-ledger-writer", daemon=True)
        self._writer.start()
        self.secret = resource._key()
        from data_assets.common.progress import Progress

        self.progress = Progress(log, total, "llm requests")

    def row(self, item: _Pending, outcome: CallOutcome, *, mode: str, cost: float = 0.0) -> dict[str, Any]:
        return {
            "request_hash": item.key, "task": item.request.task, "prompt_version": item.request.prompt_version,
            "provider": self.provider, "model": item.model, "mode": mode, "status": outcome.status,
            "input_tokens": outcome.input_tokens, "output_tokens": outcome.output_tokens,
            "cache_read_tokens": outcome.cache_read_tokens, "cache_write_tokens": outcome.cache_write_tokens,
            "cost_usd": cost, "latency_ms": outcome.latency_ms, "attempts": outcome.attempts,
            "error": claude.scrub(outcome.error, self.secret), "response": claude.scrub(outcome.text, self.secret),
            "run_id": self.run_id, "batch_id": outcome.batch_id, "custom_id": outcome.custom_id,
        }

    def finish(self, item: _Pending, outcome: CallOutcome, *, mode: str, write: bool = True) -> None:
        cost = cost_usd(item.model, input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens,
                        cache_write_tokens=outcome.cache_write_tokens, cache_read_tokens=outcome.cache_read_tokens,
                        batch=mode == "batch")
        usage = self.usage
        with self.resource._lock:
            self.spend.usd += cost
            usage.calls_made += 1
            usage.attempts += outcome.attempts
            usage.input_tokens += outcome.input_tokens
            usage.output_tokens += outcome.output_tokens
            usage.cache_read_tokens += outcome.cache_read_tokens
            usage.cache_write_tokens += outcome.cache_write_tokens
            usage.cost_usd += cost
            usage.retried_faults.update(outcome.retry_failures)
            if outcome.status == "failed":
                usage.failures_by_type[outcome.failure_type or "unknown"] += 1
        row = self.row(item, outcome, mode=mode, cost=cost)
        result = LLMResult(
            request_hash=item.key, task=item.request.task, status=outcome.status,  # type: ignore[arg-type]
            provider=self.provider, model=item.model, output=outcome.output, text=row["response"],
            error=row["error"], cached=False, input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens, cost_usd=cost,
        )
        self.results[item.key] = result
        LLMResource._count_final(usage, result)
        self.buffer.append(row)
        self.progress.advance()
        # Offline answers arrive thousands a second: write them in small groups, not one connection each.
        if write and (len(self.buffer) >= 64 or time.monotonic() - self.last_flush > 1.0):
            self.flush()

    def skip(self, item: _Pending, reason: str, cap: bool = True) -> None:
        if cap:
            self.usage.cap_skipped += 1
        if cap and not self.usage.spend_cap:
            self.usage.spend_cap = reason
            self.log.warning(f"llm: spend cap reached ({reason}); the remaining requests are skipped")
        result = LLMResult(request_hash=item.key, task=item.request.task, status="skipped", provider=self.provider,
                           model=item.model, error=f"not sent: {reason}" if cap else reason)
        self.results[item.key] = result
        LLMResource._count_final(self.usage, result)
        self.progress.advance()

    def flush(self) -> None:
        """Hand the finished rows to the writer; they reach `llm.calls` within one write's time."""
        if self.buffer:
            with self._written:
                self.unwritten += len(self.buffer)
            self._queue.put(self.buffer)
            self.buffer = []
        self.last_flush = time.monotonic()

    def wait_for_writes(self, below: int) -> None:
        """Block until fewer than `below` rows wait for the writer (or a write failed)."""
        with self._written:
            self._written.wait_for(lambda: self.unwritten < below or self._write_error is not None)
        if self._write_error is not None:
            raise self._write_error

    def close(self) -> None:
        """Write everything still buffered or queued, then stop the writer; a failed write raises here."""
        self.flush()
        self._queue.put(None)
        self._writer.join()
        if self._write_error is not None:
            raise self._write_error

    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            rows = self._queue.get()
            if rows is None:
                break
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                rows.extend(more)
            try:
                self.ledger.record(rows)
            except BaseException as error:  # noqa: BLE001 - reported by close(), on the caller's thread
                self._write_error = self._write_error or error
            with self._written:
                self.unwritten -= len(rows)
                self._written.notify_all()
