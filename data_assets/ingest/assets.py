"""Dagster wiring of raw ingest."""

import os

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import field_validator

from data_assets import settings
from data_assets.common.checks import not_null_check, unique_key_check
from data_assets.common.config import StageConfig
from data_assets.common.metadata import counts_markdown, preview_markdown, table_schema
from data_assets.conversations.feedback import FEEDBACK_STAGE, feedback_pairs
from data_assets.lineage.edges import edges_frame, replace_stage_edges
from data_assets.ingest.load import PREFERENCE_COLUMNS, IngestResult, explain, ingest_sources
from data_assets.ingest.sources import Source, SourceConfigError, load_sources
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import insert_frame, replace_rows


class IngestConfig(StageConfig):
    sources_path: str = ""
    """Sources YAML; empty means DATA_ASSETS_SOURCES, else the bundled sample."""

    @field_validator("sources_path")
    @classmethod
    def _an_existing_file(cls, value: str) -> str:
        if value and not Path(value).expanduser().is_file():
            raise ValueError(f"sources_path: no file at {value!r} (leave it empty for DATA_ASSETS_SOURCES or the bundled sample)")
        return value

    def resolved(self) -> str:
        return self.sources_path or settings.sources_path()

    def origin(self) -> str:
        """Where the path came from, so an error says what to change."""
        if self.sources_path:
            return "the run config's sources_path"
        return "DATA_ASSETS_SOURCES" if os.environ.get("DATA_ASSETS_SOURCES") else "the bundled sample, DATA_ASSETS_SOURCES unset"


def _write(warehouse: WarehouseResource, table: str, result: IngestResult, sources: list[Source], all_names: list[str]) -> int:
    """Mirror the configured sources into `table`: rows of sources no longer configured go, a
    record seen before keeps its first `ingested_at`, and the same files give the same rows."""
    names = [s.name for s in sources]
    with warehouse.connect() as con:
        previous = con.execute(f"SELECT record_id, ingested_at FROM {table}").df()
        frame = result.documents
        if len(frame) and len(previous):
            first_seen = dict(zip(previous["record_id"], previous["ingested_at"]))
            frame = frame.assign(ingested_at=[first_seen.get(r, t) for r, t in zip(frame["record_id"], frame["ingested_at"])])
        removed = len(set(previous["record_id"]) - set(frame["record_id"]))
        replace_rows(con, table, frame, "TRUE")
        placeholders = ", ".join("?" for _ in names) or "NULL"
        # raw.rejects and raw.files are shared by both ingest assets: each rewrites its sources'
        # rows, and rows of sources gone from the YAML are removed too.
        every = ", ".join("?" for _ in all_names) or "NULL"
        for shared, data in (("raw.rejects", result.rejects), ("raw.files", result.files)):
            con.execute("BEGIN TRANSACTION")
            con.execute(f"DELETE FROM {shared} WHERE source IN ({placeholders}) OR source NOT IN ({every})", names + all_names)
            insert_frame(con, shared, data)
            con.execute("COMMIT")
    return removed


_TABLES = {"instruction": "raw.documents", "preference": "raw.preferences", "conversation": "raw.conversations"}


def _kind(source: Source) -> str:
    return "conversation" if source.conversation else "preference" if source.is_preference else "instruction"


def _materialize(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource, kind: str) -> dg.MaterializeResult:
    table = _TABLES[kind]
    extra: dict = {}
    try:
        all_sources = load_sources(config.resolved(), origin=config.origin())
        sources = [s for s in all_sources if _kind(s) == kind]
        if not sources:
            context.log.info(f"no {kind} sources configured; {table} is emptied")
        result = ingest_sources(sources, log=context.log)
    except SourceConfigError as error:
        # A wrong sources file is the user's to fix: one message listing every problem, nothing
        # written, and no retry (the same file would fail the same way).
        raise dg.Failure(description=str(error), metadata={"problems": len(error.problems), "sources_file": config.resolved()},
                         allow_retries=False) from None
    if kind == "preference":
        result, extra, edges = _with_feedback_pairs(warehouse, result, [s.name for s in all_sources if s.conversation])
    summary = explain(result, sources)
    (context.log.warning if sources and result.documents.empty else context.log.info)(summary)
    removed = _write(warehouse, table, result, sources, [s.name for s in all_sources])
    if kind == "preference":
        with warehouse.connect() as con:
            replace_stage_edges(con, FEEDBACK_STAGE, edges_frame(edges, FEEDBACK_STAGE, context.run.run_id))
    frame = result.documents
    roles = frame["role"].value_counts().to_dict() if len(frame) else {}
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "summary": summary,
            "rows_by_source": counts_markdown(dict(result.rows_by_source), "source", "rows"),
            "rows_by_role": counts_markdown(roles, "role", "rows"),
            "rejected_rows": int(len(result.rejects)),
            "rejects_by_reason": counts_markdown(dict(result.rejects_by_reason), "reason", "rows"),
            "files_read": int(len(result.files)),
            "records_no_longer_in_sources": removed,
            "sources_file": config.resolved(),
            **extra,
            # Raw text may hold PII that compliance has not redacted yet: preview ids and places only.
            "preview": preview_markdown(frame[["record_id", "source", "source_uri", "source_row", "role"]] if len(frame) else pd.DataFrame()),
            "dagster/column_schema": table_schema(table),
        }
    )


def _with_feedback_pairs(warehouse: WarehouseResource, result: IngestResult, names: list[str]) -> tuple[IngestResult, dict, list]:
    """The preference ingest plus the pairs user feedback makes in raw.conversations (of the
    conversation sources still configured), so they meet the same compliance, dedup and export."""
    placeholders = ", ".join("?" for _ in names) or "NULL"
    with warehouse.connect() as con:
        conversations = con.execute(f"SELECT * FROM raw.conversations WHERE source IN ({placeholders}) ORDER BY record_id", names).df()
    pairs, counts, edges = feedback_pairs(conversations, PREFERENCE_COLUMNS)
    frames = [f for f in (result.documents, pairs) if len(f)]
    documents = pd.concat(frames, ignore_index=True) if frames else result.documents
    for source, count in pairs["source"].value_counts().items():
        result.rows_by_source[source] += int(count)
    result.documents = documents
    return result, {"feedback_pairs": int(len(pairs)), "feedback": counts_markdown(dict(counts), "outcome", "conversations")}, edges


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    pool="duckdb",
    description="Multi-turn conversations of every source with a `conversation:` layout (messages, sharegpt, "
    "chatlog), turns, roles and system prompt verbatim, in raw.conversations with their feedback; malformed "
    "conversations in raw.rejects with their reason.",
)
def raw_conversations(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return _materialize(context, config, warehouse, "conversation")


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    pool="duckdb",
    description="Instruction records of every train, seed and eval source, verbatim, in raw.documents; "
    "unreadable rows in raw.rejects with their reason.",
)
def raw_documents(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return _materialize(context, config, warehouse, "instruction")


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["raw_conversations"],
    description="Human-labeled preference records (prompt, chosen, rejected) of every preference source, verbatim, "
    "and the pairs user feedback makes in raw.conversations (ids f_…), in raw.preferences; unreadable rows in raw.rejects.",
)
def raw_preferences(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return _materialize(context, config, warehouse, "preference")


ASSETS = [raw_documents, raw_preferences, raw_conversations]
CHECKS = [
    unique_key_check(raw_documents, "raw.documents"),
    not_null_check(raw_documents, "raw.documents", ["record_id", "source", "source_uri", "source_row", "role", "instruction", "input", "response"]),
    unique_key_check(raw_preferences, "raw.preferences"),
    not_null_check(raw_preferences, "raw.preferences", ["record_id", "source", "prompt", "chosen", "rejected"]),
    unique_key_check(raw_conversations, "raw.conversations"),
    not_null_check(raw_conversations, "raw.conversations", ["record_id", "source", "source_uri", "source_row", "messages"]),
]
