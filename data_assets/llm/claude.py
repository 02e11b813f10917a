"""Claude through the official `anthropic` SDK: one structured call, and the Message Batches flow.

Retries of 429, 5xx, 529 and timeouts are the SDK's own (exponential backoff that honours
`retry-after`); this module adds what the SDK cannot know: a reply that arrived but does not
validate against the output model is asked again up to `max_validation_retries` times, and
every HTTP attempt is counted so the ledger says what a request really took.

The 2026-10-21 API version rejects `temperature` and `top_p`, so they are never sent: variety
comes from the prompts.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import anthropic
import pydantic
from anthropic import transform_schema

from data_assets.llm.ledger import CallOutcome
from data_assets.llm.types import LLMRequest

_state = threading.local()


def _attempt_state() -> dict[str, Any]:
    if not hasattr(_state, "value"):
        _state.value = {"attempts": 0, "faults": Counter(), "last_body": None}
    return _state.value


def _reset_attempt_state() -> dict[str, Any]:
    _state.value = {"attempts": 0, "faults": Counter(), "last_body": None}
    return _state.value


class AttemptTracker(anthropic.Middleware):
    """Runs inside the SDK's retry loop, once per HTTP attempt: counts attempts and faults per
    thread, and keeps the body of the last successful reply, whose text and token usage are
    needed when the SDK's parser rejects it."""

    def handle(self, request, call_next):  # type: ignore[override]
        state = _attempt_state()
        state["attempts"] += 1
        try:
            response = call_next(request)
        except anthropic.APITimeoutError:
            state["faults"]["timeout"] += 1
            raise
        except anthropic.APIConnectionError:
            state["faults"]["connection"] += 1
            raise
        if response.status_code >= 400:
            state["faults"][f"http_{response.status_code}"] += 1
        elif request.method.lower() == "post" and not request.stream:
            try:
                state["last_body"] = response.http_response.read().decode("utf-8", errors="replace")
            except Exception:  # noqa: BLE001 - the body is a diagnostic, never a reason to fail
                state["last_body"] = None
        return response


def make_client(api_key: str, base_url: str | None, max_retries: int, timeout_s: float) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=api_key,
        base_url=base_url or None,  # None lets the SDK read ANTHROPIC_BASE_URL itself
        max_retries=max_retries,
        timeout=timeout_s,
        middleware=[AttemptTracker()],
    )


def scrub(text: str | None, secret: str | None) -> str | None:
    """Belt and braces: no stored error or log line may carry the key, whatever an SDK or a proxy echoes."""
    if text is None or not secret:
        return text
    return text.replace(secret, "[redacted]")


def _usage_tokens(usage: Any) -> dict[str, int]:
    if usage is None:
        return {"input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0, "cache_write_tokens": 0}
    get = usage.get if isinstance(usage, dict) else (lambda name, default=None: getattr(usage, name, default))
    return {
        "input_tokens": int(get("input_tokens", 0) or 0),
        "output_tokens": int(get("output_tokens", 0) or 0),
        "cache_read_tokens": int(get("cache_read_input_tokens", 0) or 0),
        "cache_write_tokens": int(get("cache_creation_input_tokens", 0) or 0),
    }


def _text_of(content: Any) -> str:
    parts = []
    for block in content or []:
        kind = block.get("type") if isinstance(block, dict) else getattr(block, "type", None)
        if kind == "text":
            parts.append(block.get("text", "") if isinstance(block, dict) else block.text)
    return "".join(parts)


def _reply_of_body(body: str | None) -> tuple[str | None, dict[str, int]]:
    """Text and usage of a raw reply the parser rejected; the body itself when it is not JSON."""
    if body is None:
        return None, _usage_tokens(None)
    try:
        data = json.loads(body)
    except ValueError:
        return body, _usage_tokens(None)
    if not isinstance(data, dict):
        return body, _usage_tokens(None)
    text = _text_of(data.get("content"))
    return (text if text else body), _usage_tokens(data.get("usage"))


def message_params(request: LLMRequest, model: str) -> dict[str, Any]:
    """The Messages API body of a request, as sent in a batch (the sync path lets `parse` build it)."""
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": list(request.messages),
    }
    if request.system:
        params["system"] = request.system
    if request.output_model is not None:
        params["output_config"] = {"format": {"type": "json_schema", "schema": transform_schema(request.output_model)}}
    return params


def _add_tokens(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def call(client: anthropic.Anthropic, request: LLMRequest, model: str, *, max_validation_retries: int,
         secret: str | None) -> CallOutcome:
    """One logical request, synchronously, on the calling thread."""
    state = _reset_attempt_state()
    started = time.perf_counter()
    tokens: dict[str, int] = {}
    invalid_replies = 0
    kwargs: dict[str, Any] = {"model": model, "max_tokens": request.max_tokens, "messages": list(request.messages)}
    if request.system:
        kwargs["system"] = request.system

    def finish(status: str, **fields: Any) -> CallOutcome:
        faults = dict(state["faults"])
        if invalid_replies:
            faults["invalid_reply"] = invalid_replies
        return CallOutcome(
            status=status, attempts=state["attempts"], latency_ms=(time.perf_counter() - started) * 1000,
            retry_failures=faults, **tokens, **fields,
        )

    while True:
        state["last_body"] = None
        try:
            if request.output_model is not None:
                message = client.messages.parse(output_format=request.output_model, **kwargs)
            else:
                message = client.messages.create(**kwargs)
        except (pydantic.ValidationError, ValueError, anthropic.APIResponseValidationError) as error:
            raw, used = _reply_of_body(state["last_body"])
            _add_tokens(tokens, used)
            if _stop_reason_of_body(state["last_body"]) == "max_tokens":
                # Cut short, not wrong: asking again with the same budget is cut again, and billed.
                return finish("failed", text=scrub(raw, secret), failure_type="truncated",
                              error=_truncated(request))
            invalid_replies += 1
            if invalid_replies > max_validation_retries:
                return finish("failed", text=scrub(raw, secret), failure_type="validation",
                              error=scrub(f"reply failed validation after {invalid_replies} tries: {_short(error)}", secret))
            continue
        except anthropic.APITimeoutError as error:
            return finish("failed", failure_type="timeout", error=scrub(f"timed out: {_short(error)}", secret))
        except anthropic.APIStatusError as error:
            return finish("failed", failure_type=f"http_{error.status_code}", error=scrub(_short(error), secret))
        except anthropic.APIConnectionError as error:
            return finish("failed", failure_type="connection", error=scrub(f"connection failed: {_short(error)}", secret))

        _add_tokens(tokens, _usage_tokens(message.usage))
        text = _text_of(message.content)
        if message.stop_reason == "max_tokens":
            return finish("failed", text=scrub(text, secret), failure_type="truncated", error=_truncated(request))
        if request.output_model is None:
            return finish("ok", text=text)
        parsed = getattr(message, "parsed_output", None)
        if isinstance(parsed, request.output_model):
            return finish("ok", output=parsed, text=parsed.model_dump_json())
        # No parsed output: a refusal, or a reply cut short before any JSON (`max_tokens`).
        if message.stop_reason == "refusal":
            return finish("failed", text=scrub(text, secret), failure_type="refusal", error="the model refused")
        invalid_replies += 1
        if invalid_replies > max_validation_retries:
            return finish("failed", text=scrub(text, secret), failure_type="validation",
                          error=f"no structured output after {invalid_replies} tries (stop_reason {message.stop_reason})")


def _truncated(request: LLMRequest) -> str:
    return f"truncated: the reply was cut at max_tokens={request.max_tokens} (stop_reason max_tokens)"


def _stop_reason_of_body(body: str | None) -> str | None:
    try:
        data = json.loads(body or "")
    except ValueError:
        return None
    return data.get("stop_reason") if isinstance(data, dict) else None


def _short(error: BaseException, limit: int = 500) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= limit else text[:limit] + "..."


def batch_outcome(item: Any, request: LLMRequest | None, secret: str | None) -> CallOutcome:
    """A line of a finished batch's results, validated like a sync reply (once: a batch cannot ask again)."""
    result = item.result
    kind = result.type
    if kind != "succeeded":
        detail = ""
        if kind == "errored":
            error = getattr(result, "error", None)
            inner = getattr(error, "error", None)
            detail = f": {getattr(inner, 'type', '')} {getattr(inner, 'message', '')}".rstrip()
        return CallOutcome(status="failed", failure_type=f"batch_{kind}", attempts=1,
                           error=scrub(f"batch request {kind}{detail}", secret))
    message = result.message
    tokens = _usage_tokens(message.usage)
    text = _text_of(message.content)
    if getattr(message, "stop_reason", None) == "max_tokens" and request is not None:
        return CallOutcome(status="failed", text=scrub(text, secret), failure_type="truncated", attempts=1,
                           error=_truncated(request), **tokens)
    if request is None or request.output_model is None:
        return CallOutcome(status="ok", text=text, attempts=1, **tokens)
    try:
        output = request.output_model.model_validate_json(text)
    except (pydantic.ValidationError, ValueError) as error:
        return CallOutcome(status="failed", text=scrub(text, secret), failure_type="validation", attempts=1,
                           error=scrub(f"batch reply failed validation: {_short(error)}", secret), **tokens)
    return CallOutcome(status="ok", output=output, text=output.model_dump_json(), attempts=1, **tokens)
