"""`llm.calls`, the cache that is also the ledger: request hashes, rows, and how they are written.

Rows are written by whoever finishes a request, a few at a time, each write on its own short
connection: a run killed half-way keeps every answer it paid for, and no connection is held
while a model thinks.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb
from pydantic import BaseModel

from data_assets.llm.types import LLMRequest

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

CALL_COLUMNS = (
    "request_hash", "task", "prompt_version", "provider", "model", "mode", "status",
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "cost_usd", "prior_cost_usd", "latency_ms", "attempts", "error", "response",
    "created_at", "run_id", "batch_id", "custom_id",
)


@dataclass
class CallOutcome:
    """What one logical request came to, from any provider, before it is priced and written."""

    status: str                      # ok | failed | declined | pending
    output: BaseModel | None = None
    text: str | None = None          # validated JSON, free text, or the raw reply that failed validation
    error: str | None = None
    failure_type: str | None = None  # validation | http_429 | http_500 | timeout | declined | ...
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    attempts: int = 0
    latency_ms: float | None = None
    batch_id: str | None = None
    custom_id: str | None = None
    retry_failures: dict[str, int] = field(default_factory=dict)  # retried faults by type, even when the call ended ok


def output_schema(request: LLMRequest) -> dict[str, Any] | None:
    return request.output_model.model_json_schema() if request.output_model is not None else None


def request_hash(request: LLMRequest, model: str) -> str:
    """Everything that decides the answer, and nothing else: model, system prompt, messages,
    output schema and `max_tokens` (a larger budget changes a reply that was cut short). Sampling
    parameters are never sent (see `claude`), so they cannot change it. `context` only feeds the
    offline provider and is derived from the prompt's own inputs, so it stays out. The task is
    in, so two stages that happen to send the same words keep separate rows."""
    payload = {
        "task": request.task,
        "model": model,
        "system": request.system,
        "messages": list(request.messages),
        "output_schema": output_schema(request),
        "max_tokens": request.max_tokens,
        "prompt_version": request.prompt_version,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


_UPSERT = f"""
INSERT INTO llm.calls ({", ".join(CALL_COLUMNS)})
VALUES ({", ".join("?" for _ in CALL_COLUMNS)})
ON CONFLICT (request_hash) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in CALL_COLUMNS if c not in ("request_hash", "prior_cost_usd"))},
    prior_cost_usd = llm.calls.prior_cost_usd + CASE WHEN llm.calls.status = 'ok' THEN 0 ELSE llm.calls.cost_usd END
"""


class Ledger:
    """Reads and writes `llm.calls` and `llm.batches` through short-lived connections."""

    def __init__(self, connect: Connect):
        self._connect = connect
        self._write_lock = threading.Lock()

    def lookup(self, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(hashes))
        found: dict[str, dict[str, Any]] = {}
        if not wanted:
            return found
        with self._connect() as con:
            for chunk in _chunks(wanted):
                cursor = con.execute(
                    f"SELECT {', '.join(CALL_COLUMNS)} FROM llm.calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))",
                    [chunk],
                )
                for row in cursor.fetchall():
                    found[row[0]] = dict(zip(CALL_COLUMNS, row))
        return found

    def record(self, rows: list[dict[str, Any]]) -> None:
        """Upsert finished requests: one row per hash, however many runs touched it."""
        if not rows:
            return
        latest = {row["request_hash"]: row for row in rows}
        values = [[row.get(c) for c in CALL_COLUMNS] for row in latest.values()]
        for value in values:
            created_at = CALL_COLUMNS.index("created_at")
            value[created_at] = value[created_at] or _now()
            prior = CALL_COLUMNS.index("prior_cost_usd")
            value[prior] = value[prior] or 0.0
        with self._write_lock, self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.executemany(_UPSERT, values)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def record_batch(self, batch_id: str, provider: str, request_count: int, run_id: str | None, rows: list[dict[str, Any]]) -> None:
        """The batch and its pending requests, in one transaction, before anything waits on it."""
        with self._write_lock, self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(
                    "INSERT INTO llm.batches (batch_id, provider, status, request_count, submitted_at, run_id) "
                    "VALUES (?, ?, 'in_progress', ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING",
                    [batch_id, provider, request_count, _now(), run_id],
                )
                latest = {row["request_hash"]: row for row in rows}
                values = []
                for row in latest.values():
                    value = [row.get(c) for c in CALL_COLUMNS]
                    value[CALL_COLUMNS.index("created_at")] = _now()
                    value[CALL_COLUMNS.index("prior_cost_usd")] = 0.0
                    values.append(value)
                if values:
                    con.executemany(_UPSERT, values)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def record_spend_cap(self, run_id: str | None, step: str, reason: str, skipped: int, cost_usd: float) -> None:
        """A step the cap cut short; the counts are the step's totals so far, so a later call of the
        same step replaces them."""
        with self._write_lock, self._connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO llm.spend_caps (run_id, step, reason, requests_skipped, cost_usd, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [run_id or "no run", step, reason, skipped, cost_usd, _now()],
            )

    def mark_batch(self, batch_id: str, status: str) -> None:
        with self._write_lock, self._connect() as con:
            con.execute(
                "UPDATE llm.batches SET status = ?, collected_at = CASE WHEN ? = 'collected' THEN ? ELSE collected_at END "
                "WHERE batch_id = ?",
                [status, status, _now(), batch_id],
            )
