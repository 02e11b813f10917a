"""The recorder: prices each finished request, counts it, and writes it to `llm.calls` as it arrives.

Writes go through one writer thread, which groups whatever finished meanwhile into one short
transaction (opening DuckDB costs tens of milliseconds). `unwritten` counts the rows handed to the
writer and not yet committed; the sync loop keeps it bounded, so a killed run loses little.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from data_assets.llm import claude
from data_assets.llm.ledger import CallOutcome, Ledger
from data_assets.llm.pricing import cost_usd
from data_assets.llm.spend import RunSpend
from data_assets.llm.types import LLMResult
from data_assets.llm.usage import Pending, Usage, count_final


class Recorder:
    """Prices finished requests, counts them, and writes them to `llm.calls` a few at a time."""

    def __init__(self, lock: threading.RLock, secret: str | None, ledger: Ledger, usage: Usage, spend: RunSpend, provider: str,
                 run_id: str | None, results: dict[str, LLMResult], log: Any, total: int):
        self.lock = lock  # the resource's: spend and usage are shared by the steps of a run
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
        self.secret = secret
        from data_assets.common.progress import Progress

        self.progress = Progress(log, total, "llm requests")

    def row(self, item: Pending, outcome: CallOutcome, *, mode: str, cost: float = 0.0) -> dict[str, Any]:
        return {
            "request_hash": item.key, "task": item.request.task, "prompt_version": item.request.prompt_version,
            "provider": self.provider, "model": item.model, "mode": mode, "status": outcome.status,
            "input_tokens": outcome.input_tokens, "output_tokens": outcome.output_tokens,
            "cache_read_tokens": outcome.cache_read_tokens, "cache_write_tokens": outcome.cache_write_tokens,
            "cost_usd": cost, "latency_ms": outcome.latency_ms, "attempts": outcome.attempts,
            "error": claude.scrub(outcome.error, self.secret), "response": claude.scrub(outcome.text, self.secret),
            "run_id": self.run_id, "batch_id": outcome.batch_id, "custom_id": outcome.custom_id,
        }

    def finish(self, item: Pending, outcome: CallOutcome, *, mode: str, write: bool = True) -> None:
        cost = cost_usd(item.model, input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens,
                        cache_write_tokens=outcome.cache_write_tokens, cache_read_tokens=outcome.cache_read_tokens,
                        batch=mode == "batch")
        usage = self.usage
        with self.lock:
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
        count_final(usage, result)
        self.buffer.append(row)
        self.progress.advance()
        # Offline answers arrive thousands a second: write them in small groups, not one connection each.
        if write and (len(self.buffer) >= 64 or time.monotonic() - self.last_flush > 1.0):
            self.flush()

    def skip(self, item: Pending, reason: str, cap: bool = True) -> None:
        if cap:
            self.usage.cap_skipped += 1
        if cap and not self.usage.spend_cap:
            self.usage.spend_cap = reason
            self.log.warning(f"llm: spend cap reached ({reason}); the remaining requests are skipped")
        result = LLMResult(request_hash=item.key, task=item.request.task, status="skipped", provider=self.provider,
                           model=item.model, error=f"not sent: {reason}" if cap else reason)
        self.results[item.key] = result
        count_final(self.usage, result)
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
