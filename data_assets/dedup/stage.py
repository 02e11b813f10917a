"""One run of the dedup stage against the warehouse: read, hash what is new, decide, write.

Connections are short: one to read compliance output and the stored signatures, none while
hashing and clustering, one to write every result table in place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data_assets.dedup.clusters import DedupResult, deduplicate
from data_assets.dedup.contamination import contamination_edges, write_contamination
from data_assets.dedup.minhash import MinHashScheme, signatures
from data_assets.dedup.pairs import IN_PROCESS, PairSearch
from data_assets.dedup.settings import DedupSettings, write_settings
from data_assets.dedup.text import Features, featurize
from data_assets.lineage.edges import edges_frame, replace_stage_edges
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows

STAGE = "dedup"
DOCUMENT_COLUMNS = ["record_id", "source", "source_uri", "source_row", "role", "origin", "license", "instruction", "input", "response"]

# Every record compliance kept, and every eval record whatever its status: an eval item dropped for
# its license, a blocked term or a secret still decontaminates (it is never kept).
_CURRENT = """
    SELECT record_id, source, role, origin, status, length(response) AS response_chars,
           md5(concat_ws(chr(31), instruction, input, response)) AS content_hash
    FROM compliance.documents WHERE status <> 'dropped' OR role = 'eval'
"""


@dataclass
class StageOutcome:
    records: pd.DataFrame           # the input records (record_id, source, role, origin, status, response_chars)
    result: DedupResult
    hashed: int                     # records whose features were computed in this run
    reused: int                     # records whose stored signatures were reused
    seconds: dict = field(default_factory=dict)


def blob_column(values: np.ndarray, offsets: np.ndarray) -> pa.LargeBinaryArray:
    """Arrow BLOBs slicing one uint32 array, without a Python object per record."""
    byte_offsets = (np.asarray(offsets, dtype=np.int64) * 4).astype(np.int64)
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(byte_offsets) - 1, [None, pa.py_buffer(byte_offsets), pa.py_buffer(np.ascontiguousarray(values, dtype="<u4"))]
    )


def _uint32_from_blobs(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(values, offsets in values) of a BLOB column of little-endian uint32 arrays."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    column = column.cast(pa.large_binary())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64, count=len(column) + 1, offset=column.offset * 8)
    data = column.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    values = raw[offsets[0]: offsets[-1]].view("<u4").astype(np.uint32)
    return values, (offsets - offsets[0]) // 4


def read_input(con: duckdb.DuckDBPyConnection, scheme_name: str) -> tuple[pd.DataFrame, list[str], Features, np.ndarray, pa.Table]:
    """Current records, the stored features and signatures still valid for them, and the text of the rest."""
    records = con.execute(f"SELECT * FROM ({_CURRENT}) ORDER BY record_id").df()
    cached = con.sql(
        f"""SELECT s.record_id, s.n_words, s.text_key, s.prompt_key, s.response_key, s.shingles, s.signature
            FROM dedup.signatures s JOIN ({_CURRENT}) c ON c.record_id = s.record_id AND c.content_hash = s.content_hash
            WHERE s.scheme = ? ORDER BY s.record_id""",
        params=[scheme_name],
    ).to_arrow_table()
    stale = ~records["record_id"].isin(set(cached.column("record_id").to_pylist()))
    fresh_ids = pd.DataFrame({"record_id": records.loc[stale, "record_id"]})
    con.register("_dedup_fresh_ids", fresh_ids)
    try:
        texts = con.sql(
            """SELECT d.record_id, d.instruction, d.input, d.response FROM compliance.documents d
               JOIN _dedup_fresh_ids f USING (record_id) ORDER BY d.record_id"""
        ).to_arrow_table()
    finally:
        con.unregister("_dedup_fresh_ids")
    features, signature_values = stored_features(cached)
    return records, cached.column("record_id").to_pylist(), features, signature_values, texts


def stored_features(table: pa.Table) -> tuple[Features, np.ndarray]:
    """Features and the flat signature values of rows in `dedup.signatures`' columns, in the rows' order."""
    shingle_values, shingle_offsets = _uint32_from_blobs(table.column("shingles"))
    signature_values, _ = _uint32_from_blobs(table.column("signature"))
    features = Features(
        n_words=table.column("n_words").to_numpy().astype(np.int64),
        text_key=table.column("text_key").to_numpy().astype(np.uint64),
        prompt_key=table.column("prompt_key").to_numpy().astype(np.uint64),
        response_key=table.column("response_key").to_numpy().astype(np.uint64),
        shingle_offsets=shingle_offsets,
        shingle_values=shingle_values,
    )
    return features, signature_values


def hash_texts(texts: pa.Table, scheme: MinHashScheme) -> tuple[Features, np.ndarray]:
    """Features and signatures of `texts` (instruction, input, response), row-aligned: the per-record work."""
    if texts.num_rows == 0:
        return Features.empty(), np.zeros((0, scheme.num_perm), dtype=np.uint32)
    features = featurize([texts.column("instruction"), texts.column("input"), texts.column("response")], size=scheme.shingle_words)
    return features, signatures(features, scheme)


Hasher = Callable[[pa.Table, MinHashScheme], tuple[Features, np.ndarray]]


def run_dedup(warehouse: WarehouseResource, settings: DedupSettings, run_id: str, log: logging.Logger | None = None,
              hasher: Hasher = hash_texts, pair_search: PairSearch = IN_PROCESS) -> StageOutcome:
    """`hasher` and `pair_search` say where the per-record hashing and the global pair step run
    (here by default; `data_assets.scale` passes Ray versions that return the same arrays)."""
    scheme = settings.scheme
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with warehouse.connect() as con:
        con.execute("SET enable_progress_bar = false")
        records, cached_ids, cached, cached_sig_values, texts = read_input(con, scheme.name)
    seconds["read"] = time.perf_counter() - started
    cached_sigs = cached_sig_values.reshape(len(cached_ids), scheme.num_perm) if len(cached_ids) else np.zeros((0, scheme.num_perm), dtype=np.uint32)
    if log:
        log.info(f"dedup: {len(records)} records, {len(cached_ids)} with stored signatures, {texts.num_rows} to hash")

    started = time.perf_counter()
    fresh_ids = texts.column("record_id").to_pylist()
    fresh, fresh_sigs = hasher(texts, scheme)
    seconds["hash"] = time.perf_counter() - started

    started = time.perf_counter()
    all_ids = np.array(cached_ids + fresh_ids, dtype=object)
    features = Features.concat([cached, fresh])
    sigs = np.concatenate([cached_sigs, fresh_sigs])
    position = pd.Series(np.arange(len(all_ids)), index=all_ids)
    align = position.loc[records["record_id"]].to_numpy()
    result = deduplicate(records, features.take(align), sigs[align], settings, pair_search)
    seconds["decide"] = time.perf_counter() - started

    started = time.perf_counter()
    with warehouse.connect() as con:
        con.execute("SET enable_progress_bar = false")
        _write_signatures(con, records, fresh_ids, fresh, fresh_sigs, scheme.name, run_id)
        _write_results(con, result, run_id)
        write_settings(con, settings, run_id)
    seconds["write"] = time.perf_counter() - started
    return StageOutcome(records=records, result=result, hashed=len(fresh_ids), reused=len(cached_ids), seconds=seconds)


def _write_signatures(con: duckdb.DuckDBPyConnection, records: pd.DataFrame, fresh_ids: list[str], fresh: Features,
                      fresh_sigs: np.ndarray, scheme_name: str, run_id: str) -> None:
    hashes = records.set_index("record_id")["content_hash"]
    table = pa.table({
        "record_id": pa.array(fresh_ids, type=pa.string()),
        "content_hash": pa.array(hashes.loc[fresh_ids].tolist() if fresh_ids else [], type=pa.string()),
        "scheme": pa.array([scheme_name] * len(fresh_ids), type=pa.string()),
        "n_words": pa.array(fresh.n_words, type=pa.int64()),
        "text_key": pa.array(fresh.text_key, type=pa.uint64()),
        "prompt_key": pa.array(fresh.prompt_key, type=pa.uint64()),
        "response_key": pa.array(fresh.response_key, type=pa.uint64()),
        "shingles": blob_column(fresh.shingle_values, fresh.shingle_offsets),
        "signature": blob_column(fresh_sigs.ravel(), np.arange(len(fresh_ids) + 1, dtype=np.int64) * fresh_sigs.shape[1]),
        "run_id": pa.array([run_id] * len(fresh_ids), type=pa.string()),
    })
    current = pd.DataFrame({"record_id": records["record_id"]})
    con.register("_dedup_current", current)
    con.register("_dedup_new_signatures", table)
    con.execute("BEGIN TRANSACTION")
    try:
        # Rows of records that left compliance output, or whose text or scheme changed, are replaced.
        con.execute("""DELETE FROM dedup.signatures WHERE record_id NOT IN (SELECT record_id FROM _dedup_current)
                       OR record_id IN (SELECT record_id FROM _dedup_new_signatures)""")
        con.execute("INSERT INTO dedup.signatures BY NAME SELECT * FROM _dedup_new_signatures")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_dedup_current")
        con.unregister("_dedup_new_signatures")


def lineage_rows(result: DedupResult) -> list[tuple[str, str, str, str]]:
    """Edges from each removed record to the record it duplicates or the eval record it overlaps."""
    decisions = result.decisions
    rows = []
    for record_id, other, method, similarity in decisions.loc[decisions["decision"] == "duplicate", ["record_id", "other_id", "method", "similarity"]].itertuples(index=False):
        rows.append((record_id, other, "duplicate_of", "exact" if method == "exact" else f"minhash jaccard={similarity:.2f}"))
    rows.extend(contamination_edges(result.contamination))
    return rows


def _write_results(con: duckdb.DuckDBPyConnection, result: DedupResult, run_id: str) -> None:
    replace_rows(con, "dedup.clusters", result.clusters, "TRUE")
    write_contamination(con, STAGE, result.contamination)
    replace_rows(con, "dedup.conflicts", result.conflicts, "TRUE")
    kept = pd.DataFrame({"record_id": pd.Series(result.kept_ids, dtype=object)})
    columns = ", ".join(DOCUMENT_COLUMNS)
    con.register("_dedup_kept", kept)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM dedup.documents")
        con.execute(f"""INSERT INTO dedup.documents ({columns})
                        SELECT {columns} FROM compliance.documents WHERE record_id IN (SELECT record_id FROM _dedup_kept)
                        ORDER BY record_id""")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_dedup_kept")
    replace_stage_edges(con, STAGE, edges_frame(lineage_rows(result), STAGE, run_id))
