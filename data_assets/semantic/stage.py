"""The semantic steps against the warehouse: read, embed (cached), decide, write, record the step.

Every step records a row in `semantic.steps`, `ran` or `skipped` with the reason, so the run
summary and the UI say what happened even when the `[semantic]` extra is not installed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

import duckdb
import pandas as pd

from data_assets.dedup.stage import DOCUMENT_COLUMNS
from data_assets.lineage.edges import EDGE_COLUMNS, edges_frame
from data_assets.semantic.cache import EmbedOutcome, embed_texts, prompt_texts
from data_assets.semantic.decontaminate import ParaphraseSettings, paraphrase_matches
from data_assets.semantic.judge import apply_verdicts, judge_request
from data_assets.semantic.model import Embedder
from data_assets.semantic.semdedup import SemanticDedupSettings, semantic_duplicates
from data_assets.warehouse import WarehouseResource, read_sql
from data_assets.warehouse.resource import insert_frame, replace_rows

TRAINING_ROLES = ("train", "seed")
GENERATED_ROLES = ("augmented", "synthetic")
PAIR_COLUMNS = ["record_id", "eval_record_id", "role", "similarity", "band", "eval_matches", "decision", "judge",
                "judge_reason", "request_hash", "model", "run_id"]


@dataclass
class StepRecord:
    step: str
    status: str                 # ran | skipped | off
    reason: str
    model: str | None = None
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All of a step's writes or none: a killed run leaves the previous state, never half of one."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def record_step(warehouse: WarehouseResource, run_id: str, step: StepRecord) -> None:
    row = pd.DataFrame([{**step.__dict__, "run_id": run_id, "finished_at": datetime.now(timezone.utc).replace(tzinfo=None)}])
    with warehouse.connect() as con:
        replace_rows(con, "semantic.steps", row, "run_id = ? AND step = ?", [run_id, step.step])


@dataclass
class DecontaminationOutcome:
    pairs: pd.DataFrame                       # PAIR_COLUMNS
    clusters: pd.DataFrame                    # semantic duplicate clusters (empty when off)
    records: int = 0
    embedding: EmbedOutcome | None = None
    seconds: dict = field(default_factory=dict)

    @property
    def removed(self) -> pd.DataFrame:
        return self.pairs[self.pairs["decision"] == "removed"]


def _judge(pairs: pd.DataFrame, texts: dict[str, str], llm, context) -> pd.DataFrame:
    """Decisions for `pairs`: `above` removed; `borderline` by a judge call (flagged without a verdict)."""
    above = pairs[pairs["band"] == "above"].assign(decision="removed", judge=None, judge_reason=None, request_hash=None)
    borderline = pairs[pairs["band"] == "borderline"]
    if len(borderline) and llm is not None:
        requests = [judge_request(texts[e], texts[r]) for r, e in zip(borderline["record_id"], borderline["eval_record_id"])]
        borderline = apply_verdicts(borderline, llm.run(requests, context=context))
    else:
        borderline = borderline.assign(decision="flagged", judge=None, judge_reason="no judge configured", request_hash=None)
    return pd.concat([above, borderline], ignore_index=True)


def _read_training(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Kept records of dedup, plus those this step removed last time (so a re-run with other settings
    can give them back): every candidate with its text and the fields of the survivor rule."""
    return con.execute(read_sql("semantic/inputs/training_candidates")).df()


def _pairs_against_eval(warehouse: WarehouseResource, records: pd.DataFrame, candidates, embedder: Embedder, llm, context,
                        run_id: str, settings: ParaphraseSettings, log, label: str) -> tuple[pd.DataFrame, EmbedOutcome]:
    """Embed every record (cached), match the `candidates` rows against the eval rows, judge the borderline."""
    texts = dict(zip(records["record_id"], prompt_texts(records)))
    embedding = embed_texts(warehouse.connect, embedder, list(texts.values()), run_id=run_id, log=log, label=label)
    vectors = embedding.vectors
    is_eval = (records["role"] == "eval").to_numpy()
    matches = paraphrase_matches(records.loc[is_eval, "record_id"].tolist(), vectors[is_eval],
                                 records.loc[candidates, "record_id"].tolist(), records.loc[candidates, "role"].tolist(),
                                 vectors[candidates], settings)
    pairs = _judge(matches, texts, llm, context).assign(model=embedder.model_id, run_id=run_id)
    return pairs.reindex(columns=PAIR_COLUMNS).sort_values("record_id").reset_index(drop=True), embedding


def run_training_decontamination(warehouse: WarehouseResource, embedder: Embedder, llm, context, run_id: str,
                                 settings: ParaphraseSettings, dedup_settings: SemanticDedupSettings,
                                 log: logging.Logger | None = None) -> DecontaminationOutcome:
    """Paraphrase decontamination of train and seed records against eval, then (when enabled)
    semantic dedup within each role; the removed leave dedup.documents, with their reason kept."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with warehouse.connect() as con:
        records = _read_training(con)
    pairs, embedding = _pairs_against_eval(warehouse, records, records["role"].isin(TRAINING_ROLES).to_numpy(), embedder, llm, context,
                                           run_id, settings, log, "semantic embeddings")
    vectors = embedding.vectors
    seconds["embed_and_decontaminate"] = time.perf_counter() - started

    started = time.perf_counter()
    clusters = pd.DataFrame()
    if dedup_settings.enabled:
        alive = ~records["record_id"].isin(set(pairs.loc[pairs["decision"] == "removed", "record_id"])).to_numpy()
        clusters = semantic_duplicates(records[alive], vectors[alive], dedup_settings).assign(run_id=run_id)
    seconds["semantic_dedup"] = time.perf_counter() - started

    started = time.perf_counter()
    with warehouse.connect() as con:
        _write_training(con, records, pairs, clusters, run_id)
    seconds["write"] = time.perf_counter() - started
    return DecontaminationOutcome(pairs=pairs, clusters=clusters, records=len(records), embedding=embedding, seconds=seconds)


def _lineage(pairs: pd.DataFrame, clusters: pd.DataFrame) -> tuple[list, list]:
    contamination = []
    for p in pairs[pairs["decision"] == "removed"].itertuples(index=False):
        how = f"judged same task by {p.judge}" if isinstance(p.judge, str) else "cosine >= remove_at"
        contamination.append((p.record_id, p.eval_record_id, "contaminates_eval", f"semantic cosine={p.similarity:.3f} ({how})"))
    duplicates = []
    if len(clusters):
        for c in clusters[clusters["record_id"] != clusters["representative_id"]].itertuples(index=False):
            duplicates.append((c.record_id, c.representative_id, "duplicate_of", f"semantic cosine={c.similarity:.3f}"))
    return contamination, duplicates


def _write_training(con: duckdb.DuckDBPyConnection, records: pd.DataFrame, pairs: pd.DataFrame,
                    clusters: pd.DataFrame, run_id: str) -> None:
    removed_pairs = pairs[pairs["decision"] == "removed"]
    duplicates = clusters[clusters["record_id"] != clusters["representative_id"]] if len(clusters) else clusters
    removed = set(removed_pairs["record_id"]) | set(duplicates["record_id"] if len(duplicates) else [])
    keep = records[~records["record_id"].isin(removed)][["record_id"]]
    # Paraphrase removals are the dedup stage's decontamination, found by another method.
    contamination = removed_pairs.assign(stage="dedup", method="semantic", span_words=pd.NA)[
        ["record_id", "stage", "eval_record_id", "role", "method", "similarity", "span_words", "eval_matches"]]
    contamination_edges, duplicate_edges = _lineage(pairs, clusters)
    columns = ", ".join(DOCUMENT_COLUMNS)
    con.register("_semantic_keep", keep)
    try:
        with transaction(con):
            _replace_training_slices(con, columns, contamination, pairs, clusters, contamination_edges, duplicate_edges, run_id)
    finally:
        con.unregister("_semantic_keep")


def _replace_training_slices(con, columns: str, contamination: pd.DataFrame, pairs: pd.DataFrame, clusters: pd.DataFrame,
                             contamination_edges: list, duplicate_edges: list, run_id: str) -> None:
    # Rewrite this step's slice of every table it shares, so a re-run never duplicates a row
    # and a record no longer removed (other settings) goes back to dedup.documents.
    con.execute("DELETE FROM dedup.contamination WHERE method = 'semantic'")
    insert_frame(con, "dedup.contamination", contamination)
    con.execute("DELETE FROM dedup.documents WHERE role IN ('train', 'seed', 'eval')")
    con.execute(f"""INSERT INTO dedup.documents ({columns})
                    SELECT {columns} FROM compliance.documents WHERE record_id IN (SELECT record_id FROM _semantic_keep)
                    ORDER BY record_id""")
    con.execute("DELETE FROM semantic.paraphrase_pairs WHERE role IN ('train', 'seed')")
    insert_frame(con, "semantic.paraphrase_pairs", pairs)
    con.execute("DELETE FROM semantic.clusters")
    if len(clusters):
        insert_frame(con, "semantic.clusters", clusters)
    # Contamination edges belong to the dedup stage (dedup's check expects them there; dedup's own
    # run rewrites its edges, this step then adds its own again).
    con.execute("""DELETE FROM lineage.edges WHERE stage = 'dedup' AND operation = 'contaminates_eval'
                   AND detail LIKE 'semantic %'""")
    insert_frame(con, "lineage.edges", edges_frame(contamination_edges, "dedup", run_id)[EDGE_COLUMNS])
    con.execute("DELETE FROM lineage.edges WHERE stage = 'semantic' AND operation = 'duplicate_of'")
    insert_frame(con, "lineage.edges", edges_frame(duplicate_edges, "semantic", run_id)[EDGE_COLUMNS])


def run_generated_decontamination(warehouse: WarehouseResource, embedder: Embedder, llm, context, run_id: str,
                                  settings: ParaphraseSettings, log: logging.Logger | None = None) -> DecontaminationOutcome:
    """Augmented and synthetic records that rephrase an eval item: listed in semantic.paraphrase_pairs
    (removed ones are left out of the SFT export; the generated rows themselves stay for inspection)."""
    started = time.perf_counter()
    with warehouse.connect() as con:
        records = con.execute(read_sql("semantic/inputs/generated_candidates")).df()
    generated = (records["role"] != "eval").to_numpy()
    pairs, embedding = _pairs_against_eval(warehouse, records, generated, embedder, llm, context, run_id, settings, log,
                                           "semantic embeddings (generated)")
    edges = [(p.record_id, p.eval_record_id, "contaminates_eval", f"semantic cosine={p.similarity:.3f}")
             for p in pairs[pairs["decision"] == "removed"].itertuples(index=False)]
    with warehouse.connect() as con, transaction(con):
        con.execute("DELETE FROM semantic.paraphrase_pairs WHERE role IN ('augmented', 'synthetic')")
        insert_frame(con, "semantic.paraphrase_pairs", pairs)
        con.execute("DELETE FROM lineage.edges WHERE stage = 'semantic' AND operation = 'contaminates_eval'")
        insert_frame(con, "lineage.edges", edges_frame(edges, "semantic", run_id)[EDGE_COLUMNS])
    return DecontaminationOutcome(pairs=pairs, clusters=pd.DataFrame(), records=int(generated.sum()), embedding=embedding,
                                  seconds={"total": time.perf_counter() - started})


@dataclass
class TopicOutcome:
    records: pd.DataFrame       # record_id, role, instruction, input
    topics: object              # topics.Topics
    embedding: EmbedOutcome


def run_topics(warehouse: WarehouseResource, embedder: Embedder, run_id: str, settings, log: logging.Logger | None = None) -> TopicOutcome:
    """Topic clusters of the curated training set and the eval set, with eval coverage; written to
    semantic.topics, semantic.topic_members and, as topic shares, profile.snapshots (dataset curated)."""
    from data_assets.semantic.topics import topic_clusters

    with warehouse.connect() as con:
        records = con.execute("""SELECT record_id, role, instruction, input FROM dedup.documents
                                 WHERE role IN ('train', 'eval') ORDER BY record_id""").df()
    texts = prompt_texts(records)
    embedding = embed_texts(warehouse.connect, embedder, texts, run_id=run_id, log=log, label="semantic embeddings (topics)")
    topics = topic_clusters(texts, embedding.vectors, records["role"].tolist(), settings)
    table = topics.table.assign(run_id=run_id)
    members = pd.DataFrame({"record_id": records["record_id"], "role": records["role"], "topic_id": topics.assignment,
                            "centroid_similarity": topics.centroid_similarity, "x": topics.xy[:, 0] if len(records) else [],
                            "y": topics.xy[:, 1] if len(records) else [], "run_id": run_id})
    snapshot = [{"field": "instruction", "statistic": "topic_share", "value": float(r.train_share), "label": r.label}
                for r in topics.table.itertuples(index=False)]
    if topics.coverage is not None:
        snapshot.append({"field": "*", "statistic": "eval_coverage", "value": float(topics.coverage),
                         "label": f"nearest train cosine >= {settings.coverage_at}"})
    snapshot_frame = pd.DataFrame(snapshot, columns=["field", "statistic", "value", "label"]).assign(
        dataset="curated", run_id=run_id, profiled_at=datetime.now(timezone.utc).replace(tzinfo=None))
    with warehouse.connect() as con, transaction(con):
        con.execute("DELETE FROM semantic.topics")
        insert_frame(con, "semantic.topics", table)
        con.execute("DELETE FROM semantic.topic_members")
        insert_frame(con, "semantic.topic_members", members)
        con.execute("""DELETE FROM profile.snapshots WHERE dataset = 'curated' AND run_id = ?
                       AND statistic IN ('topic_share', 'eval_coverage')""", [run_id])
        insert_frame(con, "profile.snapshots", snapshot_frame)
    return TopicOutcome(records=records, topics=topics, embedding=embedding)


def thin_topic_members(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """For augmentation and synthesis: each thin topic's training members and how many records it
    lacks to reach its eval share (topic_id, label, top_terms, deficit, record_id). Empty when the
    topic step has not run (no extra) or no topic is thin."""
    return con.execute(read_sql("semantic/inputs/thin_topics")).df()
