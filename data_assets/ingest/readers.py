"""Reading source files row by row, turning every unreadable row into a reason instead of a crash.

Each reader yields one `SourceRow` per row of the file: either a parsed mapping or an error.
Memory stays bounded by `MAX_ROW_BYTES` per row: an oversized JSON line is skipped in chunks,
never read whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_ROW_BYTES = 1_000_000        # one record over a megabyte is not an instruction pair
MAX_JSON_FILE_BYTES = 512_000_000  # a JSON list is parsed whole; larger corpora should be JSONL
PAYLOAD_CHARS = 2_000            # how much of a rejected row raw.rejects keeps


@dataclass(frozen=True)
class SourceRow:
    position: int                    # 0-based row position in its file
    payload: str                     # the row's text as read (for ids and for raw.rejects)
    value: dict[str, Any] | None
    error: str | None = None


def read_rows(path: Path, fmt: str) -> Iterator[SourceRow]:
    readers = {"jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv, "parquet": _read_parquet}
    return readers[fmt](path)


def _read_jsonl(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as handle:
        position = -1
        while True:
            line = handle.readline(MAX_ROW_BYTES + 1)
            if not line:
                return
            position += 1
            if len(line) > MAX_ROW_BYTES and not line.endswith(b"\n"):
                head = line[:PAYLOAD_CHARS].decode("utf-8", "replace")
                size = len(line) + _skip_rest_of_line(handle)
                yield SourceRow(position, head, None, f"row is {size} bytes, over the {MAX_ROW_BYTES}-byte limit")
                continue
            if not line.strip():
                position -= 1  # blank lines are not rows
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield SourceRow(position, line.decode("utf-8", "replace"), None, f"invalid UTF-8 at byte {error.start}")
                continue
            text = text.rstrip("\r\n")
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield SourceRow(position, text, None, f"malformed JSON: {error.msg} at column {error.colno}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(position, text, None, f"expected a JSON object, got {type(value).__name__}")
                continue
            yield SourceRow(position, text, value)


def _skip_rest_of_line(handle: io.BufferedReader) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(1 << 20)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _read_json(path: Path) -> Iterator[SourceRow]:
    size = path.stat().st_size
    if size > MAX_JSON_FILE_BYTES:
        yield SourceRow(0, "", None, f"JSON file is {size} bytes, over the {MAX_JSON_FILE_BYTES}-byte limit; use JSONL")
        return
    raw = path.read_bytes()
    if not raw.strip():
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        yield SourceRow(0, raw[:PAYLOAD_CHARS].decode("utf-8", "replace"), None, f"invalid UTF-8 at byte {error.start} (whole file)")
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        yield SourceRow(0, text[:PAYLOAD_CHARS], None, f"malformed JSON file: {error.msg} at line {error.lineno} column {error.colno}")
        return
    if isinstance(document, dict):
        # A single object is one record; {"data": [...]} style wrappers are common too.
        lists = [v for v in document.values() if isinstance(v, list)]
        document = lists[0] if len(lists) == 1 and all(isinstance(x, dict) for x in lists[0]) else [document]
    if not isinstance(document, list):
        yield SourceRow(0, text[:PAYLOAD_CHARS], None, f"expected a JSON list of objects, got {type(document).__name__}")
        return
    for position, item in enumerate(document):
        payload = json.dumps(item, ensure_ascii=False, sort_keys=True)
        if not isinstance(item, dict):
            yield SourceRow(position, payload, None, f"expected a JSON object, got {type(item).__name__}")
        elif len(payload.encode("utf-8")) > MAX_ROW_BYTES:
            yield SourceRow(position, payload[:PAYLOAD_CHARS], None, f"row is over the {MAX_ROW_BYTES}-byte limit")
        else:
            yield SourceRow(position, payload, item)


def _read_csv(path: Path) -> Iterator[SourceRow]:
    # surrogateescape keeps undecodable bytes visible per field, so one bad row is rejected
    # while the rest of the file is still read.
    csv.field_size_limit(MAX_ROW_BYTES)
    with path.open("r", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield SourceRow(0, "", None, f"unreadable CSV header: {error}")
            return
        position = -1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                position += 1
                yield SourceRow(position, "", None, f"malformed CSV row: {error}")
                continue
            if not cells:
                continue
            position += 1
            payload = ",".join(cells)
            if any(_has_surrogates(c) for c in cells):
                yield SourceRow(position, payload.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), None, "invalid UTF-8")
                continue
            if len(cells) != len(header):
                yield SourceRow(position, payload[:PAYLOAD_CHARS], None, f"expected {len(header)} columns, got {len(cells)}")
                continue
            yield SourceRow(position, payload, dict(zip(header, cells)))


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_parquet(path: Path) -> Iterator[SourceRow]:
    import pyarrow.parquet as pq

    position = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        for item in batch.to_pylist():
            payload = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
            if len(payload.encode("utf-8")) > MAX_ROW_BYTES:
                yield SourceRow(position, payload[:PAYLOAD_CHARS], None, f"row is over the {MAX_ROW_BYTES}-byte limit")
            else:
                yield SourceRow(position, payload, item)
            position += 1
