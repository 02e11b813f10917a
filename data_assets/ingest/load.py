"""Ingest every configured source into frames for the raw tables."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from data_assets.ingest.readers import PAYLOAD_CHARS, read_rows
from data_assets.ingest.records import RowError, canonical_fields, record_id
from data_assets.ingest.sources import Source

DOCUMENT_COLUMNS = ["record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                    "instruction", "input", "response", "ingested_at"]
PREFERENCE_COLUMNS = ["record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                      "prompt", "chosen", "rejected", "ingested_at"]
REJECT_COLUMNS = ["source", "source_uri", "source_row", "payload", "error", "rejected_at"]
FILE_COLUMNS = ["source", "source_uri", "sha256", "bytes", "rows_ok", "rows_rejected", "read_at"]


@dataclass
class IngestResult:
    documents: pd.DataFrame
    rejects: pd.DataFrame
    files: pd.DataFrame
    rows_by_source: Counter = field(default_factory=Counter)
    rejects_by_reason: Counter = field(default_factory=Counter)


def ingest_sources(sources: list[Source], now: datetime | None = None, log: logging.Logger | None = None) -> IngestResult:
    """Read `sources` (all of one kind: instruction or preference) into frames.

    Every row of every file lands in exactly one of the result's `documents` or `rejects`.
    A source whose path matches nothing raises `SourceConfigError` naming it.
    """
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    documents: list[dict] = []
    rejects: list[dict] = []
    files: list[dict] = []
    by_source: Counter = Counter()
    by_reason: Counter = Counter()
    for source in sources:
        for path in source.files():
            uri = source.relative_uri(path)
            ok_before, rejected_before = len(documents), len(rejects)
            _ingest_file(source, path, uri, now, documents, rejects, by_reason)
            by_source[source.name] += len(documents) - ok_before
            files.append({
                "source": source.name, "source_uri": uri, "sha256": _sha256(path), "bytes": path.stat().st_size,
                "rows_ok": len(documents) - ok_before, "rows_rejected": len(rejects) - rejected_before, "read_at": now,
            })
            if log:
                log.info(f"{source.name}: {uri}: {len(documents) - ok_before} rows, {len(rejects) - rejected_before} rejected")
    is_pref = bool(sources) and sources[0].is_preference
    columns = PREFERENCE_COLUMNS if is_pref else DOCUMENT_COLUMNS
    return IngestResult(
        documents=pd.DataFrame(documents, columns=columns),
        rejects=pd.DataFrame(rejects, columns=REJECT_COLUMNS),
        files=pd.DataFrame(files, columns=FILE_COLUMNS),
        rows_by_source=by_source,
        rejects_by_reason=by_reason,
    )


def _ingest_file(source: Source, path: Path, uri: str, now: datetime, documents: list, rejects: list, by_reason: Counter) -> None:
    occurrences: Counter = Counter()
    prefix = "p" if source.is_preference else "r"
    for row in read_rows(path, source.format_of(path)):
        error = row.error
        fields: dict[str, str] = {}
        if error is None:
            try:
                fields = canonical_fields(source, row.value or {})
            except RowError as row_error:
                error = str(row_error)
        if error is not None:
            rejects.append({"source": source.name, "source_uri": uri, "source_row": row.position,
                            "payload": row.payload[:PAYLOAD_CHARS], "error": error, "rejected_at": now})
            by_reason[_reason_kind(error)] += 1
            continue
        occurrence = occurrences[row.payload]
        occurrences[row.payload] += 1
        documents.append({
            "record_id": record_id(source.name, uri, row.payload, occurrence, prefix),
            "source": source.name, "source_uri": uri, "source_row": row.position, "role": source.role,
            "origin": source.origin, "license": source.license, **fields, "ingested_at": now,
        })
        if not source.is_preference:
            documents[-1].setdefault("input", "")


def _reason_kind(error: str) -> str:
    """The reason without row-specific details, for counting drops by reason."""
    for marker in (" at ", ":", " (", ", got"):
        if marker in error:
            error = error.split(marker)[0]
    return error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
