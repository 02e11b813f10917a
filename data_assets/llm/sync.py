"""The sync path: Claude's Messages API, at most `max_in_flight` requests at a time on a thread pool.

Each request is priced before it is sent (`spend.estimate_cost`, validation re-asks included) and
stops at the run's caps; each reply goes to the recorder as it arrives. A reply waits for its
`llm.calls` write inside a second window of `max_in_flight`, so a run killed at any moment has
sent at most 2 x `max_in_flight` requests it did not record.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from data_assets.llm import claude
from data_assets.llm.ledger import CallOutcome
from data_assets.llm.recorder import Recorder
from data_assets.llm.spend import estimate_cost
from data_assets.llm.usage import Pending

if TYPE_CHECKING:
    from data_assets.llm.resource import LLMResource


def run_sync(resource: LLMResource, todo: list[Pending], recorder: Recorder) -> None:
    if not todo:
        return
    client = resource._claude()
    secret = resource._key()
    queue = list(reversed(todo))
    in_flight: dict[Future, tuple[Pending, float]] = {}
    with ThreadPoolExecutor(max_workers=max(1, resource.max_in_flight), thread_name_prefix="llm") as pool:
        try:
            _sync_loop(resource, pool, client, secret, queue, in_flight, recorder)
        except BaseException:
            # Interrupted: requests already sent are paid for, so wait for them and keep their answers.
            for future in in_flight:
                future.cancel()
            done, _ = wait(list(in_flight), timeout=resource.timeout_s * (resource.max_retries + 1))
            for future in done:
                if not future.cancelled() and future.exception() is None:
                    recorder.finish(in_flight[future][0], future.result(), mode="sync", write=False)
            raise

def _sync_loop(resource: LLMResource, pool: ThreadPoolExecutor, client: Any, secret: str | None, queue: list[Pending],
               in_flight: dict[Future, tuple[Pending, float]], recorder: Recorder) -> None:
    limit = max(1, resource.max_in_flight)
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
            estimate = estimate_cost(item.request, item.model, validation_retries=resource.max_validation_retries)
            reason = resource._cap_reason(recorder.spend, estimate)
            if reason:
                recorder.skip(item, reason)
                for rest in reversed(queue):
                    recorder.skip(rest, reason)
                queue.clear()
                break
            with recorder.lock:
                recorder.spend.requests += 1
                recorder.spend.reserved_usd += estimate
            future = pool.submit(claude.call, client, item.request, item.model,
                                 max_validation_retries=resource.max_validation_retries, secret=secret)
            in_flight[future] = (item, estimate)
        if not in_flight:
            continue
        # Also wake when the writer commits, so a slot freed by a write is refilled at once.
        done, _ = wait(list(in_flight), timeout=0.02 if recorder.unwritten else None, return_when=FIRST_COMPLETED)
        for future in done:
            item, estimate = in_flight.pop(future)
            with recorder.lock:
                recorder.spend.reserved_usd -= estimate
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - one bad request never sinks the others
                outcome = CallOutcome(status="failed", failure_type=type(error).__name__, attempts=1,
                                      error=claude.scrub(f"{type(error).__name__}: {error}", secret))
            recorder.finish(item, outcome, mode="sync", write=False)
        recorder.flush()
