"""Dagster wiring of the dedup stage: exact and MinHash near-duplicates, eval decontamination."""

import dagster as dg
import pandas as pd
from pydantic import Field, model_validator

from data_assets.common.checks import not_null_check, unique_key_check
from data_assets.common.config import StageConfig
from data_assets.dedup.settings import Clustering, DedupSettings
from data_assets.dedup import report
from data_assets.dedup.minhash import DEFAULT_SCHEME, MinHashScheme
from data_assets.dedup.stage import STAGE, run_dedup
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
    dropped_evals = int(outcome.result.stats["dropped_eval_references"])
    if dropped_evals:
        context.log.warning(f"{dropped_evals} eval records were dropped by compliance: they still decontaminate "
                            "train, seed and generated rows, and are never kept or exported")
    with warehouse.connect() as con:
        ids = report.shown_record_ids(outcome)
        texts = con.execute(
            "SELECT record_id, instruction, response FROM compliance.documents WHERE record_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).df() if ids else pd.DataFrame(columns=["record_id", "instruction", "response"])
    metadata = report.metadata(outcome, settings, texts)
    if cluster is not None:
        metadata["ray"] = dg.MetadataValue.json(cluster.metadata())
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=dedup_documents, name="every_record_accounted_for", blocking=True,
                description="Every non-dropped compliance record is exactly one of: kept in dedup.documents, "
                "a dropped cluster member, or contaminated.")
def every_record_accounted_for(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        missing, overlapping = con.execute(read_sql("checks/dedup_every_record_accounted_for")).fetchone()
    return dg.AssetCheckResult(passed=missing == 0 and overlapping == 0,
                               metadata={"unaccounted": int(missing), "in_more_than_one_outcome": int(overlapping)})


@dg.asset_check(asset=dedup_documents, name="removed_records_have_lineage", blocking=True,
                description="Every dropped duplicate has a duplicate_of edge to its representative and every "
                "contaminated record a contaminates_eval edge to its eval record.")
def removed_records_have_lineage(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        missing, total = con.execute(read_sql("checks/dedup_removed_records_have_lineage"), [STAGE, STAGE]).fetchone()
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
