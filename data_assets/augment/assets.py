"""Dagster wiring of the augment stage: rewrite curated records to fill the thin buckets of its profile."""

import math

import dagster as dg
from pydantic import Field, field_validator

from data_assets.augment import report
from data_assets.augment.apply import run_plan
from data_assets.augment.plan import METHODS, find_gaps, plan_augmentations
from data_assets.common.checks import lineage_check, not_null_check, unique_key_check
from data_assets.common.config import StageConfig, known_names
from data_assets.common.guards import near_duplicate_index, rescanner, run_policy
from data_assets.dedup.contamination import (
    contamination_edges,
    load_eval_index,
    rejected_contamination,
    write_contamination,
)
from data_assets.lineage.edges import edges_frame, replace_stage_edges
from data_assets.llm.resource import LLMResource
from data_assets.semantic.targets import topic_gaps
from data_assets.text.taxonomy import bucket_frame
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows, rows_frame

DOCUMENT_COLUMNS = [
    "record_id", "parent_id", "method", "gap", "language", "instruction", "input", "response", "source", "license",
    "parent_origin", "parent_similarity", "pii_reasons", "provider", "model", "prompt_version", "request_hash", "run_id",
]
REJECTED_COLUMNS = [
    "record_id", "parent_id", "method", "gap", "language", "instruction", "input", "response", "reason", "detail",
    "raw_reply", "provider", "model", "prompt_version", "request_hash", "run_id",
]


class AugmentConfig(StageConfig):
    methods: list[str] = list(METHODS)
    """Methods to use: paraphrase, style_formal, style_informal, style_short, style_long, translate, noise."""
    language: str = Field("es", pattern=r"^[a-z]{2,3}$")
    """Language `translate` writes (an ISO 639 code in lower case: es, fr, de, pt, it, ...)."""
    min_bucket_share: float = Field(0.05, ge=0.0, lt=1.0)
    """A bucket of the curated profile holding less than this share of records is under-represented."""
    max_share: float = Field(0.2, ge=0.0, le=1.0)
    """At most this many augmented records, as a share of the curated set."""
    max_per_record: int = Field(1, ge=1, le=len(METHODS))
    """Augmentations per curated record (at most one per method); above 1, siblings often nearly duplicate each other."""
    near_duplicate_threshold: float = Field(0.7, gt=0.0, le=1.0)
    """Jaccard above which two augmented records are near-duplicates (the later one is dropped)."""
    parent_copy_threshold: float = Field(0.8, gt=0.0, le=1.0)
    """Word Jaccard with the parent, on the rewritten fields, at which a model rewrite counts as a copy."""
    seed: int = 0
    """Seed of the order records are picked in within each gap (any integer)."""

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: list[str]) -> list[str]:
        known_names("methods", value, METHODS)
        return value


@dg.asset(
    group_name="augment",
    kinds={"duckdb", "anthropic"},
    pool="duckdb",
    deps=["dedup_documents", "semantic_dedup", "topic_clusters"],
    description="Curated records rewritten (paraphrase, style, translation, typing noise) to fill the buckets the "
    "curated profile lacks (domain, task type, style, length, language), up to a configured share; placeholders "
    "kept, re-scanned for PII, near-duplicates dropped (augment.documents, augment.rejected).",
)
def augmented_documents(context: dg.AssetExecutionContext, config: AugmentConfig, warehouse: WarehouseResource,
                        llm: LLMResource) -> dg.MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect() as con:
        curated = con.execute(
            "SELECT record_id, source, license, origin, instruction, input, response FROM dedup.documents "
            "WHERE role = 'train' ORDER BY record_id"
        ).df()
        eval_index = load_eval_index(con)
        rescan = rescanner(run_policy(con))
    profiled = bucket_frame(curated)
    gaps = find_gaps(profiled, tuple(config.methods), config.language, config.min_bucket_share, config.seed)
    with warehouse.connect() as con:
        gaps += topic_gaps(con, tuple(config.methods), config.seed)   # thin topics vs the eval set (semantic layer)
    budget = math.floor(config.max_share * len(curated))
    plan = plan_augmentations(gaps, budget, config.max_per_record)
    context.log.info(f"{len(curated)} curated records, {len(gaps)} thin buckets, {len(plan)} augmentations planned (budget {budget})")

    outcome = run_plan(
        curated, plan, config.language, lambda requests: llm.run(requests, context=context),
        lambda: near_duplicate_index((), config.near_duplicate_threshold), rescan, config.parent_copy_threshold,
        decontaminate=eval_index.match_records,
    )
    documents = rows_frame(outcome.documents, DOCUMENT_COLUMNS, run_id=run_id)
    rejected = rows_frame(outcome.rejected, REJECTED_COLUMNS, run_id=run_id)
    contaminated = rejected_contamination(outcome.rejected, "augment", role="augmented")
    edges = edges_frame([*((d["record_id"], d["parent_id"], d["method"], d["gap"]) for d in outcome.documents),
                         *contamination_edges(contaminated)], "augment", run_id)
    with warehouse.connect() as con:
        replace_rows(con, "augment.documents", documents, "TRUE")
        replace_rows(con, "augment.rejected", rejected, "TRUE")
        write_contamination(con, "augment", contaminated)
        replace_stage_edges(con, "augment", edges)

    if outcome.skipped_by_method:
        context.log.warning(f"methods skipped (declined or not sent by the LLM layer): {dict(outcome.skipped_by_method)}")
    return dg.MaterializeResult(metadata=report.metadata(
        curated, profiled, gaps, plan, outcome, documents, contaminated, budget=budget, methods=config.methods,
        eval_records=len(eval_index), usage=llm.usage_metadata(),
    ))

ASSETS = [augmented_documents]
CHECKS = [
    unique_key_check(augmented_documents, "augment.documents"),
    not_null_check(augmented_documents, "augment.documents", ["record_id", "parent_id", "method", "instruction", "response"]),
    lineage_check(augmented_documents, "augment.documents", "augment"),
]
