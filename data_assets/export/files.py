"""Writing one export as `<name>.jsonl` and `<name>.parquet` with the same columns, in the same order.

Both files are written from the same list of plain records, so a reader of either sees the same
rows and the same nulls (never a NaN, which strict JSON readers reject). Each file goes to a
temporary name and is renamed, so a training job reading during a run gets the old file or the
new one, never half of one, and a failed run leaves the previous export in place.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data_assets.common.files import write_atomically

MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def plain(value: Any) -> Any:
    """A value as JSON can hold it: pandas' missing markers become None, numpy scalars Python ones."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    return value


def records(frame: pd.DataFrame, schema: pa.Schema) -> list[dict[str, Any]]:
    """The frame's rows as dicts holding exactly the schema's columns, in its order."""
    missing = [name for name in schema.names if name not in frame.columns]
    if missing:
        raise ValueError(f"export frame lacks the columns {missing}")
    return [{name: plain(value) for name, value in zip(schema.names, row)}
            for row in frame[schema.names].itertuples(index=False, name=None)]


def export_paths(directory: Path, name: str) -> dict[str, Path]:
    return {"jsonl": directory / f"{name}.jsonl", "parquet": directory / f"{name}.parquet"}


def write_export(frame: pd.DataFrame, schema: pa.Schema, directory: Path, name: str) -> dict[str, Path]:
    rows = records(frame, schema)
    directory.mkdir(parents=True, exist_ok=True)
    paths = export_paths(directory, name)
    write_atomically(paths["jsonl"], lambda tmp: _write_jsonl(rows, tmp))
    write_atomically(paths["parquet"], lambda tmp: pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp))
    return paths


def column_types(schema: pa.Schema) -> dict[str, str]:
    """Column name -> the type shown in the Dagster UI (DuckDB's spelling)."""
    return {f.name: "STRUCT(role, content)[]" if f.type == MESSAGES else "VARCHAR" for f in schema}


def _write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            # allow_nan=False: a NaN would make the line invalid JSON for strict readers.
            handle.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
