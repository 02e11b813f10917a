"""What the dataset card and the report page say, read once from the warehouse and the export files.

The card describes the files people train on, so the export mix is counted from the files
themselves (sft.parquet, dpo.parquet), never from what a stage meant to write. Nothing here holds
record text: ids, counts, rates and reasons only, so neither page can leak PII.

Tables another stage owns may gain columns (the curves stage's `informative` flag, for one):
everything here reads whatever columns exist and shows the optional ones only when present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from data_assets.warehouse.sql import read_sql


@dataclass
class RunFacts:
    exports_dir: Path
    sft: pd.DataFrame                 # sft.parquet without the messages
    dpo: pd.DataFrame                 # dpo.parquet without the texts
    sources: pd.DataFrame
    rows_per_stage: pd.DataFrame
    drops: pd.DataFrame               # stage, kept_in, reason, rows
    compliance_status: dict[str, int]
    policy: dict
    cluster_sizes: pd.DataFrame
    duplicates_by_method: dict[str, int]
    contamination_by_method: dict[str, int]
    pairs_by_verdict: pd.DataFrame    # source, verdict, pairs
    bias: dict                        # the latest prefs.bias row, {} when there is none
    fits: pd.DataFrame
    points: pd.DataFrame
    profile: pd.DataFrame             # the latest snapshot of each dataset
    llm_usage: pd.DataFrame
    tables: pd.DataFrame              # schema, table, rows: every warehouse table
    example_ids: dict[str, str] = field(default_factory=dict)   # origin -> one exported SFT id
    traces: dict[str, pd.DataFrame] = field(default_factory=dict)  # example id -> its lineage steps (ids only)
    edge_stages: set[str] = field(default_factory=set)             # stages that wrote lineage edges

    @property
    def offline_judge(self) -> bool:
        return self.bias.get("provider") == "offline"

    def curated_languages(self) -> list[str]:
        shares = self.profile[(self.profile["dataset"] == "curated") & (self.profile["statistic"] == "language_share")]
        return [str(code) for code in shares.sort_values("value", ascending=False)["label"] if code and code != "und"]


def read_facts(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> RunFacts:
    sft = _read_export(exports_dir / "sft.parquet", drop=["messages"])
    dpo = _read_export(exports_dir / "dpo.parquet", drop=["prompt", "chosen", "rejected"])
    policy_row = con.execute("SELECT policy FROM compliance.policy ORDER BY written_at DESC LIMIT 1").fetchone()
    bias = con.execute("SELECT * FROM prefs.bias ORDER BY measured_at DESC LIMIT 1").df()
    tables = con.execute(
        "SELECT table_schema AS schema, table_name AS table FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2").df()
    tables["rows"] = [con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in zip(tables["schema"], tables["table"])]
    examples = {origin: str(group["id"].min()) for origin, group in sft.groupby("origin")} if len(sft) else {}
    traces = {rid: con.execute(
        "SELECT depth, stage, operation, child_id, parent_id, source, source_row FROM lineage.trace(?) "
        "ORDER BY depth, stage, parent_id LIMIT 20", [rid]).df() for rid in examples.values()}
    return RunFacts(
        exports_dir=exports_dir,
        sft=sft,
        dpo=dpo,
        sources=con.execute(read_sql("reports/publish_sources")).df(),
        rows_per_stage=con.execute(read_sql("reports/rows_per_stage")).df()[["stage", "rows"]],
        drops=con.execute(read_sql("reports/drops_by_reason")).df(),
        compliance_status=dict(con.execute("SELECT status, count(*) FROM compliance.documents GROUP BY 1 ORDER BY 1").fetchall()),
        policy=json.loads(policy_row[0]) if policy_row else {},
        cluster_sizes=con.execute(read_sql("reports/publish_cluster_sizes")).df(),
        duplicates_by_method=dict(con.execute(
            "SELECT method, count(*) FROM dedup.clusters WHERE record_id <> representative_id GROUP BY 1 ORDER BY 1").fetchall()),
        contamination_by_method=dict(con.execute(
            "SELECT method, count(DISTINCT record_id) FROM dedup.contamination GROUP BY 1 ORDER BY 1").fetchall()),
        pairs_by_verdict=con.execute(
            "SELECT source, verdict, count(*) AS pairs FROM prefs.pairs GROUP BY ALL ORDER BY source, verdict").df(),
        bias={k: _plain(v) for k, v in bias.iloc[0].items()} if len(bias) else {},
        fits=con.execute("SELECT * FROM curves.fits ORDER BY trainer, variant").df(),
        points=con.execute(
            "SELECT variant, trainer, metric, n, avg(value) AS value FROM curves.points GROUP BY ALL ORDER BY trainer, variant, n").df(),
        profile=con.execute(read_sql("reports/publish_profile_latest")).df(),
        llm_usage=con.execute(read_sql("reports/publish_llm_usage")).df(),
        tables=tables,
        example_ids=examples,
        edge_stages={stage for (stage,) in con.execute("SELECT DISTINCT stage FROM lineage.edges").fetchall()},
        traces=traces,
    )


def _read_export(path: Path, drop: list[str]) -> pd.DataFrame:
    """An export's provenance columns; empty when the file is absent (the export has not run)."""
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_parquet(path)
    return frame.drop(columns=[c for c in drop if c in frame.columns])


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def size_category(rows: int) -> str:
    """Hugging Face's size_categories bucket for a row count."""
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                        (10_000_000, "1M<n<10M")):
        if rows < limit:
            return name
    return "10M<n<100M"
