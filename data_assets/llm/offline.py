"""The offline provider: deterministic local answers, so the pipeline runs with no API key.

What it is. With no `ANTHROPIC_API_KEY` (or with `DATA_ASSETS_LLM=offline`) every `LLMRequest`
goes to this provider instead of Claude, through the same cache (`llm.calls`), accounting and
validation as a real call. Its rows carry provider `offline` and model `offline-v1` in every
table, and cost 0. It needs no network, no model weights and no randomness: the same request
always gets the same answer, so tests and CI are reproducible.

What it does. It does not generate language. Each stage registers, in its own
`data_assets/<stage>/offline.py`, a handler per task with `@offline_handler("<stage>.<task>")`.
A handler receives the `LLMRequest` (its structured inputs are in `request.context`, so no prompt
is parsed) and returns a pydantic instance of `request.output_model` (or a `str` for a
free-text request) computed by a program: task families whose answers are computed and can be
checked, real text transformations, a documented heuristic judge. The answer is validated
against the output model exactly like a reply from Claude.

What it refuses. A task with no honest programmatic answer (translating, paraphrasing, answering
an open question) returns `Declined(reason)`, and a task with no handler at all is declined with
"offline provider cannot do <task> honestly". A declined request is recorded in `llm.calls` with
status `declined` and its reason; nothing is invented in its place. Handlers are looked up
lazily: for task `synth.generate` the provider imports `data_assets.synth.offline` (if that
module exists) so the stage's handlers are registered before the first request.
"""

from __future__ import annotations

import importlib
import json
import importlib.util
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from data_assets.llm.ledger import CallOutcome
from data_assets.llm.types import Declined, LLMRequest

OfflineAnswer = BaseModel | str | Declined
OfflineHandler = Callable[[LLMRequest], OfflineAnswer]

_HANDLERS: dict[str, OfflineHandler] = {}
_imported_stages: set[str] = set()
_registry_lock = threading.RLock()


def offline_handler(task: str) -> Callable[[OfflineHandler], OfflineHandler]:
    """Register `fn` as the offline answer to requests whose `task` is `task`."""

    def register(fn: OfflineHandler) -> OfflineHandler:
        with _registry_lock:
            _HANDLERS[task] = fn
        return fn

    return register


def handler_for(task: str) -> OfflineHandler | None:
    with _registry_lock:
        if task not in _HANDLERS:
            _import_stage_handlers(task.split(".", 1)[0])
        return _HANDLERS.get(task)


def _import_stage_handlers(stage: str) -> None:
    if stage in _imported_stages or not stage.isidentifier():
        return
    _imported_stages.add(stage)
    module = f"data_assets.{stage}.offline"
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the stage package itself does not exist
        found = False
    if found:
        importlib.import_module(module)


def cannot_do(task: str) -> Declined:
    return Declined(f"offline provider cannot do {task} honestly")


def answer(request: LLMRequest) -> CallOutcome:
    """Run the registered handler and say what came of it, in the same terms as a Claude call.

    A handler that raises, or returns something the output model rejects, is a failure of that
    request, recorded like a bad reply from Claude, never a crash of the whole asset.
    """
    started = time.perf_counter()

    def outcome(status: str, **fields: Any) -> CallOutcome:
        return CallOutcome(status=status, attempts=1, latency_ms=(time.perf_counter() - started) * 1000, **fields)

    handler = handler_for(request.task)
    if handler is None:
        return outcome("declined", error=cannot_do(request.task).reason, failure_type="declined")
    try:
        result: Any = handler(request)
    except Exception as error:  # noqa: BLE001 - the ledger records it; the run goes on
        return outcome("failed", error=f"offline handler {request.task} raised {type(error).__name__}: {error}",
                       failure_type="offline_error")
    if isinstance(result, Declined):
        return outcome("declined", error=result.reason, failure_type="declined")
    if request.output_model is None:
        if not isinstance(result, str):
            return outcome("failed", error=f"offline handler {request.task} returned {type(result).__name__} "
                           "for a free-text request", failure_type="validation")
        return outcome("ok", text=result)
    if isinstance(result, BaseModel):
        raw = result.model_dump_json()
    else:
        raw = result if isinstance(result, str) else json.dumps(result, default=str)
    try:
        if isinstance(result, BaseModel):
            output = request.output_model.model_validate(result.model_dump())
        else:
            output = request.output_model.model_validate(result)
    except ValidationError as error:
        return outcome("failed", text=raw, error=f"offline handler {request.task} output failed validation: {error}",
                       failure_type="validation")
    return outcome("ok", output=output, text=output.model_dump_json())
