"""The SFT export: curated, augmented and verified synthetic records in the chat `messages` format.

The mix is decided here: every curated record, then augmented and synthetic records up to their
configured shares of the final set, then an optional cap on the whole. Which records make the cut
is a seeded hash of the record id, never table order, so the same tables give the same files.

Every row says where it came from and what made and checked it (`SFT_SCHEMA`): `id`, `origin`
(human, augmented, synthetic), `source`, `license`, `method`, `parent_id`, `provider` and `model`
for generated rows, and `verification` (`data_assets.synth.verification`). TRL's `SFTTrainer`
reads `messages` and ignores the other columns.

The user turn is the instruction, a blank line, then the input, each stripped; the instruction
alone when there is no input (`data_assets.prefs.rubric.prompt_text`, the same join the preference
pairs and their judge see). An optional system prompt opens every conversation.

A multi-turn conversation (`conversations.documents`, curated) is exported with its turns as they
are after compliance: roles, order and its own system turn kept; the configured system prompt opens
it only when it has none.
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

from data_assets.export.files import MESSAGES, write_export
from data_assets.llm.ledger import request_hash
from data_assets.prefs.rubric import prompt_text
from data_assets.synth.prompts import VERIFY_TASK, verification_request
from data_assets.synth.verification import NONE, verification_label
from data_assets.warehouse.sql import read_sql

SUBSETS = ("curated", "augmented", "synthetic")
SFT_SCHEMA = pa.schema([
    ("id", pa.string()), ("messages", MESSAGES), ("origin", pa.string()), ("subset", pa.string()),
    ("source", pa.string()), ("license", pa.string()), ("method", pa.string()), ("parent_id", pa.string()),
    ("provider", pa.string()), ("model", pa.string()), ("verification", pa.string()),
])


@dataclass(frozen=True)
class Mix:
    max_augmented_share: float = 0.2
    max_synthetic_share: float = 0.2
    max_records: int = 0          # 0: no cap on the whole export
    include_unverified_synthetic: bool = False
    seed: int = 0


def candidate_rows(con: duckdb.DuckDBPyConnection, include_unverified: bool) -> pd.DataFrame:
    """Every record the export may draw from, each with its `verification` label."""
    rows = con.execute(read_sql("reports/sft_export_rows"), [include_unverified]).df()
    judges = verifying_models(con, rows[rows["verified_by"] == "judge"])
    rows["verification"] = [
        verification_label(provider, verified_by, bool(verified), judges.get(record_id)) if subset == "synthetic" else NONE
        for record_id, subset, provider, verified_by, verified
        in zip(rows["record_id"], rows["subset"], rows["provider"], rows["verified_by"], rows["verified"])
    ]
    return rows


def verifying_models(con: duckdb.DuckDBPyConnection, judged: pd.DataFrame) -> dict[str, str]:
    """record_id -> the model that judged each pair, found by rebuilding the pair's verification
    request and looking its hash up in `llm.calls` (synth.pairs keeps the generator's model only)."""
    if judged.empty:
        return {}
    models = [m for (m,) in con.execute("SELECT DISTINCT model FROM llm.calls WHERE task = ? ORDER BY 1", [VERIFY_TASK]).fetchall()]
    wanted: dict[str, tuple[str, str]] = {}
    for row in judged.itertuples(index=False):
        request = verification_request(row.instruction, row.input, row.response)
        for model in models:
            wanted[request_hash(request, model)] = (row.record_id, model)
    if not wanted:
        return {}
    found = con.execute("SELECT request_hash FROM llm.calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))",
                        [sorted(wanted)]).fetchall()
    return dict(wanted[h] for (h,) in found)


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


def messages(instruction: str, input_text: str, response: str, system_prompt: str = "") -> list[dict[str, str]]:
    turns = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return turns + [{"role": "user", "content": prompt_text(instruction, input_text or "")},
                    {"role": "assistant", "content": response}]


def conversation_messages(conversation: str, system_prompt: str = "") -> list[dict[str, str]]:
    turns = json.loads(conversation)
    if system_prompt and (not turns or turns[0]["role"] != "system"):
        turns = [{"role": "system", "content": system_prompt}, *turns]
    return turns


def sft_frame(rows: pd.DataFrame, mix: Mix, system_prompt: str = "") -> pd.DataFrame:
    """The export's rows: the chosen records with their messages, under the `SFT_SCHEMA` names."""
    frame = choose(rows, mix)
    conversations = frame["conversation"] if "conversation" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
    return frame.assign(
        id=frame["record_id"],
        messages=[conversation_messages(c, system_prompt) if isinstance(c, str) else messages(i, x, r, system_prompt)
                  for c, i, x, r in zip(conversations, frame["instruction"], frame["input"], frame["response"])],
    )


def write_sft(frame: pd.DataFrame, directory: Path) -> dict[str, Path]:
    return write_export(frame, SFT_SCHEMA, directory, "sft")
