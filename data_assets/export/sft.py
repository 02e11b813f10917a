"""The SFT export: curated, augmented and verified synthetic records in the chat `messages` format.

The mix is decided here: every curated record, then augmented and synthetic records up to their
configured shares of the final set, then an optional cap on the whole. Which records make the cut
is a seeded hash of the record id, never table order, so the same tables give the same files.
Files are written to a temporary name and renamed: a reader never sees half a file, and a failed
run leaves the previous export in place.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data_assets.warehouse.sql import read_sql
from data_assets.common.files import write_atomically

SUBSETS = ("curated", "augmented", "synthetic")
PARQUET_SCHEMA = pa.schema([
    ("record_id", pa.string()), ("origin", pa.string()), ("subset", pa.string()), ("source", pa.string()),
    ("method", pa.string()), ("instruction", pa.string()), ("input", pa.string()), ("response", pa.string()),
    ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
])


@dataclass(frozen=True)
class Mix:
    max_augmented_share: float = 0.2
    max_synthetic_share: float = 0.2
    max_records: int = 0          # 0: no cap on the whole export
    include_unverified_synthetic: bool = False
    seed: int = 0


def candidate_rows(con: duckdb.DuckDBPyConnection, include_unverified: bool) -> pd.DataFrame:
    return con.execute(read_sql("reports/sft_export_rows"), [include_unverified]).df()


def _ranked(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    key = frame["record_id"].map(lambda rid: hashlib.sha256(f"{seed}\x1f{rid}".encode()).hexdigest())
    return frame.assign(_rank=key).sort_values("_rank").drop(columns="_rank")


def choose(rows: pd.DataFrame, mix: Mix) -> pd.DataFrame:
    """The records of the export. With C curated records, augmented records fill at most
    a·C/(1−a−s) and synthetic at most s·C/(1−a−s), so each stays within its share a, s of the
    total when both are full."""
    if mix.max_augmented_share < 0 or mix.max_synthetic_share < 0 or mix.max_augmented_share + mix.max_synthetic_share >= 1:
        raise ValueError("augmented and synthetic shares must be non-negative and sum to less than 1")
    by_subset = {s: _ranked(rows[rows["subset"] == s], mix.seed) for s in SUBSETS}
    curated = len(by_subset["curated"])
    rest = 1.0 - mix.max_augmented_share - mix.max_synthetic_share
    caps = {
        "curated": curated,
        "augmented": math.floor(mix.max_augmented_share * curated / rest + 1e-9),
        "synthetic": math.floor(mix.max_synthetic_share * curated / rest + 1e-9),
    }
    chosen = {s: by_subset[s].head(caps[s]) for s in SUBSETS}
    total = sum(len(f) for f in chosen.values())
    if mix.max_records and total > mix.max_records:
        # Scale every subset alike, so the cap keeps the mix.
        scale = mix.max_records / total
        chosen = {s: f.head(math.floor(len(f) * scale)) for s, f in chosen.items()}
    frame = pd.concat([chosen[s] for s in SUBSETS], ignore_index=True)
    return frame.sort_values(["subset", "record_id"], key=lambda c: c.map(SUBSETS.index) if c.name == "subset" else c,
                             ignore_index=True)


def user_content(instruction: str, input_text: str) -> str:
    return instruction + (f"\n\n{input_text}" if input_text else "")


def messages(instruction: str, input_text: str, response: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": user_content(instruction, input_text)}, {"role": "assistant", "content": response}]


def with_messages(frame: pd.DataFrame) -> pd.DataFrame:
    # dtype=object: an empty export would otherwise get a float column that Arrow cannot write as messages.
    rows = [messages(i, x or "", r) for i, x, r in zip(frame["instruction"], frame["input"], frame["response"])]
    return frame.assign(messages=pd.Series(rows, index=frame.index, dtype=object))


def write_sft(frame: pd.DataFrame, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"jsonl": directory / "sft.jsonl", "parquet": directory / "sft.parquet"}
    write_atomically(paths["jsonl"], lambda tmp: _write_jsonl(frame, tmp))
    write_atomically(paths["parquet"], lambda tmp: pq.write_table(
        pa.Table.from_pandas(frame[PARQUET_SCHEMA.names], schema=PARQUET_SCHEMA, preserve_index=False), tmp))
    return paths


def _text_or_none(value) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA else str(value)


def _write_jsonl(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in frame.itertuples(index=False):
            line = {"messages": row.messages, "record_id": row.record_id, "origin": row.origin, "subset": row.subset,
                    "source": _text_or_none(row.source), "method": _text_or_none(row.method)}
            # allow_nan=False: a NaN would make the line invalid JSON for strict readers.
            handle.write(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n")

