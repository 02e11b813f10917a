"""Seeding the tables the augment, synth and export stages read, for their tests."""

import pandas as pd

from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import insert_frame

# The dedup.documents contract (compliance.documents minus status and reasons); IF NOT EXISTS, so the
# dedup stage's own DDL wins where it exists.
DEDUP_DOCUMENTS_DDL = """
CREATE SCHEMA IF NOT EXISTS dedup;
CREATE TABLE IF NOT EXISTS dedup.documents (
    record_id VARCHAR, source VARCHAR, source_uri VARCHAR, source_row BIGINT, role VARCHAR, origin VARCHAR,
    license VARCHAR, instruction VARCHAR, input VARCHAR, response VARCHAR
);
"""


def seed_documents(warehouse: WarehouseResource, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([
        {"source": "test", "source_uri": "test.jsonl", "source_row": i, "role": "train", "origin": "human",
         "license": "CC0-1.0", "input": "", **row}
        for i, row in enumerate(rows)
    ])
    with warehouse.connect() as con:
        con.execute(DEDUP_DOCUMENTS_DDL)
        columns = [r[0] for r in con.execute("DESCRIBE dedup.documents").fetchall()]
        insert_frame(con, "dedup.documents", frame[[c for c in frame.columns if c in columns]])
    return frame


SEED_TASKS = [
    {"record_id": "r_seed1", "role": "seed", "instruction": "Give three tips for staying healthy.", "response": "Eat well, sleep, move."},
    {"record_id": "r_seed2", "role": "seed", "instruction": "Translate the sentence into French.", "input": "Good morning", "response": "Bonjour"},
    {"record_id": "r_seed3", "role": "seed", "instruction": "Write a haiku about the sea.", "response": "Waves fold into foam, the tide keeps time."},
    {"record_id": "r_seed4", "role": "seed", "instruction": "Classify the sentiment of the review.", "input": "Great phone!", "response": "Positive"},
]
