"""A fake Anthropic-compatible HTTP server for tests: the real SDK talks to it over loopback.

    with FakeAnthropic(latency_s=0.0) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        ...                      # run the LLMResource with provider="anthropic"
        server.message_requests() # what was sent

Implements `POST /v1/messages` (a schema-valid JSON reply for a request with
`output_config.format`, built from the schema, or whatever `reply` returns), and the Message
Batches endpoints (`POST /v1/messages/batches`, `GET .../{id}`, `GET .../{id}/results`,
`GET /v1/messages/batches`).

Behaviours, all configurable while the server runs:
- `reply(body) -> dict | str`: script the structured reply (a dict, serialized as the reply text) or
  the raw text. `body` is the request JSON; `request_text(body)` gives the user turns as one string.
  E.g. a judge that favours the first position: `reply=lambda body: {"winner": "A", ...}`.
- `script(*faults)`: faults consumed one per `/v1/messages` request, in order: `"429"` (with
  `retry-after` = `retry_after_s`), `"500"`, `"529"`, `"slow"` (answers after `slow_s`, past the
  client's timeout), `"invalid_json"` (a 200 whose text is not the schema's JSON), `"garbage"` (a
  200 whose HTTP body is not JSON at all), `"max_tokens"` (the reply cut in half, `stop_reason`
  `max_tokens`), `None` or `"ok"` (answer normally).
- `fault_for(index, body) -> str | None`: a hook choosing the fault per request instead.
- `outage_after(n, status=500)`: every `/v1/messages` request after the first `n` fails.
- `batch_ready_after_polls`: a batch ends on its n-th retrieve (None: only after `finish_batches()`).
- `latency_s`: how long every reply takes.
- `log`: every request (method, path, JSON body, headers), to assert on.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], "dict[str, Any] | str"]
FaultHook = Callable[[int, dict[str, Any]], "str | None"]


def request_text(body: dict[str, Any]) -> str:
    """The user turns of a Messages request, joined: what a scripted reply usually looks at."""
    parts: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        else:
            parts.extend(block.get("text", "") for block in content or [] if isinstance(block, dict))
    return "\n".join(parts)


def example_for_schema(schema: dict[str, Any], root: dict[str, Any] | None = None, name: str = "value") -> Any:
    """A small value that satisfies `schema` (objects, arrays, enums, refs, anyOf, bounds)."""
    root = root or schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return example_for_schema(target, root, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_for_schema(options[0], root, name)
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: example_for_schema(sub, root, key) for key, sub in properties.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example_for_schema(schema.get("items", {}), root, name) for _ in range(count)]
    if kind == "string":
        text = f"example {name}"
        return text.ljust(int(schema.get("minLength", 0)), "x")
    if kind == "integer":
        if "minimum" in schema:
            return int(schema["minimum"])
        return int(schema["exclusiveMinimum"]) + 1 if "exclusiveMinimum" in schema else 1
    if kind == "number":
        return float(schema.get("minimum", 0.5))
    if kind == "boolean":
        return True
    return None


def default_reply(body: dict[str, Any]) -> dict[str, Any] | str:
    schema = ((body.get("output_config") or {}).get("format") or {}).get("schema")
    if schema:
        return example_for_schema(schema)
    return f"fake reply to: {request_text(body)[:80]}"


_ERRORS = {
    429: ("rate_limit_error", "rate limited"),
    500: ("api_error", "internal error"),
    503: ("api_error", "service unavailable"),
    529: ("overloaded_error", "overloaded"),
}


class FakeAnthropic:
    def __init__(
        self,
        *,
        reply: Reply | None = None,
        latency_s: float = 0.0,
        slow_s: float = 2.0,
        retry_after_s: float = 0.05,
        batch_ready_after_polls: int | None = 1,
    ) -> None:
        self.reply = reply or default_reply
        self.latency_s = latency_s
        self.slow_s = slow_s
        self.retry_after_s = retry_after_s
        self.batch_ready_after_polls = batch_ready_after_polls
        self.fault_for: FaultHook | None = None
        self.log: list[dict[str, Any]] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self._faults: list[str | None] = []
        self._outage: tuple[int, int] | None = None
        self._message_count = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every reply on a kept-alive connection.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self, "GET")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-anthropic", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ---- behaviours --------------------------------------------------------------------------

    def script(self, *faults: str | None) -> None:
        with self._lock:
            self._faults.extend(faults)

    def outage_after(self, n: int, status: int = 500) -> None:
        with self._lock:
            self._outage = (n, status)

    def end_outage(self) -> None:
        with self._lock:
            self._outage = None

    def finish_batches(self) -> None:
        with self._lock:
            for batch in self.batches.values():
                batch["ready"] = True

    def message_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.log if e["method"] == "POST" and e["path"] == "/v1/messages"]

    def batch_creates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.log if e["method"] == "POST" and e["path"] == "/v1/messages/batches"]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # ---- HTTP ----------------------------------------------------------------------------------

    def _handle(self, http: BaseHTTPRequestHandler, method: str) -> None:
        length = int(http.headers.get("content-length") or 0)
        raw = http.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        path = http.path.split("?", 1)[0]
        with self._lock:
            self.log.append({"method": method, "path": path, "body": body, "headers": dict(http.headers),
                             "at": time.monotonic()})
        try:
            if method == "POST" and path == "/v1/messages":
                self._messages(http, body)
            elif method == "POST" and path == "/v1/messages/batches":
                self._create_batch(http, body)
            elif method == "GET" and path == "/v1/messages/batches":
                self._send_json(http, 200, {"data": [self._batch_json(b) for b in self.batches.values()],
                                            "has_more": False, "first_id": None, "last_id": None})
            elif method == "GET" and path.startswith("/v1/messages/batches/") and path.endswith("/results"):
                self._batch_results(http, path.split("/")[4])
            elif method == "GET" and path.startswith("/v1/messages/batches/"):
                self._retrieve_batch(http, path.split("/")[4])
            else:
                self._send_error(http, 404, "not_found_error", f"no route {method} {path}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to answer

    def _send_json(self, http: BaseHTTPRequestHandler, status: int, payload: Any,
                   headers: dict[str, str] | None = None) -> None:
        self._send_bytes(http, status, json.dumps(payload).encode(), "application/json", headers)

    @staticmethod
    def _send_bytes(http: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str,
                    headers: dict[str, str] | None = None) -> None:
        http.send_response(status)
        http.send_header("content-type", content_type)
        http.send_header("content-length", str(len(data)))
        http.send_header("request-id", f"req_{uuid.uuid4().hex[:12]}")
        for key, value in (headers or {}).items():
            http.send_header(key, value)
        http.end_headers()
        http.wfile.write(data)
        http.wfile.flush()

    def _send_error(self, http: BaseHTTPRequestHandler, status: int, kind: str, message: str,
                    headers: dict[str, str] | None = None) -> None:
        self._send_json(http, status, {"type": "error", "error": {"type": kind, "message": message}}, headers)

    def _next_fault(self, body: dict[str, Any]) -> str | None:
        with self._lock:
            index = self._message_count
            self._message_count += 1
            if self._outage is not None and index >= self._outage[0]:
                return str(self._outage[1])
            if self.fault_for is not None:
                return self.fault_for(index, body)
            return self._faults.pop(0) if self._faults else None

    def _messages(self, http: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        fault = self._next_fault(body)
        if self.latency_s:
            time.sleep(self.latency_s)
        if fault in ("429", "500", "503", "529"):
            status = int(fault)
            kind, message = _ERRORS[status]
            headers = {"retry-after": f"{self.retry_after_s:g}"} if status == 429 else None
            self._send_error(http, status, kind, message, headers)
            return
        if fault == "slow":
            time.sleep(self.slow_s)
        if fault == "garbage":
            self._send_bytes(http, 200, b"<html>upstream proxy error: not json", "application/json")
            return
        message = self._message_json(body, invalid=fault == "invalid_json")
        if fault == "max_tokens":
            block = message["content"][0]
            block["text"] = block["text"][: max(1, len(block["text"]) // 2)]
            message["stop_reason"] = "max_tokens"
        self._send_json(http, 200, message)

    def _message_json(self, body: dict[str, Any], invalid: bool = False) -> dict[str, Any]:
        answer = self.reply(body)
        text = answer if isinstance(answer, str) else json.dumps(answer)
        if invalid:
            text = '{"this is": "not what the schema asked for", "truncated": tru'
        prompt = json.dumps(body.get("messages", [])) + str(body.get("system", ""))
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-test"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": max(1, len(prompt) // 4),
                "output_tokens": max(1, len(text) // 4),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }

    # ---- batches -----------------------------------------------------------------------------

    def _create_batch(self, http: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        batch_id = f"msgbatch_{uuid.uuid4().hex[:20]}"
        now = datetime.now(timezone.utc)
        batch = {"id": batch_id, "requests": body.get("requests", []), "polls": 0, "ready": False,
                 "created_at": now, "results": None}
        with self._lock:
            self.batches[batch_id] = batch
        self._send_json(http, 200, self._batch_json(batch))

    def _batch_json(self, batch: dict[str, Any]) -> dict[str, Any]:
        ended = batch["ready"]
        count = len(batch["requests"])
        created: datetime = batch["created_at"]
        return {
            "id": batch["id"],
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {"processing": 0 if ended else count, "succeeded": count if ended else 0,
                               "errored": 0, "canceled": 0, "expired": 0},
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "expires_at": (created + timedelta(hours=24)).isoformat().replace("+00:00", "Z"),
            "ended_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z") if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch['id']}/results" if ended else None,
        }

    def _retrieve_batch(self, http: BaseHTTPRequestHandler, batch_id: str) -> None:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is not None:
                batch["polls"] += 1
                if self.batch_ready_after_polls is not None and batch["polls"] >= self.batch_ready_after_polls:
                    batch["ready"] = True
        if batch is None:
            self._send_error(http, 404, "not_found_error", f"no batch {batch_id}")
            return
        self._send_json(http, 200, self._batch_json(batch))

    def _batch_results(self, http: BaseHTTPRequestHandler, batch_id: str) -> None:
        batch = self.batches.get(batch_id)
        if batch is None or not batch["ready"]:
            self._send_error(http, 404, "not_found_error", f"no results for {batch_id}")
            return
        if batch["results"] is None:  # answered once, like the real API: the file does not change
            lines = []
            for item in batch["requests"]:
                message = self._message_json(item.get("params", {}))
                lines.append(json.dumps({"custom_id": item["custom_id"],
                                         "result": {"type": "succeeded", "message": message}}))
            batch["results"] = ("\n".join(lines) + "\n").encode()
        self._send_bytes(http, 200, batch["results"], "application/binary")


@contextmanager
def serving_claude(monkeypatch, api_key: str, **options: Any) -> Iterator[FakeAnthropic]:
    """A running fake server with the environment pointing the real SDK at it, as a user's would
    point at a proxy: ANTHROPIC_BASE_URL, a dummy key, and DATA_ASSETS_LLM=anthropic."""
    with FakeAnthropic(**options) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", api_key)
        monkeypatch.setenv("DATA_ASSETS_LLM", "anthropic")
        yield server
