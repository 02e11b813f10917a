"""The batch path: Claude's Message Batches API (half price, slow), resumable across runs.

A batch and its pending requests are written to `llm.batches`/`llm.calls` before the first poll,
so a run interrupted while a batch is in progress collects that batch next time instead of paying
twice. Polls every `batch_poll_interval_s` until `batch_max_wait_s`, then leaves it pending.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from data_assets.llm import claude
from data_assets.llm.ledger import CallOutcome
from data_assets.llm.pricing import ANTHROPIC_PROVIDER
from data_assets.llm.recorder import Recorder
from data_assets.llm.spend import estimate_cost
from data_assets.llm.usage import Pending

if TYPE_CHECKING:
    from data_assets.llm.resource import LLMResource


def run_batches(resource: LLMResource, todo: list[Pending], pending: dict[str, list[Pending]], recorder: Recorder) -> None:
    client = resource._claude()
    secret = resource._key()
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
        reason = resource._cap_reason(recorder.spend, batch_estimate + estimate)
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

    deadline = time.monotonic() + resource.batch_max_wait_s
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
                    recorder.skip(item, f"Message Batch {batch_id} still in progress after {resource.batch_max_wait_s:g}s; "
                                        "re-run to collect it", cap=False)
            break
        time.sleep(resource.batch_poll_interval_s)
    recorder.spend.reserved_usd = max(0.0, recorder.spend.reserved_usd - batch_estimate)



def _custom_id(key: str) -> str:
    return key[:40]
