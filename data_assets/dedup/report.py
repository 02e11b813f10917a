"""What the dedup asset reports: plain functions from the stage's outcome to Dagster metadata values.

"Where does the dedup asset's metadata come from?": here. `dedup_documents` runs the stage
(`stage.run_dedup`), reads the texts of the records it shows, and returns `metadata(...)`.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from data_assets.common.metadata import column_lineage, counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.dedup.minhash import candidate_probability
from data_assets.dedup.settings import DedupSettings
from data_assets.dedup.stage import DOCUMENT_COLUMNS, StageOutcome

_CLUSTERING_NOTE = {
    "representative": "`representative`: every removed record has a verified Jaccard at or above the threshold "
                      "to the record kept for it.",
    "transitive": "`transitive`: connected components of verified pairs; a removed record may be far below the "
                  "threshold to the record kept for it (see `similarity` in dedup.clusters).",
}


def by_source(outcome: StageOutcome) -> pd.DataFrame:
    frame = outcome.records[["record_id", "source"]].merge(outcome.result.decisions, on="record_id")
    frame = frame[frame["decision"] != "dropped_eval"]
    label = frame["decision"].where(frame["decision"] != "duplicate", "duplicate_" + frame["method"].fillna(""))
    table = pd.crosstab(frame["source"], label)
    for column in ["kept", "duplicate_exact", "duplicate_minhash", "contaminated"]:
        if column not in table:
            table[column] = 0
    table = table[["kept", "duplicate_exact", "duplicate_minhash", "contaminated"]]
    table.insert(0, "records", table.sum(axis=1))
    table["removed_share"] = (1 - table["kept"] / table["records"]).round(3)
    return table.reset_index()


def example_clusters(outcome: StageOutcome, texts: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    clusters = outcome.result.clusters
    if clusters.empty:
        return pd.DataFrame()
    # Near-duplicate clusters first: they are the ones a person should check.
    order = clusters.groupby("cluster_id").agg(size=("cluster_size", "first"), minhash=("method", lambda m: (m == "minhash").any()))
    chosen = order.sort_values(["minhash", "size"], ascending=[False, False]).head(limit).index
    shown = clusters[clusters["cluster_id"].isin(chosen)].merge(texts, on="record_id", how="left")
    shown["kept"] = shown["record_id"] == shown["representative_id"]
    return shown[["cluster_id", "record_id", "kept", "method", "similarity", "instruction", "response"]].round({"similarity": 3})


def shown_record_ids(outcome: StageOutcome) -> list[str]:
    """The records whose text the metadata previews: cluster members, contaminated and eval records, conflicts."""
    result = outcome.result
    return list(set(result.clusters["record_id"]) | set(result.contamination["record_id"])
                | set(result.contamination["eval_record_id"]) | set(result.conflicts["record_id"]))


def metadata(outcome: StageOutcome, settings: DedupSettings, texts: pd.DataFrame) -> dict[str, object]:
    """The materialization's metadata; `texts` holds (record_id, instruction, response) of `shown_record_ids`."""
    result = outcome.result
    decisions = result.decisions
    dropped_evals = int(result.stats["dropped_eval_references"])
    roles = outcome.records["role"]
    kept_roles = outcome.records.merge(decisions[decisions["decision"] == "kept"], on="record_id")["role"].value_counts().to_dict()
    sizes = result.clusters.drop_duplicates("cluster_id")["cluster_size"].value_counts().sort_index()
    bands, rows = settings.banding
    stats = result.stats
    has_eval = bool((roles == "eval").any())
    metadata = {
        "dagster/row_count": int(len(result.kept_ids)),
        "records_in": int(len(outcome.records)) - dropped_evals,
        "clustering": dg.MetadataValue.md(_CLUSTERING_NOTE[settings.clustering]),
        "eval_records_dropped_by_compliance": dropped_evals,
        "removed": counts_markdown({
            "duplicate (exact)": stats["duplicates_exact"], "duplicate (minhash)": stats["duplicates_minhash"],
            "contaminated (overlaps eval)": stats["contaminated"]}, "reason", "records"),
        "kept_by_role": counts_markdown(kept_roles, "role", "records"),
        "dedup_by_source": table_markdown(by_source(outcome)),
        "cluster_sizes": counts_markdown({int(k): int(v) for k, v in sizes.items()}, "cluster size", "clusters"),
        "example_clusters": preview_markdown(example_clusters(outcome, texts), max_rows=25, max_chars=80),
        "contamination": preview_markdown(result.contamination.round({"similarity": 3}).merge(texts, on="record_id", how="left"), max_rows=10, max_chars=80)
        if has_eval else dg.MetadataValue.md("_no eval records: nothing to decontaminate. The curves stage holds out a "
                                             "deterministic split of train as its eval set._"),
        "contamination_by_method": counts_markdown(result.contamination["method"].value_counts().to_dict(), "method", "records"),
        "conflicting_responses": int(stats["conflict_groups"]),
        "conflicts_preview": preview_markdown(result.conflicts.merge(texts, on="record_id", how="left"), max_rows=10, max_chars=80),
        "scheme": settings.scheme.name,
        "lsh": dg.MetadataValue.json({
            "threshold": settings.threshold, "bands": bands, "rows": rows,
            "candidate_probability_at_threshold": round(candidate_probability(settings.threshold, bands, rows), 5),
            "candidate_pairs": stats["candidate_pairs"], "verified_pairs": stats["verified_pairs"],
            "rejected_by_verification": stats["rejected_candidates"], "exact_groups": stats["exact_groups"]}),
        "records_hashed": outcome.hashed,
        "records_reused_from_signatures": outcome.reused,
        "seconds": dg.MetadataValue.json({k: round(v, 3) for k, v in outcome.seconds.items()}),
        "dagster/column_schema": table_schema("dedup.documents"),
        "dagster/column_lineage": column_lineage({c: [("compliance_documents", c)] for c in DOCUMENT_COLUMNS}),
    }
    return metadata
