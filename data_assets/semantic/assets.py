"""Dagster wiring of the semantic layer: paraphrase decontamination and semantic dedup after the
dedup stage, topic clusters beside the profiles, and paraphrase decontamination of generated data
before the export. Each asset skips, saying why, when the embeddings are unavailable."""


import dagster as dg
import matplotlib.pyplot as plt
import pandas as pd
from pydantic import Field, model_validator

from data_assets import settings as paths
from data_assets.common.config import StageConfig
from data_assets.common.metadata import counts_markdown, figure_markdown, preview_markdown, table_markdown, table_schema
from data_assets.llm.resource import LLMResource
from data_assets.semantic.decontaminate import ParaphraseSettings
from data_assets.semantic.model import EmbeddingsResource, SemanticUnavailable
from data_assets.semantic.semdedup import SemanticDedupSettings
from data_assets.semantic.stage import (
    StepRecord,
    record_step,
    run_generated_decontamination,
    run_topics,
    run_training_decontamination,
)
from data_assets.semantic.topics import TopicSettings, topic_map_figure
from data_assets.warehouse import WarehouseResource


def _check_band(borderline_from: float, remove_at: float) -> None:
    if borderline_from > remove_at:
        raise ValueError(f"borderline_from ({borderline_from}) must not be above remove_at ({remove_at}): "
                         "the borderline band lies below the removal cosine")


class SemanticDedupConfig(StageConfig):
    # Defaults are the stage's own settings, so the Launchpad and plain calls agree.
    remove_at: float = Field(ParaphraseSettings.remove_at, gt=0, le=1)
    """Cosine of task embeddings at or above which a train/seed record is removed as a rephrased eval item."""
    borderline_from: float = Field(ParaphraseSettings.borderline_from, gt=0, le=1)
    """From this cosine up to remove_at a pair is borderline: judged by Claude when configured, else flagged."""
    judge_borderline: bool = True
    """Send borderline pairs to the judge model (offline: declined and flagged, at no cost)."""
    semantic_dedup: bool = SemanticDedupSettings.enabled
    """Also remove semantic near-duplicates within each role (off by default)."""
    dedup_threshold: float = Field(SemanticDedupSettings.threshold, gt=0, le=1)
    """Cosine at or above which two records of one role are semantic duplicates."""

    @model_validator(mode="after")
    def _band_is_ordered(self):
        _check_band(self.borderline_from, self.remove_at)
        return self

    def paraphrase(self) -> ParaphraseSettings:
        return ParaphraseSettings(remove_at=self.remove_at, borderline_from=self.borderline_from)

    def dedup(self) -> SemanticDedupSettings:
        return SemanticDedupSettings(enabled=self.semantic_dedup, threshold=self.dedup_threshold)


def _skipped(context, warehouse: WarehouseResource, step: str, reason: str) -> dg.MaterializeResult:
    context.log.warning(f"{step}: skipped: {reason}")
    record_step(warehouse, context.run.run_id, StepRecord(step=step, status="skipped", reason=reason))
    return dg.MaterializeResult(metadata={"semantic/status": "skipped", "semantic/skipped_because": reason,
                                          "dagster/row_count": 0})


def _load(embeddings: EmbeddingsResource):
    try:
        return embeddings.load(), None
    except SemanticUnavailable as reason:
        return None, str(reason)


def _pairs_metadata(pairs: pd.DataFrame, texts: pd.DataFrame) -> dict:
    shown = pairs.merge(texts.rename(columns={"record_id": "eval_record_id", "instruction": "eval_instruction"}),
                        on="eval_record_id", how="left").merge(texts, on="record_id", how="left")
    return {
        "decisions": counts_markdown({f"{band}: {decision}": int(n) for (band, decision), n
                                      in pairs.groupby(["band", "decision"]).size().items()}, "band: decision", "records"),
        "pairs_preview": preview_markdown(shown[["record_id", "role", "similarity", "decision", "instruction", "eval_instruction"]]
                                          .round({"similarity": 3}).sort_values("similarity", ascending=False), max_rows=10, max_chars=70),
    }


def _texts(warehouse: WarehouseResource, ids: list[str]) -> pd.DataFrame:
    if not ids:
        return pd.DataFrame(columns=["record_id", "instruction"])
    with warehouse.connect() as con:
        return con.execute("""SELECT record_id, instruction FROM compliance.documents WHERE record_id IN (SELECT unnest(?::VARCHAR[]))
                              UNION ALL SELECT record_id, instruction FROM augment.documents WHERE record_id IN (SELECT unnest(?::VARCHAR[]))
                              UNION ALL SELECT record_id, instruction FROM synth.pairs WHERE record_id IN (SELECT unnest(?::VARCHAR[]))""",
                           [ids, ids, ids]).df()


@dg.asset(
    group_name="dedup",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["dedup_documents"],
    description="Paraphrase decontamination: train and seed records whose task embedding is close to an eval item "
    "leave dedup.documents (method semantic in dedup.contamination); borderline pairs go to the judge (offline: "
    "flagged). Optionally semantic dedup within each role. Skipped, saying why, without the [semantic] extra.",
)
def semantic_dedup(context: dg.AssetExecutionContext, config: SemanticDedupConfig, warehouse: WarehouseResource,
                   embeddings: EmbeddingsResource, llm: LLMResource) -> dg.MaterializeResult:
    step = "paraphrase_decontamination"
    embedder, reason = _load(embeddings)
    if embedder is None:
        return _skipped(context, warehouse, step, reason)
    outcome = run_training_decontamination(warehouse, embedder, llm if config.judge_borderline else None, context,
                                           context.run.run_id, config.paraphrase(), config.dedup(), log=context.log)
    e = outcome.embedding
    clusters = outcome.clusters
    duplicates = int((clusters["record_id"] != clusters["representative_id"]).sum()) if len(clusters) else 0
    dedup_line = (f"{duplicates} removed at cosine >= {config.dedup_threshold}" if config.semantic_dedup
                  else "off by default (semantic_dedup: true in the Launchpad turns it on)")
    record_step(warehouse, context.run.run_id, StepRecord(step, "ran", f"{len(outcome.removed)} removed", embedder.model_id,
                                                          e.embedded, e.reused, sum(outcome.seconds.values())))
    record_step(warehouse, context.run.run_id, StepRecord("semantic_dedup", "ran" if config.semantic_dedup else "off",
                                                          dedup_line, embedder.model_id))
    pairs = outcome.pairs
    texts = _texts(warehouse, list(set(pairs["record_id"]) | set(pairs["eval_record_id"])))
    metadata = {
        "semantic/status": "ran",
        "dagster/row_count": int(len(outcome.removed)),
        "model": embedder.model_id,
        "records_in": outcome.records,
        "removed_as_rephrased_eval": int(len(outcome.removed)),
        "flagged_borderline": int((pairs["decision"] == "flagged").sum()),
        "judged_different_task": int((pairs["decision"] == "kept").sum()),
        "thresholds": dg.MetadataValue.json({"remove_at": config.remove_at, "borderline_from": config.borderline_from}),
        "embedded": e.embedded, "reused_from_cache": e.reused,
        "embeddings_per_second": round(e.rate, 1),
        "semantic_dedup": dedup_line,
        "seconds": dg.MetadataValue.json({k: round(v, 3) for k, v in outcome.seconds.items()}),
        "dagster/column_schema": table_schema("semantic.paraphrase_pairs"),
        **_pairs_metadata(pairs, texts),
    }
    if config.judge_borderline and len(pairs[pairs["band"] == "borderline"]):
        metadata.update(llm.usage_metadata(context))
    return dg.MaterializeResult(metadata=metadata)


class TopicConfig(StageConfig):
    n_topics: int = Field(TopicSettings.n_topics, ge=0, le=10_000)
    """k-means clusters; 0 picks about sqrt(n/2)."""
    thin_ratio: float = Field(TopicSettings.thin_ratio, gt=0, le=1)
    """A topic is thin when its train share is below this times its eval share."""
    coverage_at: float = Field(TopicSettings.coverage_at, gt=0, le=1)
    """An eval item is covered when its nearest training record has at least this cosine."""

    def settings(self) -> TopicSettings:
        return TopicSettings(n_topics=self.n_topics, thin_ratio=self.thin_ratio, coverage_at=self.coverage_at)


@dg.asset(
    group_name="profile",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["semantic_dedup", "curated_profile"],
    description="Topic clusters of the curated training set and the eval set (k-means on task embeddings, labelled "
    "by top terms), sizes, a 2-D map, eval coverage and thin topics; semantic.topics, semantic.topic_members and "
    "topic shares in profile.snapshots. Skipped, saying why, without the [semantic] extra.",
)
def topic_clusters(context: dg.AssetExecutionContext, config: TopicConfig, warehouse: WarehouseResource,
                   embeddings: EmbeddingsResource) -> dg.MaterializeResult:
    step = "topic_clusters"
    embedder, reason = _load(embeddings)
    if embedder is None:
        return _skipped(context, warehouse, step, reason)
    settings = config.settings()
    outcome = run_topics(warehouse, embedder, context.run.run_id, settings, log=context.log)
    topics, e = outcome.topics, outcome.embedding
    record_step(warehouse, context.run.run_id, StepRecord(step, "ran", f"{len(topics.table)} topics, "
                                                          f"{int(topics.table['thin'].sum())} thin", embedder.model_id,
                                                          e.embedded, e.reused, e.seconds))
    metadata = {"semantic/status": "ran", "dagster/row_count": int(len(topics.table)), "model": embedder.model_id,
                "topics": table_markdown(topics.table.drop(columns=["topic_id"]).round({"train_share": 3, "eval_share": 3})),
                "thin_topics": int(topics.table["thin"].sum()),
                "eval_coverage": float(round(topics.coverage, 4)) if topics.coverage is not None else "no eval records",
                "coverage_rule": f"share of eval items whose nearest curated training record has cosine >= {settings.coverage_at}",
                "embedded": e.embedded, "reused_from_cache": e.reused}
    if len(outcome.records) >= 3:
        figure = topic_map_figure(topics, outcome.records["role"].tolist(), "curated train (dots) and eval (x) by topic")
        metadata["topic_map"] = figure_markdown(figure, paths.reports_dir() / "profile_curated_topics.png", "topic map")
        plt.close(figure)
    return dg.MaterializeResult(metadata=metadata)


class GeneratedDecontaminationConfig(StageConfig):
    remove_at: float = Field(ParaphraseSettings.remove_at, gt=0, le=1)
    """Cosine at or above which a generated record is left out of the export as a rephrased eval item."""
    borderline_from: float = Field(ParaphraseSettings.borderline_from, gt=0, le=1)
    """Borderline band floor: judged by Claude when configured, else flagged."""
    judge_borderline: bool = True
    """Send borderline pairs to the judge model (offline: declined and flagged, at no cost)."""

    @model_validator(mode="after")
    def _band_is_ordered(self):
        _check_band(self.borderline_from, self.remove_at)
        return self


@dg.asset(
    group_name="export",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["augmented_documents", "synthetic_pairs", "semantic_dedup"],
    description="Paraphrase decontamination of generated data: augmented and synthetic records whose task embedding "
    "is close to an eval item are listed in semantic.paraphrase_pairs and left out of the SFT export. "
    "Skipped, saying why, without the [semantic] extra.",
)
def generated_decontamination(context: dg.AssetExecutionContext, config: GeneratedDecontaminationConfig,
                              warehouse: WarehouseResource, embeddings: EmbeddingsResource, llm: LLMResource) -> dg.MaterializeResult:
    step = "generated_decontamination"
    embedder, reason = _load(embeddings)
    if embedder is None:
        return _skipped(context, warehouse, step, reason)
    settings = ParaphraseSettings(remove_at=config.remove_at, borderline_from=config.borderline_from)
    outcome = run_generated_decontamination(warehouse, embedder, llm if config.judge_borderline else None, context,
                                            context.run.run_id, settings, log=context.log)
    e = outcome.embedding
    record_step(warehouse, context.run.run_id, StepRecord(step, "ran", f"{len(outcome.removed)} removed", embedder.model_id,
                                                          e.embedded, e.reused, e.seconds))
    pairs = outcome.pairs
    texts = _texts(warehouse, list(set(pairs["record_id"]) | set(pairs["eval_record_id"])))
    return dg.MaterializeResult(metadata={
        "semantic/status": "ran", "dagster/row_count": int(len(outcome.removed)), "model": embedder.model_id,
        "generated_records": outcome.records, "left_out_of_export": int(len(outcome.removed)),
        "flagged_borderline": int((pairs["decision"] == "flagged").sum()),
        "embedded": e.embedded, "reused_from_cache": e.reused, **_pairs_metadata(pairs, texts)})


@dg.asset_check(asset=semantic_dedup, name="semantic_removals_have_lineage", blocking=True,
                description="Every record removed as a rephrased eval item has a contaminates_eval edge to its eval record, "
                "and none of them is still in dedup.documents.")
def semantic_removals_have_lineage(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        missing, still_kept = con.execute("""
            SELECT (SELECT count(*) FROM dedup.contamination c WHERE c.method = 'semantic' AND NOT EXISTS (
                        SELECT 1 FROM lineage.edges e WHERE e.stage = 'dedup' AND e.operation = 'contaminates_eval'
                        AND e.child_id = c.record_id AND e.parent_id = c.eval_record_id)),
                   (SELECT count(*) FROM dedup.contamination c JOIN dedup.documents d USING (record_id) WHERE c.method = 'semantic')
        """).fetchone()
    return dg.AssetCheckResult(passed=missing == 0 and still_kept == 0,
                               metadata={"without_edge": int(missing), "still_in_dedup_documents": int(still_kept)})


ASSETS = [semantic_dedup, topic_clusters, generated_decontamination]
CHECKS = [semantic_removals_have_lineage]
