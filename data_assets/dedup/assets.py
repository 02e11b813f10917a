"""Dagster wiring of the dedup stage: exact and MinHash near-duplicates, eval decontamination."""

import dagster as dg
import pandas as pd
from pydantic import Field, model_validator

from data_assets.common.checks import not_null_check, unique_key_check
from data_assets.common.metadata import column_lineage, counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.common.config import StageConfig
from data_assets.dedup.settings import Clustering, DedupSettings
from data_assets.dedup.minhash import DEFAULT_SCHEME, MinHashScheme, candidate_probability
from data_assets.dedup.stage import DOCUMENT_COLUMNS, STAGE, StageOutcome, run_dedup
from data_assets.scale import DEFAULT_RAY, RayResource
from data_assets.warehouse import WarehouseResource, read_sql


class DedupConfig(StageConfig):
    # Defaults are the stage's own (DedupSettings, DEFAULT_SCHEME), so the Launchpad and plain calls agree.
    threshold: float = Field(DedupSettings.threshold, gt=0.0, le=1.0)
    """True word-shingle Jaccard at or above which two records are near-duplicates (0 < threshold <= 1)."""
    clustering: Clustering = DedupSettings.clustering
    """representative: a record is removed only if its verified Jaccard to the record kept for it reaches the
    threshold; transitive: connected components of verified pairs (near-duplicates can chain far below it)."""
    ngram_words: int = Field(DedupSettings.ngram_words, ge=1, le=10_000)
    """A train or seed record sharing this many consecutive normalized words with an eval record is contaminated;
    at least shingle_words, since shared spans are found as runs of consecutive shingles."""
    num_perm: int = Field(DEFAULT_SCHEME.num_perm, ge=16, le=1024)
    """MinHash permutations (16 to 1024: fewer cannot band a 0.999 recall at usual thresholds, more is
    4 bytes per record and permutation of memory for no gain); changing it (or seed, shingle_words)
    re-hashes every record once."""
    seed: int = Field(DEFAULT_SCHEME.seed, ge=0, le=2**32 - 1)
    """Seed of the MinHash permutations (datasketch draws them with numpy's RandomState: 0 to 2**32 - 1)."""
    shingle_words: int = Field(DEFAULT_SCHEME.shingle_words, ge=1, le=64)
    """Words per shingle (1 to 64, and at most ngram_words); 5 by default."""

    @model_validator(mode="after")
    def _spans_need_shingles_no_longer_than_them(self) -> "DedupConfig":
        if self.ngram_words < self.shingle_words:
            raise ValueError(f"ngram_words ({self.ngram_words}) must be at least shingle_words ({self.shingle_words}): "
                             "shared spans are found as runs of consecutive shingles")
        return self

    def settings(self) -> DedupSettings:
        scheme = MinHashScheme(num_perm=self.num_perm, seed=self.seed, shingle_words=self.shingle_words)
        return DedupSettings(threshold=self.threshold, ngram_words=self.ngram_words, scheme=scheme, clustering=self.clustering)


_CLUSTERING_NOTE = {
    "representative": "`representative`: every removed record has a verified Jaccard at or above the threshold "
                      "to the record kept for it.",
    "transitive": "`transitive`: connected components of verified pairs; a removed record may be far below the "
                  "threshold to the record kept for it (see `similarity` in dedup.clusters).",
}


def _by_source(outcome: StageOutcome) -> pd.DataFrame:
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


def _example_clusters(outcome: StageOutcome, texts: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    clusters = outcome.result.clusters
    if clusters.empty:
        return pd.DataFrame()
    # Near-duplicate clusters first: they are the ones a person should check.
    order = clusters.groupby("cluster_id").agg(size=("cluster_size", "first"), minhash=("method", lambda m: (m == "minhash").any()))
    chosen = order.sort_values(["minhash", "size"], ascending=[False, False]).head(limit).index
    shown = clusters[clusters["cluster_id"].isin(chosen)].merge(texts, on="record_id", how="left")
    shown["kept"] = shown["record_id"] == shown["representative_id"]
    return shown[["cluster_id", "record_id", "kept", "method", "similarity", "instruction", "response"]].round({"similarity": 3})


@dg.asset(
    group_name="dedup",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["compliance_documents"],
    resource_defs={"ray": DEFAULT_RAY},
    description="Keeps one record per exact or near-duplicate cluster (normalized text; MinHash LSH candidates "
    "verified by true Jaccard) within each role, and removes train and seed records that overlap eval "
    "(exact, near-duplicate or a shared 13-word span). Writes dedup.documents, dedup.clusters, "
    "dedup.contamination, dedup.conflicts and the reusable dedup.signatures.",
)
def dedup_documents(context: dg.AssetExecutionContext, config: DedupConfig, warehouse: WarehouseResource,
                    ray: RayResource) -> dg.MaterializeResult:
    settings = config.settings()
    with ray.session("dedup_documents", context.run.run_id, context.log) as cluster:
        engine = {"hasher": cluster.hasher(), "pair_search": cluster.pair_search()} if cluster else {}
        outcome = run_dedup(warehouse, settings, context.run.run_id, log=context.log, **engine)
    result = outcome.result
    decisions = result.decisions
    with warehouse.connect() as con:
        ids = list(set(result.clusters["record_id"]) | set(result.contamination["record_id"]) | set(result.contamination["eval_record_id"]) | set(result.conflicts["record_id"]))
        texts = con.execute(
            "SELECT record_id, instruction, response FROM compliance.documents WHERE record_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).df() if ids else pd.DataFrame(columns=["record_id", "instruction", "response"])
    roles = outcome.records["role"]
    kept_roles = outcome.records.merge(decisions[decisions["decision"] == "kept"], on="record_id")["role"].value_counts().to_dict()
    sizes = result.clusters.drop_duplicates("cluster_id")["cluster_size"].value_counts().sort_index()
    bands, rows = settings.banding
    stats = result.stats
    has_eval = bool((roles == "eval").any())
    dropped_evals = int(stats["dropped_eval_references"])
    if dropped_evals:
        context.log.warning(f"{dropped_evals} eval records were dropped by compliance: they still decontaminate "
                            "train, seed and generated rows, and are never kept or exported")
    metadata = {
        "dagster/row_count": int(len(result.kept_ids)),
        "records_in": int(len(outcome.records)) - dropped_evals,
        "clustering": dg.MetadataValue.md(_CLUSTERING_NOTE[settings.clustering]),
        "eval_records_dropped_by_compliance": dropped_evals,
        "removed": counts_markdown({
            "duplicate (exact)": stats["duplicates_exact"], "duplicate (minhash)": stats["duplicates_minhash"],
            "contaminated (overlaps eval)": stats["contaminated"]}, "reason", "records"),
        "kept_by_role": counts_markdown(kept_roles, "role", "records"),
        "dedup_by_source": table_markdown(_by_source(outcome)),
        "cluster_sizes": counts_markdown({int(k): int(v) for k, v in sizes.items()}, "cluster size", "clusters"),
        "example_clusters": preview_markdown(_example_clusters(outcome, texts), max_rows=25, max_chars=80),
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
    if cluster is not None:
        metadata["ray"] = dg.MetadataValue.json(cluster.metadata())
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=dedup_documents, name="every_record_accounted_for", blocking=True,
                description="Every non-dropped compliance record is exactly one of: kept in dedup.documents, "
                "a dropped cluster member, or contaminated.")
def every_record_accounted_for(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        missing, overlapping = con.execute("""
            WITH removed AS (
                SELECT record_id FROM dedup.clusters WHERE record_id <> representative_id
                UNION ALL SELECT record_id FROM dedup.contamination WHERE stage = 'dedup'),
            outcome AS (SELECT record_id FROM dedup.documents UNION ALL SELECT record_id FROM removed)
            SELECT (SELECT count(*) FROM compliance.documents c WHERE status <> 'dropped'
                      AND record_id NOT IN (SELECT record_id FROM outcome)),
                   (SELECT count(*) FROM (SELECT record_id FROM outcome GROUP BY record_id HAVING count(*) > 1))
        """).fetchone()
    return dg.AssetCheckResult(passed=missing == 0 and overlapping == 0,
                               metadata={"unaccounted": int(missing), "in_more_than_one_outcome": int(overlapping)})


@dg.asset_check(asset=dedup_documents, name="removed_records_have_lineage", blocking=True,
                description="Every dropped duplicate has a duplicate_of edge to its representative and every "
                "contaminated record a contaminates_eval edge to its eval record.")
def removed_records_have_lineage(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        missing, total = con.execute(f"""
            WITH expected AS (
                SELECT record_id AS child_id, representative_id AS parent_id, 'duplicate_of' AS operation
                FROM dedup.clusters WHERE record_id <> representative_id
                UNION ALL SELECT record_id, eval_record_id, 'contaminates_eval' FROM dedup.contamination WHERE stage = '{STAGE}')
            SELECT count(*) FILTER (WHERE e.child_id IS NULL), count(*) FROM expected x
            LEFT JOIN lineage.edges e ON e.stage = '{STAGE}' AND e.child_id = x.child_id
                 AND e.parent_id = x.parent_id AND e.operation = x.operation
        """).fetchone()
    return dg.AssetCheckResult(passed=missing == 0, metadata={"removed_records": int(total), "without_edge": int(missing)})


@dg.asset_check(asset=dedup_documents, name="no_train_text_equals_eval", blocking=True,
                description="No kept train or seed record has the same normalized text as an eval record "
                "(any eval record compliance saw, dropped ones included), and no eval record is kept for export.")
def no_train_text_equals_eval(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        leaks, dropped_kept = con.execute(read_sql("reports/dedup_eval_leaks")).fetchone()
    return dg.AssetCheckResult(passed=leaks == 0 and dropped_kept == 0,
                               metadata={"leaked_records": int(leaks), "dropped_eval_records_kept": int(dropped_kept)})


ASSETS = [dedup_documents]
CHECKS = [
    unique_key_check(dedup_documents, "dedup.documents"),
    not_null_check(dedup_documents, "dedup.documents", ["record_id", "source", "role", "instruction", "input", "response"]),
    every_record_accounted_for,
    removed_records_have_lineage,
    no_train_text_equals_eval,
]
