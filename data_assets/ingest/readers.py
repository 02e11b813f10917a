"""Reading source files row by row, turning every unreadable row into a reason instead of a crash.

`open_source_file` decodes a file (see `encoding.py`) and gives its columns where the format
declares them (a CSV header, a Parquet schema) before any row is read, and an iterator of one
`SourceRow` per row: either a parsed mapping or an error. Memory stays bounded by
`MAX_ROW_BYTES` per row: an oversized JSON line is skipped in chunks, never read whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_assets.ingest.encoding import (
    Decoding, FileEncodingError, choose_decoding, encoding_hint, first_invalid, invalid_reason, read_head, readable,
)

MAX_ROW_BYTES = 1_000_000        # one record over a megabyte is not an instruction pair
MAX_JSON_FILE_BYTES = 512_000_000  # a JSON list is parsed whole; larger corpora should be JSONL
PAYLOAD_CHARS = 2_000            # how much of a rejected row raw.rejects keeps
DELIMITERS = ",;\t|"             # what a CSV's delimiter is sniffed among
SNIFF_CHARS = 64_000


@dataclass(frozen=True)
class SourceRow:
    position: int                    # 0-based row position in its file
    payload: str                     # the row's text as read (for raw.rejects)
    value: dict[str, Any] | None
    error: str | None = None


@dataclass
class SourceFile:
    rows: Iterator[SourceRow]
    columns: list[str] | None = None  # the CSV header or Parquet columns; None where each row has its own keys
    delimiter: str | None = None      # the CSV delimiter used, given or sniffed


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None   # None: a BOM decides, else UTF-8
    delimiter: str | None = None  # None: sniffed (CSV only)


@contextmanager
def open_source_file(path: Path, fmt: str, options: ReadOptions = ReadOptions()) -> Iterator[SourceFile]:
    """The rows of one file. A file that cannot be decoded at all (a byte-order mark that
    contradicts the source's `encoding`, UTF-16 without a mark) is one reject saying so."""
    with ExitStack() as stack:
        if fmt == "parquet":
            yield _parquet_file(path)
            return
        try:
            decoding = choose_decoding(read_head(path), options.encoding)
        except FileEncodingError as error:
            yield SourceFile(rows=iter([SourceRow(0, "", None, str(error))]))
            return
        declared = options.encoding is not None
        if fmt == "jsonl":
            yield SourceFile(rows=_read_jsonl(stack.enter_context(decoding.open(path, newline="\n")), decoding, declared))
        elif fmt == "json":
            yield SourceFile(rows=_read_json(path, decoding, declared))
        else:
            yield _csv_file(path, decoding, declared, options.delimiter, stack)


def read_rows(path: Path, fmt: str, options: ReadOptions = ReadOptions()) -> Iterator[SourceRow]:
    with open_source_file(path, fmt, options) as source_file:
        yield from source_file.rows


def _read_jsonl(handle: io.TextIOWrapper, decoding: Decoding, declared: bool) -> Iterator[SourceRow]:
    position = -1
    while True:
        line = handle.readline(MAX_ROW_BYTES + 1)
        if not line:
            return
        position += 1
        if len(line) > MAX_ROW_BYTES and not line.endswith("\n"):
            size = len(line.encode("utf-8", "surrogatepass")) + _skip_rest_of_line(handle)
            yield SourceRow(position, readable(line[:PAYLOAD_CHARS]), None,
                            f"row is {size} bytes, over the {MAX_ROW_BYTES}-byte limit")
            continue
        if not line.strip():
            position -= 1  # blank lines are not rows
            continue
        text = line.rstrip("\r\n")
        bad = first_invalid(text)
        if bad is not None:
            yield SourceRow(position, readable(text[:PAYLOAD_CHARS]), None, invalid_reason(text, bad, decoding, declared))
            continue
        # A character is at most 4 bytes: only a long row needs encoding to measure it.
        if len(text) > MAX_ROW_BYTES // 4 and len(text.encode("utf-8")) > MAX_ROW_BYTES:
            yield SourceRow(position, text[:PAYLOAD_CHARS], None, f"row is over the {MAX_ROW_BYTES}-byte limit")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield SourceRow(position, text, None, f"malformed JSON: {error.msg} at column {error.colno}")
            continue
        if not isinstance(value, dict):
            yield SourceRow(position, text, None, f"expected a JSON object, got {type(value).__name__}")
            continue
        yield SourceRow(position, text, value)


def _skip_rest_of_line(handle: io.TextIOWrapper) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(1 << 20)
        skipped += len(chunk.encode("utf-8", "surrogatepass"))
        if not chunk or chunk.endswith("\n"):
            return skipped


def _read_json(path: Path, decoding: Decoding, declared: bool) -> Iterator[SourceRow]:
    size = path.stat().st_size
    if size > MAX_JSON_FILE_BYTES:
        yield SourceRow(0, "", None, f"JSON file is {size} bytes, over the {MAX_JSON_FILE_BYTES}-byte limit; use JSONL")
        return
    raw = path.read_bytes()
    try:
        text = decoding.decode(raw)
    except UnicodeDecodeError as error:
        yield SourceRow(0, raw[:PAYLOAD_CHARS].decode("utf-8", "replace"), None,
                        f"invalid {decoding.label} at byte {error.start + decoding.skip} (whole file){encoding_hint(declared)}")
        return
    if not text.strip():
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
        elif len(payload.encode("utf-8", "surrogatepass")) > MAX_ROW_BYTES:
            yield SourceRow(position, payload[:PAYLOAD_CHARS], None, f"row is over the {MAX_ROW_BYTES}-byte limit")
        else:
            yield SourceRow(position, payload, item)


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV that starts with `sample`, among `DELIMITERS`.

    `csv.Sniffer` weighs how consistently each character repeats line by line; when it cannot
    decide (one column, or too few lines), the candidate that splits the header into the most
    columns wins, and a comma when none splits it.
    """
    lines = sample[: sample.rfind("\n") + 1] or sample  # whole lines only
    try:
        return csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    header = lines.splitlines()[0] if lines.strip() else ""
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


def _csv_file(path: Path, decoding: Decoding, declared: bool, delimiter: str | None, stack: ExitStack) -> SourceFile:
    if delimiter is None:
        with decoding.open(path, newline="") as probe:
            delimiter = sniff_delimiter(probe.read(SNIFF_CHARS))
    # The csv module wants newline="" so quoted fields keep their own line breaks.
    handle = stack.enter_context(decoding.open(path, newline=""))
    csv.field_size_limit(MAX_ROW_BYTES)
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:  # an empty file: no header, no rows, nothing to check its mapping against
        return SourceFile(rows=iter(()), delimiter=delimiter)
    except csv.Error as error:
        return SourceFile(rows=iter([SourceRow(0, "", None, f"unreadable CSV header: {error}")]), delimiter=delimiter)
    for cell in header:
        bad = first_invalid(cell)
        if bad is not None:
            reason = "CSV header: " + invalid_reason(cell, bad, decoding, declared)
            return SourceFile(rows=iter([SourceRow(0, readable(delimiter.join(header)), None, reason)]), delimiter=delimiter)
    return SourceFile(rows=_csv_rows(reader, header, delimiter, decoding, declared), columns=header, delimiter=delimiter)


def _csv_rows(reader, header: list[str], delimiter: str, decoding: Decoding, declared: bool) -> Iterator[SourceRow]:
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
        payload = delimiter.join(cells)
        bad = first_invalid(payload)
        if bad is not None:
            yield SourceRow(position, readable(payload[:PAYLOAD_CHARS]), None, invalid_reason(payload, bad, decoding, declared))
            continue
        if len(cells) != len(header):
            yield SourceRow(position, payload[:PAYLOAD_CHARS], None,
                            f"expected {len(header)} columns, got {len(cells)} (delimiter {delimiter!r})")
            continue
        yield SourceRow(position, payload, dict(zip(header, cells)))


def _parquet_file(path: Path) -> SourceFile:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    return SourceFile(rows=_parquet_rows(parquet), columns=list(parquet.schema_arrow.names))


def _parquet_rows(parquet) -> Iterator[SourceRow]:
    position = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for item in batch.to_pylist():
            payload = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
            if len(payload.encode("utf-8")) > MAX_ROW_BYTES:
                yield SourceRow(position, payload[:PAYLOAD_CHARS], None, f"row is over the {MAX_ROW_BYTES}-byte limit")
            else:
                yield SourceRow(position, payload, item)
            position += 1
