"""The DPO export: (prompt, chosen, rejected, pair_id) for the pairs with a consistent winner.

Written as `dpo.jsonl` and `dpo.parquet` in the exports folder, each to a temporary file then
renamed, so a reader never sees half a file and a failed run leaves the previous export intact.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from data_assets.common.files import write_atomically

DPO_COLUMNS = ["prompt", "chosen", "rejected", "pair_id"]

# Human pairs come from compliance.preferences (scanned and redacted): they calibrate the judge
# and stay out of the training export unless asked for.
_QUERY = """
SELECT p.prompt, c.text AS chosen, r.text AS rejected, p.pair_id
FROM prefs.pairs p
JOIN prefs.responses c ON c.response_id = p.chosen_id
JOIN prefs.responses r ON r.response_id = p.rejected_id
WHERE p.verdict IN ('a', 'b') AND (p.source = 'sft' OR ?)
ORDER BY p.pair_id
"""


def dpo_frame(con: duckdb.DuckDBPyConnection, include_human: bool = False) -> pd.DataFrame:
    return con.execute(_QUERY, [include_human]).df()[DPO_COLUMNS]


def write_dpo(frame: pd.DataFrame, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"jsonl": directory / "dpo.jsonl", "parquet": directory / "dpo.parquet"}
    write_atomically(paths["jsonl"], lambda tmp: _write_jsonl(frame, tmp))
    write_atomically(paths["parquet"], lambda tmp: frame.to_parquet(tmp, index=False))
    return paths


def _write_jsonl(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in frame[DPO_COLUMNS].itertuples(index=False):
            handle.write(json.dumps(dict(zip(DPO_COLUMNS, row)), ensure_ascii=False) + "\n")

