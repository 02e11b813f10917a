"""Row lineage: edges written by stages, and the SQL that walks them back to a source row."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from data_assets.lineage import edges_frame, replace_stage_edges, trace
from data_assets.reporting import trace_text
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import insert_frame


def _raw(con, record_id: str, row: int) -> None:
    insert_frame(con, "raw.documents", pd.DataFrame([{
        "record_id": record_id, "source": "s", "source_uri": "data/s.jsonl", "source_row": row, "role": "train",
        "origin": "human", "license": "CC0-1.0", "instruction": "q", "input": "", "response": "a", "ingested_at": datetime(2026, 1, 1),
    }]))


def test_trace_walks_every_stage_back_to_the_source_row(warehouse: WarehouseResource):
    with warehouse.connect() as con:
        _raw(con, "r_a", 3)
        _raw(con, "r_b", 4)
        replace_stage_edges(con, "compliance", edges_frame([("r_a", "r_a", "redact", "EMAIL x1")], "compliance", "run1"))
        replace_stage_edges(con, "dedup", edges_frame([("r_b", "r_a", "duplicate_of", "minhash jaccard=0.81")], "dedup", "run1"))
        replace_stage_edges(con, "augment", edges_frame([("aug_1", "r_a", "noise", None)], "augment", "run1"))
        replace_stage_edges(con, "prefs", edges_frame([("pair_1", "aug_1", "prompt", None), ("pair_1", "r_b", "response_a", None)], "prefs", "run1"))
        steps = trace(con, "pair_1")
        roots = con.execute("SELECT root_id, source_uri, source_row FROM lineage.roots WHERE record_id = 'pair_1' ORDER BY root_id").fetchall()
    # pair_1 -> aug_1 -> r_a (redacted) and pair_1 -> r_b -> r_a: both paths reach source rows.
    reached = set(zip(steps["child_id"], steps["parent_id"]))
    assert {("pair_1", "aug_1"), ("aug_1", "r_a"), ("r_a", "r_a"), ("pair_1", "r_b"), ("r_b", "r_a")} <= reached
    assert roots == [("r_a", "data/s.jsonl", 3), ("r_b", "data/s.jsonl", 4)]
    text, found = trace_text(warehouse, "pair_1")
    assert found and "row 3 of data/s.jsonl" in text and "redact (EMAIL x1)" in text


def test_stage_edges_are_replaced_not_duplicated(warehouse: WarehouseResource):
    frame = edges_frame([("c", "p", "paraphrase", None), ("c", "p", "paraphrase", None)], "augment", "run1")
    with warehouse.connect() as con:
        replace_stage_edges(con, "augment", frame)
        replace_stage_edges(con, "augment", edges_frame([("c", "p", "paraphrase", None)], "augment", "run2"))
        rows = con.execute("SELECT child_id, parent_id, run_id FROM lineage.edges").fetchall()
    assert rows == [("c", "p", "run2")]


def test_trace_survives_a_cycle(warehouse: WarehouseResource):
    with warehouse.connect() as con:
        replace_stage_edges(con, "x", edges_frame([("a", "b", "op", None), ("b", "a", "op", None)], "x", "r"))
        steps = trace(con, "a")
    assert len(steps) == 2
