"""Ingest every configured source into frames for the raw tables."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from data_assets.conversations.turns import conversation_fields
from data_assets.ingest.readers import DELIMITERS, PAYLOAD_CHARS, SourceFile, open_source_file
from data_assets.ingest.records import RowError, canonical_fields, canonical_record, has_path, record_id
from data_assets.ingest.sources import Source, SourceConfigError, did_you_mean

DOCUMENT_COLUMNS = ["record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                    "instruction", "input", "response", "ingested_at"]
PREFERENCE_COLUMNS = ["record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                      "prompt", "chosen", "rejected", "ingested_at"]
CONVERSATION_COLUMNS = ["record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                        "messages", "turns", "feedback", "edited", "regenerated", "ingested_at"]
REJECT_COLUMNS = ["source", "source_uri", "source_row", "payload", "error", "rejected_at"]
FILE_COLUMNS = ["source", "source_uri", "sha256", "bytes", "rows_ok", "rows_rejected", "read_at"]
_COLUMNS_SHOWN = 30


@dataclass
class IngestResult:
    documents: pd.DataFrame
    rejects: pd.DataFrame
    files: pd.DataFrame
    rows_by_source: Counter = field(default_factory=Counter)
    rejects_by_reason: Counter = field(default_factory=Counter)
    rejects_by_source: Counter = field(default_factory=Counter)


@dataclass
class _Accumulator:
    documents: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    by_reason: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def ingest_sources(sources: list[Source], now: datetime | None = None, log: logging.Logger | None = None) -> IngestResult:
    """Read `sources` (all of one kind: instruction, preference or conversation) into frames.

    Every row of every file lands in exactly one of the result's `documents` or `rejects`.
    A source whose path matches nothing, or whose mapping names a column a file lacks, raises
    one `SourceConfigError` listing every such problem, before anything is written.
    """
    kinds = {(s.is_preference, bool(s.conversation)) for s in sources}
    if len(kinds) > 1:
        # Each kind has its own table and columns: mixing them would shape one like the other.
        raise ValueError("ingest_sources reads one kind of source at a time: instruction, preference or conversation")
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    acc = _Accumulator()
    files: list[dict] = []
    by_source: Counter = Counter()
    rejected_by_source: Counter = Counter()
    for source in sources:
        try:
            paths = source.files()
        except SourceConfigError as error:
            acc.problems += error.problems
            continue
        # Identical records are told apart by their repeat index within the whole source, so an
        # id does not depend on which file of the source, or which format, holds the record.
        repeats: Counter = Counter()
        for path in paths:
            uri = source.relative_uri(path)
            ok_before, rejected_before = len(acc.documents), len(acc.rejects)
            try:
                _ingest_file(source, path, uri, now, repeats, acc)
            except SourceConfigError as error:
                acc.problems += error.problems
                continue
            ok, rejected = len(acc.documents) - ok_before, len(acc.rejects) - rejected_before
            by_source[source.name] += ok
            rejected_by_source[source.name] += rejected
            files.append({
                "source": source.name, "source_uri": uri, "sha256": _sha256(path), "bytes": path.stat().st_size,
                "rows_ok": ok, "rows_rejected": rejected, "read_at": now,
            })
            if log:
                log.info(f"{source.name}: {uri}: {ok} rows, {rejected} rejected")
    if acc.problems:
        raise SourceConfigError(acc.problems)
    is_pref = bool(sources) and sources[0].is_preference
    columns = CONVERSATION_COLUMNS if sources and sources[0].conversation else PREFERENCE_COLUMNS if is_pref else DOCUMENT_COLUMNS
    return IngestResult(
        documents=pd.DataFrame(acc.documents, columns=columns),
        rejects=pd.DataFrame(acc.rejects, columns=REJECT_COLUMNS),
        files=pd.DataFrame(files, columns=FILE_COLUMNS),
        rows_by_source=by_source,
        rejects_by_reason=acc.by_reason,
        rejects_by_source=rejected_by_source,
    )


def _ingest_file(source: Source, path: Path, uri: str, now: datetime, repeats: Counter, acc: _Accumulator) -> None:
    prefix = "c" if source.conversation else "p" if source.is_preference else "r"
    wanted = source.columns_to_check()
    with open_source_file(path, source.format_of(path), source.read_options) as source_file:
        if source_file.columns is not None:
            # A header or schema tells up front: a file missing a mapped column is not read at all.
            names = set(source_file.columns)
            absent = {f: c for f, c in wanted.items() if c not in names and c.split(".")[0] not in names}
            if absent:
                raise SourceConfigError(_missing_columns(source, uri, absent, source_file.columns, source_file))
        # Rows show the rest: dotted paths into nested values, and the keys of JSON rows.
        unseen = dict(wanted)
        keys: dict[str, None] = {}
        parsed_rows = 0
        for row in source_file.rows:
            error = row.error
            fields: dict[str, str] = {}
            if error is None:
                value = row.value or {}
                parsed_rows += 1
                if unseen:
                    keys.update(dict.fromkeys(value))
                    for name in [n for n, column in unseen.items() if has_path(value, column)]:
                        del unseen[name]
                try:
                    fields = (conversation_fields(source.conversation, source.fields, value) if source.conversation
                              else canonical_fields(source, value))
                except RowError as row_error:
                    error = str(row_error)
            if error is not None:
                acc.rejects.append({"source": source.name, "source_uri": uri, "source_row": row.position,
                                    "payload": row.payload[:PAYLOAD_CHARS], "error": error, "rejected_at": now})
                acc.by_reason[_reason_kind(error)] += 1
                continue
            canonical = canonical_record(fields)
            repeat = repeats[canonical]
            repeats[canonical] += 1
            extra = {"turns": len(json.loads(fields["messages"]))} if source.conversation else {}
            acc.documents.append({
                **extra,
                "record_id": record_id(source.name, canonical, repeat, prefix),
                "source": source.name, "source_uri": uri, "source_row": row.position, "role": source.role,
                "origin": source.origin, "license": source.license, **fields, "ingested_at": now,
            })
        # Rows that never parsed say nothing about columns: they are rejected with their own reason.
        if unseen and parsed_rows:
            raise SourceConfigError(_missing_columns(source, uri, unseen, list(keys), source_file))


def _missing_columns(source: Source, uri: str, absent: dict[str, str], columns: list[str], source_file: SourceFile) -> list[str]:
    """One problem per missing column: the source, the field, the column, what the file has."""
    shown = ", ".join(repr(c) for c in columns[:_COLUMNS_SHOWN]) + (", ..." if len(columns) > _COLUMNS_SHOWN else "")
    has = f"its columns are {shown}" if columns else "it has no columns"
    delimiter = source_file.delimiter
    hint = ""
    if delimiter and len(columns) == 1:
        other = next((d for d in DELIMITERS if d != delimiter and d in columns[0]), None)
        if other:
            hint = f"; the header is one column with delimiter {delimiter!r}, but delimiter {other!r} splits it: set `delimiter: {other!r}`"
    problems = []
    for name, column in absent.items():
        guess = did_you_mean(column, columns)
        if name in source.explicit:
            problems.append(f"source {source.name!r}: column {column!r} (fields.{name}) is not in {uri}; {has}{guess}{hint}")
        else:
            problems.append(f"source {source.name!r}: field {name!r} is not mapped, so it is read from a column {column!r}, "
                            f"which {uri} does not have; map it under `fields` ({has}){guess}{hint}")
    return problems


def explain(result: IngestResult, sources: list[Source]) -> str:
    """One paragraph on what this ingest produced, and why when it produced nothing."""
    if not sources:
        return "no sources of this kind are configured: nothing to read."
    records, rejected = len(result.documents), len(result.rejects)
    lines = [f"{records} records from {len(result.files)} files of {len(sources)} sources; {rejected} rows rejected."]
    for source in sources:
        ok, bad = result.rows_by_source[source.name], result.rejects_by_source[source.name]
        if ok == 0 and bad:
            reasons = result.rejects[result.rejects["source"] == source.name]["error"].map(_reason_kind).value_counts()
            top = ", ".join(f"{reason} ({count})" for reason, count in reasons.head(3).items())
            lines.append(f"Source {source.name!r}: all {bad} rows rejected: {top}; each is in raw.rejects with its reason.")
        elif ok == 0:
            lines.append(f"Source {source.name!r}: its files hold no rows.")
    if records == 0:
        lines.append("Nothing to pass on: every later stage runs on an empty input and says so.")
    return " ".join(lines)


def _reason_kind(error: str) -> str:
    """The reason without row-specific details, for counting drops by reason."""
    for marker in (" at ", ":", " (", ", got", ";"):
        if marker in error:
            error = error.split(marker)[0]
    return error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
