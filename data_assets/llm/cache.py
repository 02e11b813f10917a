"""The cache policy: which `llm.calls` row answers a request without a call.

An `ok` row answers it when its stored reply still validates against the request's output model
(one stored under an older definition is asked again). A `declined` row answers it too: a decline
is an answer, and a re-run with unchanged inputs must make zero calls; an offline handler that
learns a new task comes with a new OFFLINE_MODEL version, which changes every request hash. A
`failed` row (a truncated reply included) or a `pending` one is not an answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from data_assets.llm.types import LLMResult
from data_assets.llm.usage import Pending


def from_cache(item: Pending, row: dict[str, Any] | None) -> LLMResult | None:
    """The cached answer to `item` in its `llm.calls` row, or None when it must be asked."""
    if row is None:
        return None
    status = row["status"]
    if status == "declined":
        return _cached(item, row, status="declined", output=None)
    if status != "ok":
        return None
    output = None
    if item.request.output_model is not None:
        try:
            output = item.request.output_model.model_validate_json(row["response"] or "")
        except ValidationError:
            return None  # stored under an older definition of the model: ask again
    return _cached(item, row, status="ok", output=output)


def _cached(item: Pending, row: dict[str, Any], *, status: str, output: Any) -> LLMResult:
    # Answered from the ledger: this run paid nothing and used no tokens for it.
    return LLMResult(
        request_hash=item.key, task=item.request.task, status=status,  # type: ignore[arg-type]
        provider=row["provider"], model=row["model"], output=output, text=row["response"],
        error=row["error"], cached=True,
    )
