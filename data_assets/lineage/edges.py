"""Writing and reading `lineage.edges`."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from data_assets.warehouse.resource import replace_rows

EDGE_COLUMNS = ["child_id", "parent_id", "stage", "operation", "detail", "run_id"]


def edges_frame(rows: Iterable[tuple[str, str, str, str | None]], stage: str, run_id: str) -> pd.DataFrame:
    """Rows of (child_id, parent_id, operation, detail) as a frame ready for `lineage.edges`."""
    frame = pd.DataFrame(list(rows), columns=["child_id", "parent_id", "operation", "detail"])
    frame["stage"] = stage
    frame["run_id"] = run_id
    return frame[EDGE_COLUMNS].drop_duplicates(subset=["child_id", "parent_id", "operation"])


def replace_stage_edges(con: duckdb.DuckDBPyConnection, stage: str, frame: pd.DataFrame) -> None:
    """Replace every edge of `stage` with `frame`: a stage recomputes its edges on each run,
    so re-running never duplicates them and edges of rows that no longer exist disappear."""
    replace_rows(con, "lineage.edges", frame[EDGE_COLUMNS] if len(frame) else frame, "stage = ?", [stage])


def trace(con: duckdb.DuckDBPyConnection, record_id: str) -> pd.DataFrame:
    """The full ancestry of one record, nearest step first (see `sql/views/lineage.ancestry.sql`)."""
    return con.execute("SELECT * FROM lineage.trace(?) ORDER BY depth, stage, parent_id", [record_id]).df()
