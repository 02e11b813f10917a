"""The embedding cache in DuckDB, keyed by (model, hash of the normalized text).

Like the LLM ledger: a text already embedded by this model is read back, never embedded again,
and new vectors are written chunk by chunk as they are computed, so a killed run keeps what it
did and the next run starts where it stopped.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data_assets.common.progress import Progress
from data_assets.semantic.model import Embedder

_SPACE = re.compile(r"\s+")
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def normalize(text: str) -> str:
    """What is embedded: NFC, every run of whitespace one space, trimmed. Case and punctuation
    stay, because they are meaning to the model (unlike dedup's normalization)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def text_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


@dataclass
class EmbedOutcome:
    vectors: np.ndarray      # (len(texts), dim) float32, row i for texts[i]
    embedded: int            # distinct texts computed in this call
    reused: int              # distinct texts read from the cache
    seconds: float

    @property
    def rate(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


def _blob_column(vectors: np.ndarray) -> pa.Array:
    data = np.ascontiguousarray(vectors, dtype="<f4")
    offsets = np.arange(len(data) + 1, dtype=np.int64) * data.shape[1] * 4
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def lookup(con: duckdb.DuckDBPyConnection, model_id: str, hashes: Sequence[str], dim: int) -> dict[str, np.ndarray]:
    if not hashes:
        return {}
    wanted = pa.table({"text_hash": pa.array(list(hashes), type=pa.string())})
    view = f"_semantic_wanted_{threading.get_ident()}"
    con.register(view, wanted)
    try:
        found = con.sql(f"""SELECT e.text_hash, e.vector FROM semantic.embeddings e JOIN {view} w USING (text_hash)
                            WHERE e.model = $model AND e.dim = $dim""", params={"model": model_id, "dim": dim}).to_arrow_table()
    finally:
        con.unregister(view)
    if found.num_rows == 0:
        return {}
    column = found.column("vector").combine_chunks().cast(pa.large_binary())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64, count=len(column) + 1, offset=column.offset * 8)
    raw = np.frombuffer(column.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    matrix = raw.view("<f4").reshape(len(column), dim)
    return dict(zip(found.column("text_hash").to_pylist(), matrix))


def store(con: duckdb.DuckDBPyConnection, model_id: str, hashes: Sequence[str], vectors: np.ndarray, run_id: str | None) -> None:
    """Insert vectors not stored yet; a (model, text_hash) already there is left as it is."""
    if not len(hashes):
        return
    table = pa.table({
        "model": pa.array([model_id] * len(hashes), type=pa.string()),
        "text_hash": pa.array(list(hashes), type=pa.string()),
        "dim": pa.array([vectors.shape[1]] * len(hashes), type=pa.int32()),
        "vector": _blob_column(vectors),
        "run_id": pa.array([run_id] * len(hashes), type=pa.string()),
        "created_at": pa.array([datetime.now(timezone.utc).replace(tzinfo=None)] * len(hashes), type=pa.timestamp("us")),
    })
    view = f"_semantic_new_{threading.get_ident()}"
    con.register(view, table)
    try:
        con.execute(f"""INSERT INTO semantic.embeddings BY NAME
                        SELECT n.* FROM {view} n ANTI JOIN semantic.embeddings e
                        ON e.model = n.model AND e.text_hash = n.text_hash""")
    finally:
        con.unregister(view)


def embed_texts(connect: Connect, embedder: Embedder, texts: Sequence[str], *, run_id: str | None = None,
                log: logging.Logger | None = None, chunk_size: int = 512, label: str = "embeddings") -> EmbedOutcome:
    """Vectors for `texts` (row-aligned), reading what the cache has and embedding the rest."""
    started = time.perf_counter()
    normalized = [normalize(t) for t in texts]
    hashes = [text_hash(t) for t in normalized]
    unique = list(dict.fromkeys(hashes))
    with connect() as con:
        cached = lookup(con, embedder.model_id, unique, embedder.dim)
    missing = [h for h in unique if h not in cached]
    text_of = dict(zip(hashes, normalized))
    if log and missing:
        log.info(f"{label}: {len(unique)} distinct texts, {len(cached)} from semantic.embeddings, {len(missing)} to embed "
                 f"with {embedder.model_id}")
    progress = Progress(log, len(missing), label)
    for start in range(0, len(missing), chunk_size):
        part = missing[start:start + chunk_size]
        vectors = embedder.encode([text_of[h] for h in part])
        # Written per chunk: an interrupted run keeps every vector it paid for.
        with connect() as con:
            store(con, embedder.model_id, part, vectors, run_id)
        cached.update(zip(part, vectors))
        progress.advance(len(part))
    matrix = np.stack([cached[h] for h in hashes]).astype(np.float32) if hashes else np.zeros((0, embedder.dim), dtype=np.float32)
    return EmbedOutcome(vectors=matrix, embedded=len(missing), reused=len(unique) - len(missing), seconds=time.perf_counter() - started)


def prompt_text(instruction: str, input_text: str) -> str:
    """The text a record is embedded by: its task (instruction and input), not its answer, since a
    rephrased eval question is contamination whatever answer it carries."""
    return instruction + (f"\n\n{input_text}" if input_text else "")


def prompt_texts(frame: pd.DataFrame) -> list[str]:
    return [prompt_text(i or "", n or "") for i, n in zip(frame["instruction"], frame["input"])]
