"""The per-record work of each stage as plain functions from an Arrow batch to an Arrow batch.

Ray Data calls them through `map_batches`; each one calls the stage's own function on its batch
(`scan_documents`, `hash_texts`, `record_statistics`), the same function the in-process path calls on
the whole input, so both paths compute the same thing. A batch comes to pandas the way the
in-process path reads its input (DuckDB's `.df()`), so nulls and dtypes are the same too.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.scan import FINDING_COLUMNS, PASSTHROUGH, StageResult, reason_kind, scan_documents
from data_assets.dedup.minhash import MinHashScheme
from data_assets.dedup.stage import blob_column, hash_texts, stored_features
from data_assets.dedup.text import Features
from data_assets.profile.stats import TEXT_FIELDS as PROFILE_FIELDS
from data_assets.profile.stats import record_statistics

_FINDING = pa.struct([("field", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("entity_type", pa.string()),
                      ("detector", pa.string()), ("score", pa.float64()), ("action", pa.string())])


def as_frame(batch: pa.Table) -> pd.DataFrame:
    with duckdb.connect() as con:
        con.register("_batch", batch)
        return con.execute("SELECT * FROM _batch").df()


# ---- compliance ------------------------------------------------------------------------------

def scan_schema(input_schema: pa.Schema, text_fields: tuple[str, ...]) -> pa.Schema:
    return pa.schema([
        *(input_schema.field(c) for c in PASSTHROUGH), *((f, pa.string()) for f in text_fields),
        ("status", pa.string()), ("reasons", pa.list_(pa.string())), ("findings", pa.int64()), ("redactions", pa.int64()),
        ("run_id", pa.string()), ("_findings", pa.list_(_FINDING)), ("_edge_operation", pa.string()), ("_edge_detail", pa.string()),
    ])


def scan_batch(batch: pa.Table, policy: CompliancePolicy, run_id: str, text_fields: tuple[str, ...]) -> pa.Table:
    """`scan_documents` over one batch; each document row carries its findings and lineage edge."""
    result = scan_documents(as_frame(batch), policy, run_id, text_fields=text_fields)
    documents = result.documents.copy()
    findings = result.findings.drop(columns="record_id").to_dict("records")
    by_record: dict[str, list[dict]] = {}
    for record_id, finding in zip(result.findings["record_id"], findings):
        by_record.setdefault(record_id, []).append(finding)
    edges = {child: (operation, detail) for child, _, operation, detail in result.edges}
    documents["_findings"] = [by_record.get(r, []) for r in documents["record_id"]]
    documents["_edge_operation"] = [edges.get(r, (None, None))[0] for r in documents["record_id"]]
    documents["_edge_detail"] = [edges.get(r, (None, None))[1] for r in documents["record_id"]]
    documents["reasons"] = [list(r) for r in documents["reasons"]]
    return pa.Table.from_pandas(documents, schema=scan_schema(batch.schema, text_fields), preserve_index=False)


def scan_result(table: pa.Table, text_fields: tuple[str, ...]) -> StageResult:
    """The `StageResult` that `scan_documents` returns for the whole input, from every batch's rows
    (`table` sorted by record_id, as the in-process path reads its input)."""
    extra = ["_findings", "_edge_operation", "_edge_detail"]
    documents = as_frame(table.drop_columns([*extra, "reasons"]))
    documents["reasons"] = table.column("reasons").to_pylist()
    columns = [*PASSTHROUGH, *text_fields, "status", "reasons", "findings", "redactions", "run_id"]
    documents = documents[columns]
    nested = table.column("_findings").combine_chunks()
    parents = pa.compute.list_parent_indices(nested).to_numpy()
    flat = pa.Table.from_struct_array(pa.compute.list_flatten(nested)) if len(parents) else None
    findings = as_frame(flat) if flat is not None else pd.DataFrame(columns=FINDING_COLUMNS[1:])
    findings.insert(0, "record_id", table.column("record_id").to_numpy(zero_copy_only=False)[parents] if len(parents) else [])
    findings = findings[FINDING_COLUMNS]
    operations = table.column("_edge_operation").to_pylist()
    details = table.column("_edge_detail").to_pylist()
    edges = [(r, r, op, detail) for r, op, detail in zip(table.column("record_id").to_pylist(), operations, details) if op]
    result = StageResult(documents=documents, findings=findings, edges=edges)
    result.findings_by_type.update(findings["entity_type"].tolist())
    result.actions.update(findings["action"].tolist())
    for status, reasons in zip(documents["status"], documents["reasons"]):
        if status == "dropped":
            result.drop_reasons.update(reason_kind(r) for r in reasons)
    return result


# ---- dedup -----------------------------------------------------------------------------------

def hash_batch(batch: pa.Table, scheme: MinHashScheme) -> pa.Table:
    """`hash_texts` over one batch: the columns `dedup.signatures` stores, keyed by record_id."""
    features, sigs = hash_texts(batch, scheme)
    n = batch.num_rows
    return pa.table({
        "record_id": batch.column("record_id"),
        "n_words": pa.array(features.n_words, type=pa.int64()),
        "text_key": pa.array(features.text_key, type=pa.uint64()),
        "prompt_key": pa.array(features.prompt_key, type=pa.uint64()),
        "response_key": pa.array(features.response_key, type=pa.uint64()),
        "shingles": blob_column(features.shingle_values, features.shingle_offsets),
        "signature": blob_column(sigs.ravel(), np.arange(n + 1, dtype=np.int64) * scheme.num_perm),
    })


def hashed_features(table: pa.Table, scheme: MinHashScheme) -> tuple[Features, np.ndarray]:
    """Features and (records, num_perm) signatures from `hash_batch` rows, in the rows' order."""
    features, signature_values = stored_features(table)
    return features, signature_values.reshape(table.num_rows, scheme.num_perm)


# ---- profile ---------------------------------------------------------------------------------

def profile_schema() -> pa.Schema:
    lengths = [(f"{f}_{kind}", pa.int64()) for f in PROFILE_FIELDS for kind in ("chars", "tokens")]
    empties = [(f"{f}_empty", pa.bool_()) for f in PROFILE_FIELDS]
    return pa.schema([("record_id", pa.string()), *lengths, *empties, ("language", pa.string()), ("verb", pa.string()),
                      ("exact_key", pa.string()), ("role", pa.string())])


def profile_batch(batch: pa.Table) -> pa.Table:
    """`record_statistics` over one batch."""
    stats = record_statistics(as_frame(batch))
    stats["record_id"] = stats["record_id"].astype(str)
    return pa.Table.from_pandas(stats, schema=profile_schema(), preserve_index=False)
